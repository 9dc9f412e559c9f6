"""The summary of a written-opinion round as CSV (UTF-8 with BOM, so Excel shows Vietnamese)
and as a PDF report in the usual Vietnamese administrative layout (fpdf2 + Roboto)."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from fpdf.fonts import FontFace

from ecabinet.exports import SafeCsvWriter
from ecabinet.paper import national_header, new_document, nfc

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def _when(value) -> str:
    return value.astimezone(LOCAL).strftime("%H:%M %d/%m/%Y") if value else ""


def choice_label(answer) -> str:
    return str(answer.get_choice_display()) if answer else _("Not answered")


def summary_csv(data: dict) -> bytes:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    rnd = data["round"]
    writer.writerow([_("Title"), rnd.title])
    writer.writerow([_("Question"), rnd.question])
    writer.writerow([_("Deadline"), _when(rnd.deadline)])
    writer.writerow([_("Agree"), data["tally"]["agree"], _("Disagree"), data["tally"]["disagree"],
                     _("Other opinion"), data["tally"]["other"], _("Not answered"), data["not_answered"]])
    writer.writerow([])
    writer.writerow([_("No."), _("Full name"), _("Username"), _("Unit"), _("Answer"), _("Comment"),
                     _("Answered at"), _("Attachment"), _("Signed")])
    for number, row in enumerate(data["rows"], start=1):
        answer = row["answer"]
        writer.writerow([
            number, row["user"].full_name, row["user"].username, row["unit"], choice_label(answer),
            answer.comment if answer else "", _when(answer.answered_at) if answer else "",
            _("yes") if answer and answer.attachment_id else "",
            _when(answer.signed_at) if answer and answer.signed_at else "",
        ])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


VI_CHOICE = {"agree": "Đồng ý", "disagree": "Không đồng ý", "other": "Ý kiến khác"}


def summary_pdf(data: dict, *, issuing_body: str, now) -> bytes:
    rnd = data["round"]
    body = nfc(issuing_body)
    if body.lower().startswith("ủy ban nhân dân"):
        body = body[len("ủy ban nhân dân"):].strip()
    pdf = new_document(title=f"Báo cáo tổng hợp ý kiến — {rnd.title}")
    national_header(pdf, authority="Ủy ban nhân dân", unit=body, date=now)
    pdf.set_font("Roboto", "B", 14)
    pdf.multi_cell(0, 7, nfc("BÁO CÁO TỔNG HỢP Ý KIẾN BẰNG VĂN BẢN"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "B", 12)
    pdf.multi_cell(0, 6.5, nfc(rnd.title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Roboto", "", 11)
    pdf.multi_cell(0, 6, nfc(f"Nội dung xin ý kiến: {rnd.question}"), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, nfc(f"Thời hạn: {_when(rnd.deadline)}. Trạng thái: "
                             f"{'đã kết thúc' if rnd.status == 'closed' else 'đang lấy ý kiến'}."))
    pdf.ln(3)
    pdf.set_font("Roboto", "B", 11)
    pdf.multi_cell(0, 6, nfc("I. KẾT QUẢ TỔNG HỢP"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "", 11)
    asked = data["asked"] or 1
    tally_rows = [("Đồng ý", data["tally"]["agree"]), ("Không đồng ý", data["tally"]["disagree"]),
                  ("Ý kiến khác", data["tally"]["other"]), ("Chưa trả lời", data["not_answered"])]
    with pdf.table(col_widths=(70, 40, 40), text_align=("LEFT", "CENTER", "CENTER"),
                   headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235))) as table:
        head = table.row()
        for cell in ("Phương án", "Số người", "Tỷ lệ"):
            head.cell(nfc(cell))
        for label, count in tally_rows:
            row = table.row()
            row.cell(nfc(label))
            row.cell(str(count))
            row.cell(f"{count * 100 / asked:.1f}%")
        total = table.row()
        total.cell(nfc("Tổng số được hỏi"))
        total.cell(str(data["asked"]))
        total.cell("100%")
    pdf.ln(4)
    pdf.set_font("Roboto", "B", 11)
    pdf.multi_cell(0, 6, nfc("II. Ý KIẾN CỤ THỂ"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "", 9)  # seven columns on A4
    with pdf.table(col_widths=(8, 36, 30, 20, 48, 24, 14),
                   headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235))) as table:
        head = table.row()
        for cell in ("TT", "Họ và tên", "Đơn vị", "Ý kiến", "Nội dung", "Thời điểm", "Ký số"):
            head.cell(nfc(cell))
        for number, entry in enumerate(data["rows"], start=1):
            answer = entry["answer"]
            row = table.row()
            row.cell(str(number))
            row.cell(nfc(entry["user"].full_name))
            row.cell(nfc(entry["unit"]))
            row.cell(VI_CHOICE[answer.choice] if answer else "Chưa trả lời")
            row.cell(nfc(answer.comment if answer else ""))
            row.cell(_when(answer.answered_at) if answer else "")
            row.cell(nfc("Đã ký") if answer and answer.signed_at else "")
    pdf.ln(8)
    pdf.set_font("Roboto", "B", 11)
    pdf.set_x(110)
    pdf.multi_cell(85, 6, nfc("NGƯỜI TỔNG HỢP"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "", 11)
    pdf.set_x(110)
    pdf.ln(14)
    pdf.set_x(110)
    pdf.multi_cell(85, 6, nfc(rnd.created_by.full_name), align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
