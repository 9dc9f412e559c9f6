"""preparation actions."""

from __future__ import annotations
