"""Administrative paper: A4 PDFs in the layout of Vietnamese official documents (fpdf2 + Roboto).

Reports, opinion forms and minutes share this one header: the issuing authority and unit on the
left, the national motto on the right, the place and date below it.
"""

from __future__ import annotations

import os
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import font_roboto
from fpdf import FPDF

FONT_DIR = os.path.join(os.path.dirname(font_roboto.__file__), "files")
FONT_REGULAR = os.path.join(FONT_DIR, "Roboto-Regular.ttf")
FONT_BOLD = os.path.join(FONT_DIR, "Roboto-Bold.ttf")
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def nfc(text: str) -> str:
    # Composed forms: Vietnamese typed on some keyboards arrives decomposed and renders badly.
    return unicodedata.normalize("NFC", text or "")


def new_document(*, title: str = "", author: str = "", bottom_margin: float = 15) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_title(nfc(title))
    pdf.set_author(nfc(author))
    pdf.set_creator("eCabinet")
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(True, margin=bottom_margin)
    pdf.add_font("Roboto", "", FONT_REGULAR)
    pdf.add_font("Roboto", "B", FONT_BOLD)
    pdf.add_page()
    return pdf


def national_header(
    pdf: FPDF, *, authority: str, unit: str, date: datetime, place: str = "", number: str = ""
) -> None:
    """Draw the two-column header and leave the cursor below it, at the left margin."""
    top = pdf.get_y()
    pdf.set_font("Roboto", "", 11)
    pdf.set_xy(20, top)
    pdf.multi_cell(75, 5.5, nfc(authority).upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "B", 11)
    pdf.set_x(20)
    pdf.multi_cell(75, 5.5, nfc(unit).upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    if number:
        pdf.set_font("Roboto", "", 10)
        pdf.set_x(20)
        pdf.multi_cell(75, 5.5, nfc(number), align="C", new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()
    pdf.set_xy(95, top)
    pdf.set_font("Roboto", "B", 11)
    pdf.multi_cell(100, 5.5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(95)
    pdf.multi_cell(100, 5.5, "Độc lập - Tự do - Hạnh phúc", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.line(122, pdf.get_y() + 0.5, 168, pdf.get_y() + 0.5)
    pdf.set_xy(95, pdf.get_y() + 3)
    pdf.set_font("Roboto", "", 10)
    local = date.astimezone(LOCAL)
    where = f"{nfc(place)}, " if place else ""
    pdf.multi_cell(100, 5.5, f"{where}ngày {local.day:02d} tháng {local.month:02d} năm {local.year}",
                   align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)
