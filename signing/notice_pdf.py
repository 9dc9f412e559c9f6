"""The conclusion notice as a paper: Decree 30's form for a document with a type name (appendix
III, form 1.4), drawn by ``ecabinet.paper``: the header (authority, issuing body, "Số: …/TB-…",
motto, place and date), "THÔNG BÁO" and its summary, the body, the signer's block on the right
with an empty signature field where the unit's signature and seal go, "Nơi nhận:" on the left."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.safestring import SafeString

from ecabinet import paper

SIGNATURE_FIELD = "CoQuan"


@dataclass(frozen=True)
class NoticeHeader:
    authority: str             # the parent authority ("" for a top unit)
    issuer: str                # "Ủy ban nhân dân tỉnh An Phước"
    number: str                # "05/TB-UBND"; "" before issue
    notation: str              # "TB-UBND"
    place: str
    date: datetime | None      # None before issue
    summary: str
    signer_title: str          # "TM. ỦY BAN NHÂN DÂN"
    signer_position: str       # "CHỦ TỊCH"
    signer_name: str
    recipients: list[str] = field(default_factory=list)


def _parts(head: NoticeHeader) -> tuple[paper.PaperHead, list[paper.SignerBlock]]:
    paper_head = paper.PaperHead(
        issuer=head.issuer, authority=head.authority, kind="THÔNG BÁO", summary=head.summary, number=head.number,
        notation=head.notation, place=head.place, date=head.date, title=f"Thông báo {head.summary}",
        author=head.issuer)
    slots = [paper.SignerBlock(field_name=SIGNATURE_FIELD, authority=head.signer_title,
                               position=head.signer_position, name=head.signer_name)]
    return paper_head, slots


def render_notice_pdf(head: NoticeHeader, body_html: str) -> bytes:
    """The PDF with the empty signature field at the signer's block."""
    paper_head, slots = _parts(head)
    return paper.render(paper_head, body_html, slots=slots, recipients=head.recipients).with_fields()


def render_notice_html(head: NoticeHeader, body_html: str) -> SafeString:
    """The same paper as HTML, for the page."""
    paper_head, slots = _parts(head)
    return paper.render_html(paper_head, body_html, slots=slots, recipients=head.recipients)
