"""Administrative paper: A4 PDFs in the layout of Decree 30/2020/NĐ-CP (appendix I), fpdf2 + Tinos.

``render(head, body_html, slots=…, recipients=…)`` draws a whole paper of record:

- A4, margins top 20, bottom 20, left 30, right 15 mm; Tinos (Times New Roman metrics, full
  Vietnamese) embedded;
- the header: on the left the parent authority (12, upper), the issuing body (12, bold, upper)
  with a short rule under it and "Số: …" (13); on the right the national name (12, bold), the
  motto (13, bold) with a rule as long as it, and "<place>, ngày … tháng … năm …" (13, italic);
- the kind of paper (14, bold, upper: "BIÊN BẢN", "THÔNG BÁO", "GIẤY MỜI") and its summary
  (14, bold) with a short rule under it; optionally "Kính gửi: …";
- the body: the ``ecabinet.richtext`` HTML subset, 14 pt, justified, first-line indent 10 mm;
- the signer blocks (authority line, position, the empty space of the signature, the name) and
  "Nơi nhận:" bottom-left (12 bold italic, items 11);
- page numbers centred in the top margin from page 2.

``Rendered.fields`` tells where each signer's block leaves room for the signature (page index
from 0, box in PDF points from the bottom-left corner); ``Rendered.with_fields()`` returns the
PDF with an empty signature field at each of those boxes, so each visible signature lands in its
own block. ``render_html`` draws the same paper as HTML for the page preview (static
``ecabinet/paper.css``, the same font, sizes and margins).

The older helpers (``new_document``, ``national_header``; Roboto) stay for the papers that do not
use ``render`` yet.
"""

from __future__ import annotations

import io
import os
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import font_roboto
from django.utils.html import escape as html_escape
from django.utils.safestring import SafeString, mark_safe
from fpdf import FPDF
from fpdf.enums import Align

from ecabinet.richtext import sanitize

FONT_DIR = os.path.join(os.path.dirname(font_roboto.__file__), "files")
FONT_REGULAR = os.path.join(FONT_DIR, "Roboto-Regular.ttf")
FONT_BOLD = os.path.join(FONT_DIR, "Roboto-Bold.ttf")
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

# Tinos (Apache 2.0): metric-compatible with Times New Roman, the font Decree 30 names.
TINOS_DIR = Path(__file__).resolve().parent.parent / "node_modules" / "@expo-google-fonts" / "tinos"
TINOS = {
    "": TINOS_DIR / "400Regular" / "Tinos_400Regular.ttf",
    "B": TINOS_DIR / "700Bold" / "Tinos_700Bold.ttf",
    "I": TINOS_DIR / "400Regular_Italic" / "Tinos_400Regular_Italic.ttf",
    "BI": TINOS_DIR / "700Bold_Italic" / "Tinos_700Bold_Italic.ttf",
}
FAMILY = "Tinos"

# Decree 30 appendix I (mm and pt)
PAGE_W, PAGE_H = 210.0, 297.0
TOP, BOTTOM, LEFT, RIGHT = 20.0, 20.0, 30.0, 15.0
CONTENT_W = PAGE_W - LEFT - RIGHT
HEAD_LEFT_W = 76.0  # authority / issuing body / number column, from 8 mm into the left margin
SIZE_AUTHORITY = 12
SIZE_NATION = 12
SIZE_MOTTO = 13
SIZE_NUMBER = 13
SIZE_DATE = 13
SIZE_TITLE = 14
SIZE_BODY = 14
SIZE_SIGNER = 13
SIZE_RECIPIENTS_HEAD = 12
SIZE_RECIPIENTS = 11
SIZE_PAGE_NUMBER = 13
LINE_FACTOR = 1.2  # line height / font size
PARAGRAPH_SPACE = 2.0  # mm before a paragraph (≈ 6 pt)
FIRST_LINE_INDENT = 10.0
LIST_INDENT = 6.0
SIGNATURE_BOX_W, SIGNATURE_BOX_H = 72.0, 30.0  # the room left for a visible signature
PT_PER_MM = 72 / 25.4
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def nfc(text: str) -> str:
    # Composed forms: Vietnamese typed on some keyboards arrives decomposed and renders badly.
    return unicodedata.normalize("NFC", text or "")


