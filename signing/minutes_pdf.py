"""The minutes as a PDF in the Vietnamese administrative layout (after Nghị định 30/2020/NĐ-CP).

Top: the shared header of ``ecabinet.paper`` (the authority and the issuing body with
"Số: …/BB-UBND" on the left; the national name, the motto and "<place>, ngày … tháng … năm …"
on the right); the title
"BIÊN BẢN" and the meeting; the body (the secretary's text, see ``signing/minutes.py`` for its
marks); the signature block THƯ KÝ / CHỦ TRÌ with names. Page numbers go in the top margin
(centred, from page 2, as the decree asks) because the bottom-right corner of the last page is
where the signing core stacks the visible signature stamps; the signature block is kept clear of
that corner.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF

from ecabinet.paper import FONT_BOLD, FONT_DIR, FONT_REGULAR, national_header, nfc

FONT_ITALIC = os.path.join(FONT_DIR, "Roboto-Italic.ttf")
FONT_BOLD_ITALIC = os.path.join(FONT_DIR, "Roboto-BoldItalic.ttf")
# the margins of ecabinet.paper, whose header the minutes share with the app's other papers
LEFT, RIGHT, TOP, BOTTOM = 20, 15, 15, 20  # mm
BODY_SIZE = 12
LINE = 6.2
# Two stamps of the signing core (≈ 21 mm each, stacked from 8.5 mm above the bottom edge).
STAMP_ZONE_MM = 60
SIGNATURE_BLOCK_MM = 42
# fpdf2's markdown knows bold, italics, underline and strike-through; the minutes use bold only.
_OTHER_MARKERS = re.compile(r"(__|--|~~)")


@dataclass(frozen=True)
class MinutesHeader:
    authority: str  # the line above the issuing body: "Ủy ban nhân dân" or the parent unit
    unit: str  # the issuing body: "tỉnh An Phước" under "Ủy ban nhân dân", or "Sở Tài chính"
    number: str
    place: str
    date: datetime
    meeting_title: str
    secretary: str
    chair: str


class _MinutesPdf(FPDF):
    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font("Roboto", "", 10)
            self.set_y(9)
            self.cell(0, 5, f"{self.page_no()}/{{nb}}", align="C")
            self.set_y(TOP)


def _inline(line: str) -> str:
    """Escape what fpdf2 would read as italics/underline/strike marks; keep balanced ``**``."""
    line = line.replace("\\", "\\\\")
    line = _OTHER_MARKERS.sub(lambda m: "\\" + m.group(0), line)
    if line.count("**") % 2:
        line = line.replace("**", "\\**")
    return nfc(line)


def _header(pdf: FPDF, head: MinutesHeader) -> None:
    # The whole number from the register ("12/BB-UBND"), printed once as it is.
    number = nfc(head.number.strip()) or "…/BB-…"
    national_header(pdf, authority=head.authority, unit=head.unit, date=head.date,
                    place=head.place.strip() or "…", number=f"Số: {number}")
    pdf.ln(2)
    pdf.set_font("Roboto", "B", 15)
    pdf.multi_cell(0, 7.5, "BIÊN BẢN", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "B", 13)
    pdf.multi_cell(0, 6.5, nfc(head.meeting_title), align="C", new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y() + 1.5
    pdf.line(105 + (LEFT - RIGHT) / 2 - 20, y, 105 + (LEFT - RIGHT) / 2 + 20, y)
    pdf.set_y(y + 6)


def _body(pdf: FPDF, text: str) -> None:
    width = pdf.w - LEFT - RIGHT
    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            pdf.ln(LINE * 0.5)
            continue
        if line.startswith("## "):
            pdf.ln(1.5)
            pdf.set_font("Roboto", "B", 12.5)
            pdf.multi_cell(width, LINE + 0.5, _inline(line[3:].strip()), markdown=True, new_x="LMARGIN",
                           new_y="NEXT")
            pdf.ln(1)
        elif line.startswith("### ") or line.startswith("# "):
            pdf.set_font("Roboto", "B", BODY_SIZE)
            pdf.multi_cell(width, LINE, _inline(line.split(" ", 1)[1].strip()), markdown=True, new_x="LMARGIN",
                           new_y="NEXT")
        elif line.lstrip().startswith(("- ", "* ", "+ ")):
            indent = 6 + 4 * min(3, (len(line) - len(line.lstrip())) // 2)
            pdf.set_font("Roboto", "", BODY_SIZE)
            pdf.set_x(LEFT + indent - 4)
            pdf.cell(4, LINE, "-")
            pdf.multi_cell(width - indent, LINE, _inline(line.lstrip()[2:].strip()), markdown=True, align="J",
                           new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font("Roboto", "", BODY_SIZE)
            pdf.multi_cell(width, LINE, _inline(line.strip()), markdown=True, align="J", new_x="LMARGIN",
                           new_y="NEXT")


def _signatures(pdf: FPDF, head: MinutesHeader) -> None:
    # The block and the stamp zone under it stay on one page (never a signature page alone
    # without room for the stamps).
    if pdf.get_y() + 8 + SIGNATURE_BLOCK_MM + STAMP_ZONE_MM > pdf.h:
        pdf.add_page()
    pdf.ln(8)
    top = pdf.get_y()
    col = (pdf.w - LEFT - RIGHT) / 2
    for i, (label, name) in enumerate((("THƯ KÝ", head.secretary), ("CHỦ TRÌ", head.chair))):
        x = LEFT + i * col
        pdf.set_xy(x, top)
        pdf.set_font("Roboto", "B", 12)
        pdf.multi_cell(col, 6, label, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(x)
        pdf.set_font("Roboto", "I", 10)
        pdf.multi_cell(col, 5, "(Ký số)", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_xy(x, top + SIGNATURE_BLOCK_MM - 8)
        pdf.set_font("Roboto", "B", 12)
        pdf.multi_cell(col, 6, nfc(name or ""), align="C", new_x="LMARGIN", new_y="NEXT")


def render_minutes_pdf(head: MinutesHeader, text: str) -> bytes:
    pdf = _MinutesPdf(format="A4")
    pdf.set_title(nfc(f"Biên bản {head.meeting_title}"))
    pdf.set_author(nfc(head.secretary or ""))
    pdf.set_creator("eCabinet")
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(True, margin=BOTTOM)
    pdf.add_font("Roboto", "", FONT_REGULAR)
    pdf.add_font("Roboto", "B", FONT_BOLD)
    pdf.add_font("Roboto", "I", FONT_ITALIC)
    pdf.add_font("Roboto", "BI", FONT_BOLD_ITALIC)
    pdf.add_page()
    _header(pdf, head)
    _body(pdf, text)
    _signatures(pdf, head)
    return bytes(pdf.output())
