"""Catalogs, invitations, personal notes and written opinions (the work before a meeting)."""

from __future__ import annotations

__all__: list[str] = []