def upper(text: str) -> str:
    return nfc(text).upper()


# ---------------------------------------------------------------------------------------------
# The public shapes


@dataclass(frozen=True)
class PaperHead:
    """What the header and the title say. Texts are Vietnamese, as printed."""

    issuer: str  # the issuing body: "Ủy ban nhân dân xã An Phước", "Văn phòng UBND tỉnh …"
    kind: str = ""  # "BIÊN BẢN", "THÔNG BÁO", "GIẤY MỜI"; empty for a letter (công văn)
    summary: str = ""  # trích yếu: under the kind, or "V/v …" under the number for a letter
    authority: str = ""  # the parent authority above the issuer (may be empty)
    number: str = ""  # "05/TB-UBND" (from the register); empty: "Số:      /<notation>"
    notation: str = ""  # "TB-UBND": printed after a blank number until the register gives one
    place: str = ""  # "An Phước"
    date: datetime | Date | None = None  # None: "ngày … tháng … năm …" left blank
    addressees: tuple[str, ...] = ()  # "Kính gửi: …" (one or several)
    title: str = ""  # the PDF's metadata title (defaults to kind + summary)
    author: str = ""


@dataclass(frozen=True)
class SignerBlock:
    """One signature block: "TM. ỦY BAN NHÂN DÂN" / "CHỦ TỊCH" / (signature) / "Nguyễn Văn A"."""

    field_name: str  # the PDF signature field: "ThuKy", "ChuTri", "CoQuan"
    authority: str = ""  # "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "THƯ KÝ", "CHỦ TRÌ"
    position: str = ""  # "CHỦ TỊCH", "PHÓ CHỦ TỊCH" (may be empty)
    name: str = ""


@dataclass(frozen=True)
class FieldPlace:
    name: str
    page: int  # from 0
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points, origin bottom-left


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    fields: list[FieldPlace] = field(default_factory=list)
    pages: int = 1

    def with_fields(self) -> bytes:
        """The PDF with an empty signature field at each signer block (an incremental update)."""
        return add_signature_fields(self.pdf, self.fields)


