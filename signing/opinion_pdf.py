"""The written opinion of one person as a PDF page to sign (phiếu ý kiến bằng văn bản).

A Vietnamese administrative layout (fpdf2 + Roboto, so diacritics render): the person's unit and
the national motto at the top, the title, the round and its question, who answers (name,
position, unit), the answer, the comment and the time. The bottom of the page stays free for the
visible signature stamp, which the signing core puts in the bottom-right corner. The text is
Vietnamese whatever the interface language: it is the document being signed.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF

from meetings.watermark import FONT_BOLD, FONT_REGULAR, nfc

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
CHOICES_VI = {"agree": "Đồng ý", "disagree": "Không đồng ý", "other": "Ý kiến khác"}
# keep the stamp area (bottom ~45 mm) free; a very long comment continues on a next page
BOTTOM_MARGIN_MM = 48


def _when(value: datetime) -> str:
    return value.astimezone(LOCAL).strftime("%H:%M ngày %d/%m/%Y")


def answer_pdf(answer, *, signed_at: datetime) -> bytes:  # noqa: ANN001 - meetings.OpinionAnswer
    """One page (usually) for `answer` (with its round and user loaded)."""
    rnd, user = answer.round, answer.user
    unit = user.unit
    pdf = FPDF(format="A4")
    pdf.set_title(nfc(f"Ý kiến bằng văn bản — {rnd.title}"))
    pdf.set_author(nfc(user.full_name or user.username))
    pdf.set_creator("eCabinet")
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(True, margin=BOTTOM_MARGIN_MM)
    pdf.add_font("Roboto", "", FONT_REGULAR)
    pdf.add_font("Roboto", "B", FONT_BOLD)
    pdf.add_page()

    top = pdf.get_y()
    pdf.set_font("Roboto", "", 11)
    parent = unit.parent.name if unit is not None and unit.parent_id else "ỦY BAN NHÂN DÂN"
    pdf.set_xy(20, top)
    pdf.multi_cell(75, 5.5, nfc(parent).upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "B", 11)
    pdf.set_x(20)
    pdf.multi_cell(75, 5.5, nfc(unit.name if unit is not None else "").upper(), align="C")
    left_bottom = pdf.get_y()
    pdf.set_xy(95, top)
    pdf.multi_cell(100, 5.5, nfc("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(95)
    pdf.multi_cell(100, 5.5, nfc("Độc lập - Tự do - Hạnh phúc"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.line(122, pdf.get_y() + 0.5, 168, pdf.get_y() + 0.5)
    pdf.set_xy(95, pdf.get_y() + 3)
    pdf.set_font("Roboto", "", 10)
    local = signed_at.astimezone(LOCAL)
    pdf.multi_cell(100, 5.5, nfc(f"ngày {local.day:02d} tháng {local.month:02d} năm {local.year}"),
                   align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)
    pdf.set_font("Roboto", "B", 14)
    pdf.multi_cell(0, 7, nfc("PHIẾU Ý KIẾN BẰNG VĂN BẢN"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "B", 12)
    pdf.multi_cell(0, 6.5, nfc(rnd.title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)

    def field(label: str, value: str) -> None:
        pdf.set_font("Roboto", "B", 11)
        pdf.multi_cell(0, 6, nfc(label), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Roboto", "", 11)
        pdf.multi_cell(0, 6, nfc(value or "—"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)

    field("Nội dung xin ý kiến:", rnd.question)
    field("Người cho ý kiến:", user.full_name or user.username)
    field("Chức vụ:", user.position.name if user.position_id else "")
    field("Đơn vị:", unit.name if unit is not None else "")
    pdf.set_font("Roboto", "B", 11)
    pdf.multi_cell(0, 7, nfc(f"Ý kiến: {CHOICES_VI.get(answer.choice, answer.choice).upper()}"),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    field("Nội dung ý kiến:", answer.comment)
    field("Thời điểm trả lời:", _when(answer.answered_at))
    field("Thời điểm ký:", _when(signed_at))
    pdf.set_font("Roboto", "", 9)
    pdf.multi_cell(0, 5, nfc("Phiếu này được ký số bởi người cho ý kiến; chữ ký số có giá trị pháp lý "
                             "tương đương chữ ký tay. Kiểm tra chữ ký tại trang Xác minh của hệ thống."),
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
