"""documents actions."""

from __future__ import annotations
