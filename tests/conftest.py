from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    # Each test writes its uploads and signed versions into its own folder.
    settings.MEDIA_ROOT = tmp_path / "media"


def require_tool(tool: str, package: str) -> None:
    """Skip (never silently: make test names the missing package) unless CI, where it must exist."""
    if shutil.which(tool) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} ({package}) must be installed in CI")
        pytest.skip(f"{tool} not installed ({package})")
