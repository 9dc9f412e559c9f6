"""A report as XLSX (openpyxl: a sheet per table, Vietnamese headers, number formats), CSV (UTF-8
with a BOM so Excel reads Vietnamese; formulas quoted by ecabinet/exports.py) and PDF (fpdf2,
Tinos, A4 landscape: title, period, unit, the chart, the tables)."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf import FPDF
from fpdf.fonts import FontFace
from fpdf.svg import SVGObject

from ecabinet.exports import SafeCsvWriter
from ecabinet.paper import TINOS, nfc
from meetings.statistics.reports import DATE, DECIMAL, INT, PERCENT, TEXT, Report, Table

NUMBER_FORMATS = {INT: "#,##0", DECIMAL: "#,##0.0", PERCENT: "0.0%", DATE: "dd/mm/yyyy", TEXT: "@"}


def _heading(report: Report, *, period: str, unit: str) -> list[tuple[str, str]]:
    return [(pgettext("statistics", "Report"), report.title), (pgettext("statistics", "Period"), period), (_("Unit"), unit)]


def display(value: Any, kind: str) -> str:
    if value is None or value == "":
        return ""
    if kind == PERCENT and isinstance(value, (int, float)):
        return f"{value * 100:.1f}%".replace(".", ",")
    if kind == DATE and isinstance(value, (date, datetime)):
        return f"{value:%d/%m/%Y}"
    if kind == DECIMAL and isinstance(value, (int, float)):
        return f"{value:,.1f}".replace(",", " ").replace(".", ",")
    if kind == INT and isinstance(value, (int, float)):
        return f"{value:,}".replace(",", ".")
    return nfc(str(value))


# ---- XLSX ----------------------------------------------------------------------------------

def to_xlsx(report: Report, *, period: str, unit: str) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF7")
    used: set[str] = set()
    for table in report.tables:
        sheet = book.create_sheet(_sheet_name(table.title, used))
        line = 0  # the last row written (openpyxl's max_row walks every cell: quadratic)
        for label, value in _heading(report, period=period, unit=unit):
            sheet.append([label, value])
            line += 1
            sheet.cell(line, 1).font = bold
        sheet.append([])
        sheet.append([c.label for c in table.columns])
        line += 2
        head_row = line
        for index in range(1, len(table.columns) + 1):
            cell = sheet.cell(head_row, index)
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        formats = [NUMBER_FORMATS[c.kind] for c in table.columns]
        for values in table.rows + ([table.total] if table.total else []):
            line += 1
            for index, (value, number_format) in enumerate(zip(values, formats, strict=True), start=1):
                cell = sheet.cell(line, index, _xlsx_value(value))
                cell.number_format = number_format
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                if table.total is values:
                    cell.font = bold
        if table.note:
            sheet.append([])
            sheet.append([table.note])
        sheet.freeze_panes = sheet.cell(head_row + 1, 2)
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = 36 if column.kind == TEXT else 14
    if report.summary:
        sheet = book.create_sheet(_sheet_name(_("Summary"), used), 0)
        for line, (label, value) in enumerate([*_heading(report, period=period, unit=unit), *report.summary], 1):
            sheet.append([label, _xlsx_value(value)])
            sheet.cell(line, 1).font = bold
        sheet.column_dimensions["A"].width = 48
        sheet.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value: Any) -> Any:
    return nfc(value) if isinstance(value, str) else value


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join(ch for ch in nfc(title) if ch not in "[]:*?/\\")[:28] or "Sheet"
    name, n = base, 1
    while name.lower() in used:
        n += 1
        name = f"{base[:26]} {n}"
    used.add(name.lower())
    return name


# ---- CSV -----------------------------------------------------------------------------------

def to_csv(report: Report, *, period: str, unit: str) -> bytes:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    for label, value in _heading(report, period=period, unit=unit):
        writer.writerow([label, value])
    for label, value in report.summary:
        writer.writerow([label, value])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([c.label for c in table.columns])
        for row in table.rows + ([table.total] if table.total else []):
            writer.writerow([_csv_value(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == DATE and isinstance(value, (date, datetime)):
        return value.isoformat()
    if kind == PERCENT and isinstance(value, float):
        return f"{value * 100:.1f}"
    return value


# ---- PDF -----------------------------------------------------------------------------------

FAMILY = "Tinos"
PAGE_W = 297.0
MARGIN = 12.0


def to_pdf(report: Report, *, period: str, unit: str, chart_svg: bytes | None, issued: str) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4", unit="mm")
    pdf.set_title(nfc(report.title))
    pdf.set_creator("eCabinet")
    pdf.set_lang("vi-VN")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    for style, path in TINOS.items():
        pdf.add_font(FAMILY, style, str(path))
    pdf.add_page()
    width = PAGE_W - 2 * MARGIN
    pdf.set_font(FAMILY, "B", 16)
    pdf.multi_cell(width, 8, nfc(report.title).upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 12)
    for label, value in _heading(report, period=period, unit=unit)[1:]:
        pdf.multi_cell(width, 6, nfc(f"{label}: {value}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "I", 10)
    pdf.multi_cell(width, 5, nfc(issued), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if report.summary:
        pdf.set_font(FAMILY, "", 12)
        for label, value in report.summary:
            pdf.multi_cell(width, 6, nfc(f"{label}: {display(value, INT)}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    if chart_svg:
        _chart(pdf, chart_svg, width)
    heading = FontFace(emphasis="BOLD", fill_color=(232, 238, 247))
    for table in report.tables:
        _table(pdf, table, width, heading)
    return bytes(pdf.output())


def _chart(pdf: Any, svg: bytes, width: float) -> None:
    """The chart's SVG drawn by fpdf2 as vector paths (matplotlib's text is paths already)."""
    svg = re.sub(rb"<metadata>.*?</metadata>", b"", svg, flags=re.S)  # fpdf2 draws no metadata
    drawing = SVGObject(svg)
    ratio = (drawing.height or 1) / (drawing.width or 1)
    w = min(width, 240.0)
    h = w * ratio
    if pdf.get_y() + h > pdf.h - MARGIN:
        pdf.add_page()
    x = (pdf.w - w) / 2
    pdf.image(io.BytesIO(svg), x=x, y=pdf.get_y(), w=w, h=h)
    pdf.set_y(pdf.get_y() + h + 4)


def _table(pdf: Any, table: Table, width: float, heading: Any) -> None:
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(width, 7, nfc(table.title), new_x="LMARGIN", new_y="NEXT")
    size = 9 if len(table.columns) <= 9 else 8
    pdf.set_font(FAMILY, "", size)
    weights = [3.2 if c.kind == TEXT else 1.6 if c.kind == DATE else 1.2 for c in table.columns]
    scale = width / sum(weights)
    align = tuple("LEFT" if c.kind == TEXT else "CENTER" if c.kind == DATE else "RIGHT" for c in table.columns)
    with pdf.table(col_widths=tuple(w * scale for w in weights), text_align=align, headings_style=heading,
                   line_height=size * 0.5, repeat_headings=1) as grid:
        head = grid.row()
        for column in table.columns:
            head.cell(nfc(column.label))
        for values in table.rows:
            row = grid.row()
            for value, column in zip(values, table.columns, strict=True):
                row.cell(display(value, column.kind))
        if table.total:
            row = grid.row(style=FontFace(emphasis="BOLD"))
            for value, column in zip(table.total, table.columns, strict=True):
                row.cell(display(value, column.kind))
    if table.note:
        pdf.set_font(FAMILY, "I", 9)
        pdf.multi_cell(width, 5, nfc(table.note), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
