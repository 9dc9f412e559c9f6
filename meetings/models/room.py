"""The live room: attendance, the floor, polls and ballots, conclusions."""

from __future__ import annotations

__all__: list[str] = []
