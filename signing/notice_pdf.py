"""The conclusion notice as a PDF: Decree 30's form for a document with a type name (appendix III,
form 1.4): the header (authority, issuing body, "Số: …/TB-…", motto, place and date), the type
name "THÔNG BÁO" and its summary, the body, the signer's block on the right and "Nơi nhận:" on
the left."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from ecabinet import paper

_TINOS = {"": "400Regular/Tinos_400Regular.ttf", "B": "700Bold/Tinos_700Bold.ttf",
          "I": "400Regular_Italic/Tinos_400Regular_Italic.ttf", "BI": "700Bold_Italic/Tinos_700Bold_Italic.ttf"}


@dataclass(frozen=True)
class NoticeHeader:
    authority: str
    unit: str
    number: str
    place: str
    date: datetime
    summary: str
    signer_title: str          # "TM. ỦY BAN NHÂN DÂN"
    signer_position: str       # "CHỦ TỊCH"
    signer_name: str
    recipients: list[str] = field(default_factory=list)


SIGNATURE_FIELD = "CoQuan"


def render_notice_pdf(head: NoticeHeader, body_html: str) -> bytes:
    pdf = paper.new_document(title=f"Thông báo {head.summary}", author=head.unit, bottom_margin=20)
    paper.national_header(pdf, authority=head.authority, unit=head.unit, date=head.date, place=head.place,
                          number=f"Số: {head.number}" if head.number else "Số:       /TB")
    pdf.set_font("Roboto", "B", 14)
    pdf.cell(0, 7, "THÔNG BÁO", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "B", 12)
    pdf.multi_cell(0, 6, paper.nfc(head.summary), align="C", new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y() + 1
    pdf.line(85, y, 125, y)
    pdf.ln(6)
    pdf.set_font("Roboto", "", 12)
    _body(pdf, body_html)
    pdf.ln(6)
    if pdf.get_y() > 230:
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_xy(20, top)
    pdf.set_font("Roboto", "B", 10)
    pdf.cell(80, 5, "Nơi nhận:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Roboto", "", 9)
    for name in head.recipients:
        last = name == head.recipients[-1]
        pdf.set_x(20)
        pdf.multi_cell(80, 4.5, paper.nfc(f"- {name}{'.' if last else ';'}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(110, top)
    pdf.set_font("Roboto", "B", 12)
    pdf.multi_cell(85, 6, paper.nfc(head.signer_title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(110)
    pdf.multi_cell(85, 6, paper.nfc(head.signer_position), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(110, pdf.get_y() + 28)
    pdf.multi_cell(85, 6, paper.nfc(head.signer_name), align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _body(pdf, body_html: str) -> None:  # noqa: ANN001 - fpdf.FPDF
    base = settings.BASE_DIR / "node_modules" / "@expo-google-fonts" / "tinos"
    for style, name in _TINOS.items():
        pdf.add_font("Tinos", style, str(base / name))
    # Interim: fpdf2's HTML renderer over the richtext subset, until ecabinet.paper renders HTML.
    pdf.write_html(paper.nfc(body_html).replace("<p>", "<p align=\"justify\">"), font_family="Tinos",
                   ul_bullet_char="-", li_prefix_color=(0, 0, 0), warn_on_tags_not_matching=False)
