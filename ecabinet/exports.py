"""Exports: CSV that a spreadsheet opens as data, never as formulas; a printable table as PDF.

A cell that starts with = + - @ (or a tab or carriage return, which some spreadsheets skip
before looking for those) is read by Excel and LibreOffice as a formula: a decline reason
typed as `=HYPERLINK(...)` would run in the secretary's spreadsheet. Such text cells get a
leading apostrophe (OWASP "CSV injection"), which spreadsheets show as plain text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from fpdf import FPDF

from ecabinet.paper import FONT_BOLD, FONT_REGULAR, nfc

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


def csv_response(filename: str, header: Sequence[Any], rows: Iterable[Iterable[Any]]) -> HttpResponse:
    """A CSV download: UTF-8 with the BOM (Excel reads Vietnamese only with it), every cell safe,
    never cached (exports carry people's names)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    response["Cache-Control"] = "no-store, private"
    response.write("\ufeff")
    writer = SafeCsvWriter(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def table_pdf(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *,
              col_widths: Sequence[float], lines: Sequence[str] = (), font_size: float = 10) -> bytes:
    """A landscape A4 list for printing: a title, optional lines under it, one table (Roboto, full
    Vietnamese)."""
    pdf = FPDF(orientation="L")
    pdf.set_creator("eCabinet")
    pdf.set_title(nfc(title))
    pdf.add_font("Roboto", "", FONT_REGULAR)
    pdf.add_font("Roboto", "B", FONT_BOLD)
    pdf.add_page()
    pdf.set_font("Roboto", "B", 14)
    pdf.multi_cell(0, 8, nfc(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "", font_size)
    for line in lines:
        pdf.cell(0, 7, nfc(line), new_x="LMARGIN", new_y="NEXT")
    with pdf.table(col_widths=tuple(col_widths), text_align="LEFT") as table:
        heading = table.row()
        for cell in header:
            heading.cell(nfc(str(cell)))
        for row in rows:
            line_row = table.row()
            for value in row:
                line_row.cell(nfc(str(value)))
    return bytes(pdf.output())
