"""CSV exports that a spreadsheet opens as data, never as formulas.

A cell that starts with = + - @ (or a tab or carriage return, which some spreadsheets skip
before looking for those) is read by Excel and LibreOffice as a formula: a decline reason
typed as `=HYPERLINK(...)` would run in the secretary's spreadsheet. Such text cells get a
leading apostrophe (OWASP "CSV injection"), which spreadsheets show as plain text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

# ASCII triggers and their full-width forms (an IME may type those).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: Any) -> Any:
    """The value to write in a CSV cell: text that a spreadsheet would run is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class SafeCsvWriter:
    """`csv.writer` whose every row goes through `safe_cell`."""

    def __init__(self, target: _Writable) -> None:
        self._writer = csv.writer(target)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
