"""The core's part of the demo (manage.py seed_demo): the user guide's first pages."""

from __future__ import annotations

from typing import Any

from ecabinet.help_seed import seed_help


def seed_demo(*, users: dict[str, Any], password: str, stdout: Any) -> None:
    stdout.write(f"help pages created: {seed_help()}")
