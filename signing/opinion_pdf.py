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

from ecabinet.paper import national_header, new_document, nfc

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
    pdf = new_document(title=f"Ý kiến bằng văn bản — {rnd.title}", author=user.full_name or user.username,
                       bottom_margin=BOTTOM_MARGIN_MM)
    authority = unit.parent.name if unit is not None and unit.parent_id else "Ủy ban nhân dân"
    national_header(pdf, authority=authority, unit=unit.name if unit is not None else "", date=signed_at)
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