def add_signature_fields(pdf: bytes, places: Sequence[FieldPlace]) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields as sig_fields

    if not places:
        return pdf
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    for place in places:
        box = tuple(round(v, 2) for v in place.box)
        sig_fields.append_signature_field(
            writer, sig_fields.SigFieldSpec(place.name, on_page=place.page, box=box)  # type: ignore[arg-type]
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Dates


def date_line(place: str, when: datetime | Date | None) -> str:
    """"<place>, ngày 05 tháng 3 năm 2026": a zero before days under 10 and months 1 and 2."""
    where = f"{nfc(place).strip()}, " if place and place.strip() else ""
    if when is None:
        return f"{where}ngày      tháng      năm      "
    if isinstance(when, datetime):
        when = when.astimezone(LOCAL).date() if when.tzinfo else when.date()
    month = f"{when.month:02d}" if when.month < 3 else str(when.month)
    return f"{where}ngày {when.day:02d} tháng {month} năm {when.year}"


def number_line(head: PaperHead) -> str:
    number = nfc(head.number).strip()
    if number.lower().startswith("số"):
        number = number[2:].lstrip(" :")
    if not number:
        number = f"      /{head.notation}" if head.notation else "      "
    return f"Số: {number}"


# ---------------------------------------------------------------------------------------------
# HTML (the richtext subset) → blocks


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False


@dataclass
class Block:
    kind: str  # "p", "h2", "h3", "li", "quote", "table"
    runs: list[Run] = field(default_factory=list)
    depth: int = 0  # list nesting (li) or quote nesting
    marker: str = ""  # "-" or "1."
    quote: int = 0
    rows: list[list[tuple[str, bool, int]]] = field(default_factory=list)  # (text, header, colspan)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.bold = self.italic = self.underline = 0
        self.lists: list[list[int | str]] = []  # [kind, counter]
        self.quote = 0
        self.cur: Block | None = None
        self.table: Block | None = None
        self.cell: list[str] | None = None
        self.cell_header = False
        self.cell_span = 1
        self.row: list[tuple[str, bool, int]] | None = None

    # blocks
    def _open(self, kind: str, **kw: object) -> Block:
        self._close()
        block = Block(kind=kind, quote=self.quote, **kw)  # type: ignore[arg-type]
        self.cur = block
        return block

    def _close(self) -> None:
        if self.cur is not None:
            runs = self.cur.runs
            while runs and not runs[-1].text.strip():
                runs.pop()
            if runs:
                runs[0].text = runs[0].text.lstrip()
                runs[-1].text = runs[-1].text.rstrip()
                self.blocks.append(self.cur)
            self.cur = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "u":
            self.underline += 1
        elif tag == "br":
            if self.cell is not None:
                self.cell.append(" ")
            else:
                self.handle_data("\n")
        elif tag in ("p", "h2", "h3"):
            if self.cell is not None:
                return
            if tag == "p" and self.cur is not None and self.cur.kind == "li" and not self.cur.runs:
                return  # <li><p>…</p></li>: the paragraph is the item
            self._open(tag if tag != "p" else ("quote" if self.quote else "p"))
        elif tag in ("ul", "ol"):
            self._close()
            self.lists.append([tag, 0])
        elif tag == "li":
            if not self.lists:
                self.lists.append(["ul", 0])
            kind, n = self.lists[-1]
            self.lists[-1][1] = int(n) + 1
            marker = f"{int(n) + 1}." if kind == "ol" else "-"
            self._open("li", depth=len(self.lists), marker=marker)
        elif tag == "blockquote":
            self._close()
            self.quote += 1
        elif tag == "table":
            self._close()
            self.table = Block(kind="table", quote=self.quote)
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
            self.cell_header = tag == "th"
            span = dict(attrs).get("colspan") or "1"
            self.cell_span = max(1, min(20, int(span))) if span.isdigit() else 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag == "u":
            self.underline = max(0, self.underline - 1)
        elif tag in ("p", "h2", "h3"):
            if self.cell is None and not (self.cur is not None and self.cur.kind == "li"):
                self._close()
        elif tag == "li":
            self._close()
        elif tag in ("ul", "ol"):
            self._close()
            if self.lists:
                self.lists.pop()
        elif tag == "blockquote":
            self._close()
            self.quote = max(0, self.quote - 1)
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append((" ".join("".join(self.cell).split()), self.cell_header, self.cell_span))
            self.cell = None
        elif tag == "tr" and self.row is not None and self.table is not None:
            if self.row:
                self.table.rows.append(self.row)
            self.row = None
        elif tag == "table" and self.table is not None:
            if self.table.rows:
                self.blocks.append(self.table)
            self.table = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
            return
        if self.table is not None:
            return
        if data != "\n":
            data = " ".join(data.split(" ")) if data.strip() else (" " if data else "")
            data = data.replace("\n", " ")
        if self.cur is None:
            if not data.strip():
                return
            self._open("quote" if self.quote else "p")
        assert self.cur is not None
        self.cur.runs.append(Run(nfc(data), self.bold > 0, self.italic > 0, self.underline > 0))

    def close(self) -> None:
        super().close()
        self._close()


def blocks(body_html: str) -> list[Block]:
    """The sanitized body as blocks of styled runs (what the PDF and nothing else draws)."""
    parser = _Parser()
    parser.feed(sanitize(body_html))
    parser.close()
    return parser.blocks


# ---------------------------------------------------------------------------------------------
# PDF


class _Paper(FPDF):
    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(FAMILY, "", SIZE_PAGE_NUMBER)
            self.set_xy(LEFT, 8)
            self.cell(CONTENT_W, 6, str(self.page_no()), align="C")
            self.set_xy(LEFT, TOP)


def _new_pdf(head: PaperHead) -> _Paper:
    pdf = _Paper(format="A4", unit="mm")
    title = head.title or " ".join(x for x in (head.kind, head.summary) if x)
    pdf.set_title(nfc(title))
    pdf.set_author(nfc(head.author))
    pdf.set_creator("eCabinet")
    pdf.set_lang("vi-VN")
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(True, margin=BOTTOM)
    for style, path in TINOS.items():
        pdf.add_font(FAMILY, style, str(path))
    pdf.set_text_shaping(False)
    pdf.add_page()
    return pdf


def _lh(size: float) -> float:
    return size * LINE_FACTOR / PT_PER_MM


def _centred(pdf: FPDF, x: float, w: float, text: str, size: float, style: str = "") -> None:
    pdf.set_font(FAMILY, style, size)
    pdf.set_x(x)
    pdf.multi_cell(w, _lh(size), text, align="C", new_x="LEFT", new_y="NEXT")


def _rule_under(pdf: FPDF, x: float, w: float, length: float) -> None:
    y = pdf.get_y() + 0.6
    pdf.set_line_width(0.3)
    pdf.line(x + (w - length) / 2, y, x + (w + length) / 2, y)
    pdf.set_y(y + 0.6)


def _header(pdf: FPDF, head: PaperHead) -> None:
    top = pdf.get_y()
    # left: authority, issuing body and a short rule; the header may reach a little into the
    # side margins, as printed forms do
    x, w = LEFT - 8, HEAD_LEFT_W
    pdf.set_xy(x, top)
    if head.authority.strip():
        _centred(pdf, x, w, upper(head.authority), SIZE_AUTHORITY)
    _centred(pdf, x, w, upper(head.issuer), SIZE_AUTHORITY, "B")
    pdf.set_font(FAMILY, "B", SIZE_AUTHORITY)
    widest = max((pdf.get_string_width(line) for line in upper(head.issuer).split("\n")), default=20.0)
    _rule_under(pdf, x, w, min(w * 0.5, max(15.0, widest * 0.4)))
    left_y = pdf.get_y()
    # right: national name, motto and a rule as long as the motto
    rx = x + w
    rw = PAGE_W - RIGHT + 3 - rx
    pdf.set_xy(rx, top)
    _centred(pdf, rx, rw, NATION, SIZE_NATION, "B")
    _centred(pdf, rx, rw, MOTTO, SIZE_MOTTO, "B")
    pdf.set_font(FAMILY, "B", SIZE_MOTTO)
    _rule_under(pdf, rx, rw, pdf.get_string_width(MOTTO))
    # the number and the place and date on one line
    y = max(left_y, pdf.get_y()) + 2
    pdf.set_y(y)
    _centred(pdf, x, w, number_line(head), SIZE_NUMBER)
    if not head.kind and head.summary:
        _centred(pdf, x, w, f"V/v {nfc(head.summary)}", 12)
    left_bottom = pdf.get_y()
    pdf.set_y(y)
    _centred(pdf, rx, rw, date_line(head.place, head.date), SIZE_DATE, "I")
    pdf.set_xy(LEFT, max(left_bottom, pdf.get_y()) + 6)


def _title(pdf: FPDF, head: PaperHead) -> None:
    if head.kind:
        _centred(pdf, LEFT, CONTENT_W, upper(head.kind), SIZE_TITLE, "B")
        if head.summary:
            _centred(pdf, LEFT, CONTENT_W, nfc(head.summary), SIZE_TITLE, "B")
        pdf.set_font(FAMILY, "B", SIZE_TITLE)
        _rule_under(pdf, LEFT, CONTENT_W, 40)
        pdf.ln(4)
    if head.addressees:
        pdf.set_font(FAMILY, "", SIZE_BODY)
        if len(head.addressees) == 1:
            _centred(pdf, LEFT, CONTENT_W, f"Kính gửi: {nfc(head.addressees[0])}", SIZE_BODY)
        else:
            label = "Kính gửi:"
            lw = pdf.get_string_width(label + " ")
            x = LEFT + 25
            pdf.set_x(x)
            pdf.cell(lw, _lh(SIZE_BODY), label)
            for item in head.addressees:
                pdf.set_x(x + lw)
                pdf.multi_cell(CONTENT_W - 25 - lw, _lh(SIZE_BODY), f"- {nfc(item)}", new_x="LEFT",
                               new_y="NEXT")
        pdf.ln(3)
    pdf.set_x(LEFT)


def _style(run: Run, extra: str = "") -> str:
    style = ("B" if run.bold or "B" in extra else "") + ("I" if run.italic or "I" in extra else "")
    return style + ("U" if run.underline else "")


def _write_runs(pdf: FPDF, par: object, runs: list[Run], size: float, extra: str = "") -> None:
    for run in runs:
        pdf.set_font(FAMILY, _style(run, extra), size)
        par.write(run.text)  # type: ignore[attr-defined]


def _indent(b: Block) -> float:
    indent = 10.0 * b.quote
    if b.kind == "li":
        indent += FIRST_LINE_INDENT + LIST_INDENT * (b.depth - 1)
    return indent


def _draw_text_blocks(pdf: FPDF, group: list[Block]) -> None:
    # An indented block gets a region of its own with a wider left margin: fpdf2 justifies an
    # indented paragraph over the full width (it would run into the right margin).
    runs: list[tuple[float, list[Block]]] = []
    for b in group:
        if runs and runs[-1][0] == _indent(b):
            runs[-1][1].append(b)
        else:
            runs.append((_indent(b), [b]))
    for indent, blocks_ in runs:
        with pdf.text_columns(text_align="J", line_height=LINE_FACTOR, skip_leading_spaces=True,
                              l_margin=LEFT + indent, r_margin=RIGHT) as cols:
            for b in blocks_:
                if b.kind in ("h2", "h3"):
                    with cols.paragraph(text_align=Align.L, top_margin=PARAGRAPH_SPACE + 1.5,
                                        bottom_margin=0.5) as par:
                        _write_runs(pdf, par, b.runs, SIZE_BODY, "B" if b.kind == "h2" else "BI")
                elif b.kind == "li":
                    pdf.set_font(FAMILY, "", SIZE_BODY)  # the bullet takes the font in use
                    with cols.paragraph(top_margin=PARAGRAPH_SPACE / 2, bullet_string=b.marker,
                                        bullet_r_margin=1.5) as par:
                        _write_runs(pdf, par, b.runs, SIZE_BODY)
                else:
                    with cols.paragraph(top_margin=PARAGRAPH_SPACE, first_line_indent=FIRST_LINE_INDENT) as par:
                        _write_runs(pdf, par, b.runs, SIZE_BODY, "I" if b.kind == "quote" else "")
    pdf.set_font(FAMILY, "", SIZE_BODY)
    pdf.set_x(LEFT)


def _draw_table(pdf: FPDF, b: Block) -> None:
    pdf.ln(PARAGRAPH_SPACE)
    ncols = max(sum(span for _, _, span in row) for row in b.rows)
    size = SIZE_BODY - 1
    pdf.set_font(FAMILY, "", size)
    with pdf.table(width=CONTENT_W - 10.0 * b.quote, align="R" if b.quote else "C", first_row_as_headings=False,
                   line_height=_lh(size), text_align="LEFT", padding=1.2) as table:
        for row in b.rows:
            r = table.row()
            used = 0
            for text, is_header, span in row:
                span = min(span, ncols - used)
                if span <= 0:
                    break
                pdf.set_font(FAMILY, "B" if is_header else "", size)
                r.cell(text, colspan=span, style=None)
                used += span
            while used < ncols:
                r.cell("")
                used += 1
    pdf.set_font(FAMILY, "", SIZE_BODY)


def _body(pdf: FPDF, body_html: str) -> None:
    group: list[Block] = []
    for b in blocks(body_html):
        if b.kind == "table":
            if group:
                _draw_text_blocks(pdf, group)
                group = []
            _draw_table(pdf, b)
        else:
            group.append(b)
    if group:
        _draw_text_blocks(pdf, group)


def _signer_height(slot: SignerBlock) -> float:
    lines = sum(1 for t in (slot.authority, slot.position) if t.strip())
    return lines * _lh(SIZE_SIGNER) + SIGNATURE_BOX_H + _lh(SIZE_SIGNER) + 2


def _draw_signer(pdf: FPDF, slot: SignerBlock, x: float, w: float, top: float) -> FieldPlace:
    pdf.set_xy(x, top)
    for text in (slot.authority, slot.position):
        if text.strip():
            _centred(pdf, x, w, upper(text), SIZE_SIGNER, "B")
    box_top = pdf.get_y() + 1
    bw = min(SIGNATURE_BOX_W, w)
    bx = x + (w - bw) / 2
    pdf.set_xy(x, box_top + SIGNATURE_BOX_H + 1)
    if slot.name.strip():
        _centred(pdf, x, w, nfc(slot.name), SIZE_SIGNER, "B")
    page = pdf.page_no() - 1
    box = (bx * PT_PER_MM, (PAGE_H - box_top - SIGNATURE_BOX_H) * PT_PER_MM,
           (bx + bw) * PT_PER_MM, (PAGE_H - box_top) * PT_PER_MM)
    return FieldPlace(slot.field_name, page, box)


def _draw_recipients(pdf: FPDF, recipients: Sequence[str], x: float, w: float, top: float) -> None:
    pdf.set_xy(x, top)
    pdf.set_font(FAMILY, "BI", SIZE_RECIPIENTS_HEAD)
    pdf.multi_cell(w, _lh(SIZE_RECIPIENTS_HEAD), "Nơi nhận:", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FAMILY, "", SIZE_RECIPIENTS)
    items = [nfc(r).strip() for r in recipients if r and r.strip()]
    for i, item in enumerate(items):
        item = item.lstrip("-– ").rstrip(";.")
        end = "." if i == len(items) - 1 else ";"
        pdf.set_x(x)
        pdf.multi_cell(w, _lh(SIZE_RECIPIENTS), f"- {item}{end}", new_x="LEFT", new_y="NEXT")


def _recipients_height(pdf: FPDF, recipients: Sequence[str], w: float) -> float:
    if not recipients:
        return 0.0
    pdf.set_font(FAMILY, "", SIZE_RECIPIENTS)
    lines = sum(max(1, int(pdf.get_string_width(f"- {r};") // (w - 2)) + 1) for r in recipients)
    return _lh(SIZE_RECIPIENTS_HEAD) + lines * _lh(SIZE_RECIPIENTS)


def _closing(pdf: FPDF, slots: Sequence[SignerBlock], recipients: Sequence[str]) -> list[FieldPlace]:
    """Signer blocks two to a row; "Nơi nhận:" left of a single block, else under the blocks."""
    col = CONTENT_W / 2
    places: list[FieldPlace] = []
    rows = [list(slots[i:i + 2]) for i in range(0, len(slots), 2)] or [[]]
    beside = len(slots) == 1
    for i, row in enumerate(rows):
        height = max((_signer_height(s) for s in row), default=0.0)
        if beside:
            height = max(height, _recipients_height(pdf, recipients, col - 5))
        last = i == len(rows) - 1
        need = height + 6 + (0 if beside or not last else _recipients_height(pdf, recipients, col) + 4)
        if pdf.get_y() + need > PAGE_H - BOTTOM:
            pdf.add_page()
        top = pdf.get_y() + 6
        if beside:
            places.append(_draw_signer(pdf, row[0], LEFT + col, col, top))
            if recipients:
                _draw_recipients(pdf, recipients, LEFT, col - 5, top + _lh(SIZE_SIGNER) * 0.4)
        elif len(row) == 1:
            places.append(_draw_signer(pdf, row[0], LEFT + col, col, top))
        else:
            for j, slot in enumerate(row):
                places.append(_draw_signer(pdf, slot, LEFT + j * col, col, top))
        pdf.set_xy(LEFT, top + height)
    if recipients and not beside:
        if pdf.get_y() + _recipients_height(pdf, recipients, col) + 4 > PAGE_H - BOTTOM:
            pdf.add_page()
        _draw_recipients(pdf, recipients, LEFT, col, pdf.get_y() + 4)
    return places


def render(head: PaperHead, body_html: str, *, slots: Sequence[SignerBlock] = (),
           recipients: Sequence[str] = ()) -> Rendered:
    """The paper as a PDF in the Decree 30 layout, and where its signature blocks are."""
    pdf = _new_pdf(head)
    _header(pdf, head)
    _title(pdf, head)
    _body(pdf, body_html)
    places = _closing(pdf, slots, recipients)
    return Rendered(pdf=bytes(pdf.output()), fields=places, pages=pdf.page_no())


# ---------------------------------------------------------------------------------------------
# HTML preview (same paper, for the page; styled by static/ecabinet/paper.css)


def _e(text: str) -> str:
    return str(html_escape(nfc(text)))


def _html_runs(runs: list[Run]) -> Iterator[str]:
    for run in runs:
        text = _e(run.text).replace("\n", "<br>")
        if run.underline:
            text = f"<u>{text}</u>"
        if run.italic:
            text = f"<em>{text}</em>"
        if run.bold:
            text = f"<strong>{text}</strong>"
        yield text


def render_html(head: PaperHead, body_html: str, *, slots: Sequence[SignerBlock] = (),
                recipients: Sequence[str] = ()) -> SafeString:
    """The same paper as HTML for a page preview (``<article class="paper">``; ecabinet/paper.css).

    The body is ``sanitize``d again here, so the result is safe to insert as is.
    """
    out: list[str] = ['<article class="paper" lang="vi">', '<header class="paper-head">',
                      '<div class="paper-issuer">']
    if head.authority.strip():
        out.append(f'<p class="paper-authority">{_e(upper(head.authority))}</p>')
    out.append(f'<p class="paper-body-name">{_e(upper(head.issuer))}</p>')
    out.append(f'<p class="paper-number">{_e(number_line(head))}</p>')
    if not head.kind and head.summary:
        out.append(f'<p class="paper-vv">V/v {_e(head.summary)}</p>')
    out.append('</div><div class="paper-nation">')
    out.append(f'<p class="paper-nation-name">{NATION}</p><p class="paper-motto">{MOTTO}</p>')
    out.append(f'<p class="paper-date">{_e(date_line(head.place, head.date))}</p>')
    out.append("</div></header>")
    if head.kind:
        out.append(f'<h1 class="paper-title"><span>{_e(upper(head.kind))}</span>')
        if head.summary:
            out.append(f'<span class="paper-summary">{_e(head.summary)}</span>')
        out.append("</h1>")
    if head.addressees:
        items = "".join(f"<li>{_e(a)}</li>" for a in head.addressees)
        out.append(f'<div class="paper-to"><span>Kính gửi:</span><ul>{items}</ul></div>')
    out.append(f'<div class="paper-text">{sanitize(body_html)}</div>')
    if slots or recipients:
        cls = "paper-closing paper-closing-single" if len(slots) == 1 else "paper-closing"
        out.append(f'<footer class="{cls}">')
        if recipients and len(slots) == 1:
            out.append(_recipients_html(recipients))
        for slot in slots:
            lines = "".join(f'<p class="paper-signer-line">{_e(upper(t))}</p>'
                            for t in (slot.authority, slot.position) if t.strip())
            out.append(f'<div class="paper-signer" data-field="{_e(slot.field_name)}">{lines}'
                       f'<div class="paper-signature-box"></div>'
                       f'<p class="paper-signer-name">{_e(slot.name)}</p></div>')
        if recipients and len(slots) != 1:
            out.append(_recipients_html(recipients))
        out.append("</footer>")
    out.append("</article>")
    return mark_safe("".join(out))  # noqa: S308 - every text is escaped, the body sanitized


def _recipients_html(recipients: Sequence[str]) -> str:
    items = [nfc(r).strip().lstrip("-– ").rstrip(";.") for r in recipients if r and r.strip()]
    lis = "".join(f"<li>- {_e(item)}{'.' if i == len(items) - 1 else ';'}</li>" for i, item in enumerate(items))
    return f'<div class="paper-recipients"><p>Nơi nhận:</p><ul>{lis}</ul></div>'


# ---------------------------------------------------------------------------------------------
# The older helpers (Roboto), for the papers not yet drawn by ``render``


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
    pdf.multi_cell(100, 5.5, NATION, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(95)
    pdf.multi_cell(100, 5.5, MOTTO, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.line(122, pdf.get_y() + 0.5, 168, pdf.get_y() + 0.5)
    pdf.set_xy(95, pdf.get_y() + 3)
    pdf.set_font("Roboto", "", 10)
    pdf.multi_cell(100, 5.5, date_line(place, date), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)
