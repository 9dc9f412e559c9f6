"""The minutes as a PDF in the layout of Decree 30/2020/NĐ-CP (appendix I; Form 1.9 "Biên bản").

``ecabinet.paper`` draws it: the header (the authority and the issuing body with "Số: …/BB-…" on
the left; the national name, the motto and "<place>, ngày … tháng … năm …" on the right), the
title "BIÊN BẢN" and the meeting, the body (the secretary's rich text, the ``ecabinet.richtext``
subset), the signer blocks THƯ KÝ (left) and CHỦ TRÌ (right) with names. At freeze the PDF gets an
empty signature field in each block (``ThuKy``, ``ChuTri``, in the order the request signs), so
each visible signature lands in its own block.

Minutes written before the rich-text editor are plain text with a few Markdown-like marks;
``text_to_html`` turns them into the same HTML (the data migration ``minutes_html`` uses it too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ecabinet import paper
from ecabinet.richtext import escape

FIELD_SECRETARY = "ThuKy"
FIELD_CHAIR = "ChuTri"
NOTATION = "BB-UBND"


@dataclass(frozen=True)
class MinutesHeader:
    authority: str  # the line above the issuing body: "Ủy ban nhân dân" or the parent unit
    unit: str  # the issuing body: "tỉnh An Phước" under "Ủy ban nhân dân", or "Sở Tài chính"
    number: str  # "12/BB-UBND" from the register (a bare "12" gets "/BB-UBND"); empty before issue
    place: str
    date: datetime
    meeting_title: str
    secretary: str
    chair: str


_HTML = re.compile(r"^\s*<[a-zA-Z!/]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def is_html(text: str) -> bool:
    return bool(_HTML.match(text or ""))


def _inline(line: str) -> str:
    text = escape(line)
    if line.count("**") % 2:
        return text  # an odd number of marks: all literal
    return _BOLD.sub(lambda m: f"<strong>{m.group(1)}</strong>", text)


def text_to_html(text: str) -> str:
    """Markdown-like minutes ("## " heading, "### " sub-heading, "- " items, "**bold**", empty
    lines between paragraphs) as richtext HTML; HTML is returned unchanged."""
    if is_html(text):
        return text
    out: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if items:
            out.append("<ul>" + "".join(f"<li><p>{i}</p></li>" for i in items) + "</ul>")
            items.clear()

    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith(("# ", "## ")):
            flush()
            out.append(f"<h2>{_inline(line.split(' ', 1)[1].strip())}</h2>")
        elif line.startswith("### "):
            flush()
            out.append(f"<h3>{_inline(line[4:].strip())}</h3>")
        elif line.startswith(("- ", "* ", "+ ")):
            items.append(_inline(line[2:].strip()))
        else:
            flush()
            out.append(f"<p>{_inline(line)}</p>")
    flush()
    return "".join(out)


def _parts(head: MinutesHeader) -> tuple[paper.PaperHead, list[paper.SignerBlock]]:
    number = " ".join((head.number or "").split())
    if number and "/" not in number:
        number = f"{number}/{NOTATION}"
    ph = paper.PaperHead(
        authority=head.authority, issuer=head.unit, kind="Biên bản", summary=head.meeting_title,
        number=number, notation=NOTATION, place=head.place.strip() or "…", date=head.date,
        title=f"Biên bản {head.meeting_title}", author=head.secretary,
    )
    slots = [paper.SignerBlock(FIELD_SECRETARY, "THƯ KÝ", "", head.secretary),
             paper.SignerBlock(FIELD_CHAIR, "CHỦ TRÌ", "", head.chair)]
    return ph, slots


def render_minutes(head: MinutesHeader, text: str) -> paper.Rendered:
    ph, slots = _parts(head)
    return paper.render(ph, text_to_html(text), slots=slots)


def render_minutes_pdf(head: MinutesHeader, text: str) -> bytes:
    """The PDF with an empty signature field in each signer block (THƯ KÝ, then CHỦ TRÌ)."""
    return render_minutes(head, text).with_fields()


def render_minutes_html(head: MinutesHeader, text: str) -> str:
    """The same paper as HTML for the page's preview (static ecabinet/paper.css)."""
    ph, slots = _parts(head)
    return paper.render_html(ph, text_to_html(text), slots=slots)
