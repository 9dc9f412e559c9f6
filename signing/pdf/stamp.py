"""The visible signature stamp: Vietnamese text in embedded Roboto, bottom-right of a page, or
inside the empty signature field a paper made at the signer's block (``plan``/``in_field``).

Stamps already on the page push a new one upwards (then into a column to the left), so
several signatures on one page never overlap.

Images (Decree 30, appendix I): a person's signature image, when they uploaded one, stands
above the name/time text; an organisation's signature (``StampInfo.organisation``) shows the
unit's seal over the left third of the block ("trùm lên khoảng 1/3 chữ ký về phía bên trái").
The image arrives as PNG bytes (checked at upload by ``ecabinet.intake.intake_image``): this
package reads no database.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields
from pyhanko.stamp import TextStampStyle

from ._stampfont import StampFontFactory, font_program, roboto_path

__all__ = [
    "Placement",
    "StampInfo",
    "appearance",
    "orient_widget",
    "empty_field",
    "empty_fields",
    "in_field",
    "plan",
    "roboto_path",
    "stamp_lines",
    "text_width",
]

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FONT_SIZE = 8
LEADING = 10
PADDING = 5  # text box margin inside the border
MARGIN = 24  # distance from the page edges
GAP = 6  # between stacked stamps
MAX_LINE_CHARS = 60
SIGNATURE_IMAGE_HEIGHT = 36  # a person's signature image above the text (points)
SEAL_SIZE = 72  # the seal's square (about 25 mm), the left third of an organisation's block


@dataclass
class StampInfo:
    full_name: str
    position: str
    unit: str
    reason: str
    signed_at: datetime
    page: int = -1  # -1 = last page
    # PNG bytes: the person's signature image, or (organisation=True) the unit's seal
    image: bytes | None = None
    # an organisation's signature: `full_name` is the unit's name, the image its seal
    organisation: bool = False


@dataclass
class Layout:
    field_name: str
    others_on_page: int
    # an empty signature field made beforehand (a paper's signer block): its page and rectangle
    field_page: int | None = None
    field_rect: tuple[float, float, float, float] | None = None


@functools.cache
def _metrics() -> tuple[dict[int, int], float]:
    """Advance widths per code point (in font units) and units-per-em, read once."""
    from fontTools.ttLib import TTFont

    tt = TTFont(roboto_path(), lazy=True)
    cmap = tt.getBestCmap()
    hmtx = tt["hmtx"]
    widths = {cp: hmtx[name][0] for cp, name in cmap.items()}
    return widths, float(tt["head"].unitsPerEm)


def text_width(line: str, size: float = FONT_SIZE) -> float:
    widths, upem = _metrics()
    default = widths.get(ord("M"), upem * 0.6)
    return sum(widths.get(ord(ch), default) for ch in line) * size / upem


@functools.cache
def _style(full: bool = False) -> TextStampStyle:
    factory = StampFontFactory(full=full, font_size=FONT_SIZE)
    return TextStampStyle(
        stamp_text="%(body)s",
        border_width=1,
        background=None,
        # left-aligned, centred vertically; shrink only if our width estimate was short
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(PADDING),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
        text_box_style=TextBoxStyle(font=factory, font_size=FONT_SIZE, leading=LEADING),
    )


def _image(png: bytes) -> PdfImage:
    from PIL import Image

    picture = Image.open(io.BytesIO(png))
    picture.load()
    return PdfImage(picture)


def _fit_margins(left: float, right: float, top: float, bottom: float, width: float,
                 height: float) -> layout.Margins:
    """Margins that leave some room in a `width` x `height` box, shrunk in proportion when the
    box (an existing field drawn smaller than our stamp) is too small for them."""
    def shrink(a: float, b: float, size: float) -> tuple[int, int]:
        room = max(0.0, size - 1)
        if a + b > room:
            k = room / (a + b) if a + b else 0
            a, b = a * k, b * k
        return int(a), int(b)

    left_i, right_i = shrink(left, right, width)
    top_i, bottom_i = shrink(top, bottom, height)
    return layout.Margins(left=left_i, right=right_i, top=top_i, bottom=bottom_i)


@dataclass(frozen=True)
class _BoxRule(layout.SimpleBoxLayoutRule):
    """A layout rule whose margins follow the box the appearance is drawn in: the stamp's own box,
    or the rectangle of an existing signature field, whatever its size.

    part: "seal" (a square of the box's height, at most its left third), "seal_text" (the text,
    starting under the seal's right half), "image" (the signature image above `text_height`),
    "image_text" (the text in the bottom `text_height`)."""

    part: str = "seal"
    text_height: int = 0

    def fit(self, container_box: layout.BoxConstraints, inner_nat_width: int,
            inner_nat_height: int) -> layout.Positioning:
        w, h = float(container_box.width), float(container_box.height)
        seal = min(h, w / 3)
        text_h = min(float(self.text_height), h * 0.6)
        margins = {
            "seal": (0, w - seal, 0, 0),
            "seal_text": (seal / 2, PADDING, PADDING, PADDING),
            "image": (PADDING, PADDING, PADDING, text_h),
            "image_text": (PADDING, PADDING, h - text_h, PADDING),
        }[self.part]
        rule = layout.SimpleBoxLayoutRule(
            x_align=self.x_align, y_align=self.y_align, margins=_fit_margins(*margins, w, h),
            inner_content_scaling=self.inner_content_scaling,
        )
        return rule.fit(container_box, inner_nat_width, inner_nat_height)


def _image_style(full: bool, png: bytes, *, organisation: bool, text_height: int) -> TextStampStyle:
    """The text style with the image as the stamp's background: the seal over the left third of
    the block (a square of the block's height), or the signature image above the text."""
    factory = StampFontFactory(full=full, font_size=FONT_SIZE)
    mid, low, high = layout.AxisAlignment.ALIGN_MID, layout.AxisAlignment.ALIGN_MIN, layout.AxisAlignment.ALIGN_MAX
    stretch, shrink = layout.InnerScaling.STRETCH_TO_FIT, layout.InnerScaling.SHRINK_TO_FIT
    if organisation:
        image_rule = _BoxRule(x_align=low, y_align=mid, inner_content_scaling=stretch, part="seal")
        text_rule = _BoxRule(x_align=low, y_align=mid, inner_content_scaling=shrink, part="seal_text")
    else:
        image_rule = _BoxRule(x_align=low, y_align=high, inner_content_scaling=stretch, part="image",
                              text_height=text_height)
        text_rule = _BoxRule(x_align=low, y_align=low, inner_content_scaling=shrink, part="image_text",
                             text_height=text_height)
    return TextStampStyle(
        stamp_text="%(body)s",
        border_width=1,
        background=_image(png),
        background_opacity=1.0,
        background_layout=image_rule,
        inner_content_layout=text_rule,
        text_box_style=TextBoxStyle(font=factory, font_size=FONT_SIZE, leading=LEADING),
    )


def _wrap(text: str, limit: int = MAX_LINE_CHARS) -> list[str]:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > limit:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    if cur:
        lines.append(cur)
    return lines or [""]


def stamp_lines(info: StampInfo) -> list[str]:
    at = info.signed_at
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    local = at.astimezone(LOCAL_TZ)
    if info.organisation:
        lines = _wrap(f"Cơ quan: {info.full_name}")
        lines.append(f"Thời gian ký: {local:%d/%m/%Y %H:%M}")
        if info.reason:
            lines += _wrap(f"Lý do: {info.reason}")
        return lines
    lines = _wrap(f"Người ký: {info.full_name}")
    if info.position:
        lines += _wrap(f"Chức vụ: {info.position}")
    if info.unit:
        lines += _wrap(f"Đơn vị: {info.unit}")
    lines.append(f"Thời gian: {local:%d/%m/%Y %H:%M}")
    if info.reason:
        lines += _wrap(f"Lý do: {info.reason}")
    return lines


def _is_sig_widget(annot: Any) -> bool:
    if annot.get("/Subtype") != "/Widget":
        return False
    if annot.get("/FT") == "/Sig":
        return True
    parent = annot.get("/Parent")
    return parent is not None and parent.get_object().get("/FT") == "/Sig"


def _page(writer: BasePdfFileWriter, page_ix: int) -> generic.DictionaryObject:
    page_ref, _ = writer.find_page_for_modification(page_ix)
    return page_ref.get_object()


def _media_box(page: generic.DictionaryObject) -> tuple[float, float, float, float]:
    node: Any = page
    for _ in range(64):  # inherited attribute; bounded against parent loops
        box = node.get("/MediaBox")
        if box is not None:
            x1, y1, x2, y2 = (float(v) for v in box)
            return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)
        parent = node.get("/Parent")
        if parent is None:
            break
        node = parent.get_object()
    return 0.0, 0.0, 595.0, 842.0  # A4


def _page_of(writer: BasePdfFileWriter, ref: Any) -> int | None:
    count = int(writer.root["/Pages"]["/Count"])
    for ix in range(count):
        annots = _page(writer, ix).get("/Annots")
        if annots is None:
            continue
        for a in annots.get_object():
            if getattr(a, "idnum", None) == getattr(ref, "idnum", -1):
                return ix
    return None


def empty_field(writer: BasePdfFileWriter, field_name: str) -> tuple[int, tuple[float, float, float, float]] | None:
    """The page and rectangle of the empty signature field `field_name`, if the PDF has one."""
    for name, value, ref in fields.enumerate_sig_fields(writer, filled_status=False):
        if name != field_name or value is not None:
            continue
        widget = ref.get_object()
        rect = widget.get("/Rect")
        page_ix = _page_of(writer, ref)
        if rect is None or page_ix is None:
            return None
        x1, y1, x2, y2 = (float(v) for v in rect)
        if abs(x2 - x1) < 1 or abs(y2 - y1) < 1:
            return None  # an invisible field: place the stamp as usual
        return page_ix, (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
    return None


def empty_fields(writer: BasePdfFileWriter) -> list[str]:
    """The names of the empty signature fields, in the document's order (papers make them at
    their signer blocks)."""
    return [name for name, _, _ in fields.enumerate_sig_fields(writer, filled_status=False)]


def plan(writer: BasePdfFileWriter, page_ix: int, field_name: str | None) -> Layout:
    """Choose the field name and count the signature widgets already on the target page; a
    named empty field made beforehand gives its own page and rectangle."""
    if field_name is not None:
        existing = empty_field(writer, field_name)
        if existing is not None:
            return Layout(field_name=field_name, others_on_page=0, field_page=existing[0], field_rect=existing[1])
    annots = _page(writer, page_ix).get("/Annots")
    others = 0
    if annots is not None:
        for a in annots.get_object():
            if _is_sig_widget(a.get_object()):
                others += 1
    if field_name is None:
        names = {name for name, _, _ in fields.enumerate_sig_fields(writer)}
        n = len(names) + 1
        while f"Sig{n}" in names:
            n += 1
        field_name = f"Sig{n}"
    return Layout(field_name=field_name, others_on_page=others)


def in_field(rect: tuple[float, float, float, float]) -> Placement:
    """The stamp fills an existing field's rectangle (pyHanko lays it out in the widget)."""
    r = (round(rect[0]), round(rect[1]), round(rect[2]), round(rect[3]))
    return Placement(r, r, 0)


def _rotation(page: generic.DictionaryObject) -> int:
    """The page's /Rotate (inherited), normalised to 0, 90, 180 or 270."""
    node: Any = page
    for _ in range(64):
        rot = node.get("/Rotate")
        if rot is not None:
            try:
                value = int(rot) % 360
            except (TypeError, ValueError):
                return 0
            return value if value % 90 == 0 else 0
        parent = node.get("/Parent")
        if parent is None:
            break
        node = parent.get_object()
    return 0


@dataclass
class Placement:
    """Where the stamp goes. ``box`` is what pyHanko lays the appearance out in (the stamp
    as the reader sees it, width x height); on a rotated page ``rect`` is the annotation
    rectangle in the page's user space and ``matrix`` turns the appearance so it reads
    upright once the viewer applies /Rotate."""

    box: tuple[int, int, int, int]
    rect: tuple[int, int, int, int]
    rotation: int

    @property
    def matrix(self) -> list[int]:
        # counter-clockwise by the page's clockwise display rotation
        return {90: [0, 1, -1, 0, 0, 0], 180: [-1, 0, 0, -1, 0, 0], 270: [0, -1, 1, 0, 0, 0]}[
            self.rotation
        ]


def _to_user(
    rotation: int, media: tuple[float, float, float, float], u: float, v: float
) -> tuple[float, float]:
    """A point of the page as displayed (origin bottom-left, y up) in user space."""
    x1, y1, x2, y2 = media
    if rotation == 90:
        return x2 - v, y1 + u
    if rotation == 180:
        return x2 - u, y2 - v
    if rotation == 270:
        return x1 + v, y2 - u
    return x1 + u, y1 + v


def appearance(
    info: StampInfo, writer: BasePdfFileWriter, page_ix: int, index: int
) -> tuple[Placement, TextStampStyle, dict[str, str]]:
    lines = stamp_lines(info)
    # 4% slack: HarfBuzz kerning/shaping vs. plain advance widths
    width = int(max(text_width(line) for line in lines) * 1.04) + 2 * PADDING + 4
    height = len(lines) * LEADING + 2 * PADDING + 4
    text_height = height
    if info.image is not None and info.organisation:
        # the seal takes the left third: the text begins under its right half
        width = max(width - PADDING + SEAL_SIZE // 2, 3 * SEAL_SIZE)
        height = max(height, SEAL_SIZE)
    elif info.image is not None:
        height += SIGNATURE_IMAGE_HEIGHT
    page = _page(writer, page_ix)
    media = _media_box(page)
    rotation = _rotation(page)
    x1, y1, x2, y2 = media
    # lay out on the page as displayed: bottom-right corner, stacking up, then leftwards
    disp_w, disp_h = (y2 - y1, x2 - x1) if rotation in (90, 270) else (x2 - x1, y2 - y1)
    per_column = max(1, int((disp_h - 2 * MARGIN + GAP) // (height + GAP)))
    col, row = divmod(index, per_column)
    right = disp_w - MARGIN - col * (width + GAP)
    left = max(0.0, right - width)
    bottom = MARGIN + row * (height + GAP)
    corners = [_to_user(rotation, media, u, v) for u, v in ((left, bottom), (left + width, bottom + height))]
    rx1, rx2 = sorted(c[0] for c in corners)
    ry1, ry2 = sorted(c[1] for c in corners)
    rect = (round(rx1), round(ry1), round(rx2), round(ry2))
    box = (rect[0], rect[1], rect[0] + width, rect[1] + height)
    body = "\n".join(lines)
    # fall back to the whole font only for text outside the Vietnamese/Latin repertoire
    full = any(ord(ch) not in font_program(False).codepoints for ch in body if ch != "\n")
    if info.image is not None:
        style = _image_style(full, info.image, organisation=info.organisation, text_height=text_height)
        return Placement(box, rect, rotation), style, {"body": body}
    return Placement(box, rect, rotation), _style(full), {"body": body}


def orient_widget(writer: BasePdfFileWriter, field_name: str, placement: Placement) -> None:
    """On a rotated page, move the new widget to its user-space rectangle and turn its
    appearance (laid out by pyHanko in ``placement.box``) to match the page rotation."""
    if not placement.rotation:
        return
    for name, _, ref in fields.enumerate_sig_fields(writer):
        if name != field_name:
            continue
        widget = ref.get_object()
        widget[generic.NameObject("/Rect")] = generic.ArrayObject(
            generic.NumberObject(v) for v in placement.rect
        )
        ap = widget["/AP"]["/N"].get_object()
        ap[generic.NameObject("/Matrix")] = generic.ArrayObject(
            generic.NumberObject(v) for v in placement.matrix
        )
        return
    raise ValueError(f"signature field {field_name} not found")
