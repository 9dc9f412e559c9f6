"""PUBLIC_BASE_URL: links in e-mails name the address the app is served on (issue 10, part 6)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.ecabinet.test_settings import run_check

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", [
    "ftp://ecabinet.example.gov.vn", "ecabinet.example.gov.vn", "https://", "https://x.gov.vn/?next=1",
    "https://x.gov.vn/#top", "https://user:pw@x.gov.vn", "https://x.gov.vn:99999", "https://x.gov.vn:port",
    "https://x.gov.vn /a",
])
def test_a_bad_public_address_is_refused(value):
    result = run_check({"DEBUG": "1", "PUBLIC_BASE_URL": value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "PUBLIC_BASE_URL must be an http(s) address" in result.stderr


def test_a_good_public_address_is_kept_without_its_trailing_slash():
    from ecabinet.settings import public_base_url

    assert public_base_url("https://ecabinet.example.gov.vn/app/") == "https://ecabinet.example.gov.vn/app"
    assert public_base_url("http://10.0.0.5:8443") == "http://10.0.0.5:8443"
    assert public_base_url("http://[::1]:8000") == "http://[::1]:8000"
    assert public_base_url(None) == "http://127.0.0.1:8000"


def _fake_make_run(tmp_path: Path, target: str, env: dict[str, str], *args: str) -> str:
    """Run the real Makefile's `target` with stand-ins for python, pybabel and uvicorn; the
    uvicorn stand-in prints the PUBLIC_BASE_URL the server would be started with."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for name in ("pyproject.toml", "package-lock.json"):
        (tmp_path / name).write_text("")
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    # python: `manage.py run_with_worker -- SERVER…` runs the server part; anything else does nothing
    run_server = 'while [ $# -gt 0 ]; do a=$1; shift; if [ "$a" = "--" ]; then exec "$@"; fi; done; exit 0'
    for name, body in (("python", run_server), ("pybabel", "exit 0"),
                       ("uvicorn", 'echo "URL=$PUBLIC_BASE_URL"')):
        script = bin_dir / name
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "stamp").write_text("")
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / ".demo-seeded").write_text("")
    base = {k: v for k, v in os.environ.items() if k not in {"PUBLIC_BASE_URL", "MAKEFLAGS", "MAKELEVEL"}}
    result = subprocess.run(
        ["make", "-s", target, "VENV=venv", "STAMP=stamp", "VAR_DIR=var", *args],
        cwd=tmp_path, env={**base, **env}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if line.startswith("URL=")][-1][4:]


@pytest.mark.parametrize("target", ["run", "dev"])
def test_make_passes_the_address_it_serves_on(tmp_path, target):
    assert _fake_make_run(tmp_path, target, {}, "PORT=8123") == "http://127.0.0.1:8123"


def test_make_names_a_reachable_host_and_keeps_a_given_address(tmp_path):
    (tmp_path / "a").mkdir()
    assert _fake_make_run(tmp_path / "a", "run", {}, "HOST=0.0.0.0", "PORT=9000") == "http://127.0.0.1:9000"
    (tmp_path / "b").mkdir()
    assert _fake_make_run(tmp_path / "b", "run", {"PUBLIC_BASE_URL": "https://ecab.example.gov.vn"},
                          "PORT=9000") == "https://ecab.example.gov.vn"
