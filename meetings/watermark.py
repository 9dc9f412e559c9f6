"""Stamp every page of a PDF with the viewer's name, unit and time, so a leaked copy names its source.

The stamp is drawn with fpdf2 (Roboto, so Vietnamese diacritics render and `pdftotext` reads
them back) in two parts: the viewer's (name, unit, notice; drawn once per viewer and kept) and
the minute's time (drawn once a minute for every viewer), each turned into Form XObjects shared
by every page; each page only gets a
tiny content stream `q <scale/offset> cm /EcbWatermark Do Q` appended and its original content
wrapped in q/Q. Nothing of the original content is decoded or re-encoded, so a 200+ page pack
costs little more than copying it. The stored original is only read.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import IO

from fontTools.ttLib import TTFont
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
)

from ecabinet.fonts import VIETNAMESE_LETTERS, cut_to_vietnamese
from ecabinet.paper import FONT_BOLD, FONT_REGULAR, nfc

CANVAS_W, CANVAS_H = 595.28, 841.89  # A4 in points; other page sizes are scaled uniformly
XOBJECT_NAME = "/EcbWatermark"


TIME_FORMAT = "%H:%M %d/%m/%Y"
# Roboto's digits all have one width, so every stamp time is as wide as this one: the per-viewer
# part of the stamp leaves exactly this gap for it.
TIME_SAMPLE = "00:00 00/00/0000"
TIME_XOBJECT = "/EcbWatermarkTime"
FOOTER_TIME_XOBJECT = "/EcbWatermarkFooterTime"
# Per-viewer parts kept: a committee's whole audience (the tender: 500 users), each reused for as
# long as the viewer reads, whatever the minute (the time is drawn apart, once a minute for all).
VIEWER_SLOTS = 1024

logger = logging.getLogger(__name__)


def stamp_lines(*, full_name: str, unit: str, when: datetime) -> tuple[str, str]:
    stamp_time = when.strftime(TIME_FORMAT)
    main = nfc(f"{full_name} · {unit}" if unit else full_name)
    footer = nfc(f"Bản của: {full_name}{' – ' + unit if unit else ''} · {stamp_time} · eCabinet")
    return main, footer


def _footer_parts(full_name: str, unit: str) -> tuple[str, str]:
    """The footer of stamp_lines around its time: (before, after)."""
    return nfc(f"Bản của: {full_name}{' – ' + unit if unit else ''} · "), " · eCabinet"


@cache
def _stamp_font(path: str) -> str:
    """The font at `path` cut to Vietnamese (ecabinet.fonts), built once into VAR_DIR/fonts: named
    by the whole font's SHA-256 (a new Roboto builds a new one), shared by every process on the
    machine. Where it cannot be written, the whole font."""
    from django.conf import settings

    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:16]
    folder = Path(settings.VAR_DIR) / "fonts"
    target = folder / f"{Path(path).stem}-stamp-plain-{digest}.ttf"
    if target.exists():
        return str(target)
    part_name = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        font = TTFont(path)
        # fpdf2 draws the stamp without shaping, in NFC letters: no layout table is ever read
        cut_to_vietnamese(font, layout=False)
        # Written aside and renamed: a process reading it never sees half a font.
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False) as part:
            part_name = part.name
            font.save(part)
        os.replace(part_name, target)
    except OSError:
        if part_name is not None:  # a full disk leaves no half-written file behind
            Path(part_name).unlink(missing_ok=True)
        logger.warning("the stamp's small font cannot be written under %s; the whole font is used", folder,
                       exc_info=True)
        return path
    return str(target)


def _canvas(*texts: str) -> FPDF:
    """A page with Roboto loaded: the small font when it has every letter of `texts`."""
    small = all(letter in VIETNAMESE_LETTERS for text in texts for letter in text)
    pdf = FPDF(unit="pt", format=(CANVAS_W, CANVAS_H))
    pdf.set_auto_page_break(False)
    pdf.add_font("Roboto", "", _stamp_font(FONT_REGULAR) if small else FONT_REGULAR)
    pdf.add_font("Roboto", "B", _stamp_font(FONT_BOLD) if small else FONT_BOLD)
    pdf.add_page()
    return pdf


@lru_cache(maxsize=VIEWER_SLOTS)
def _viewer_overlay(main: str, footer_before: str, footer_after: str, notice: tuple[str, ...] = ()) -> tuple[bytes, float]:
    """Everything of a viewer's stamp but the time (the costly part: fonts loaded and subset),
    and where the footer's time goes (x, in canvas points)."""
    pdf = _canvas(main, footer_before, footer_after, TIME_SAMPLE, *notice)
    pdf.set_text_color(150, 20, 26)
    with pdf.local_context(fill_opacity=0.16, stroke_opacity=0.16):
        with pdf.rotation(45, x=CANVAS_W / 2, y=CANVAS_H / 2):
            size = 30.0
            pdf.set_font("Roboto", "B", size)
            width = pdf.get_string_width(main)
            if width > 760:
                size = max(12.0, size * 760 / width)
                pdf.set_font("Roboto", "B", size)
                width = pdf.get_string_width(main)
            for offset in (-240, 0, 240):
                pdf.text(CANVAS_W / 2 - width / 2, CANVAS_H / 2 + offset, main)
    with pdf.local_context(fill_opacity=0.6):
        pdf.set_font("Roboto", "", 7)
        pdf.set_text_color(90, 90, 90)
        before, gap = pdf.get_string_width(footer_before), pdf.get_string_width(TIME_SAMPLE)
        x = max(10.0, CANVAS_W / 2 - (before + gap + pdf.get_string_width(footer_after)) / 2)
        pdf.text(x, CANVAS_H - 10, footer_before)
        pdf.text(x + before + gap, CANVAS_H - 10, footer_after)
    if notice:
        # Above the footer, darker and larger: the reader must not take the copy's broken
        # signatures for a forgery.
        with pdf.local_context(fill_opacity=0.85):
            pdf.set_text_color(150, 20, 26)
            for row, line in enumerate(notice):
                size = 7.0
                pdf.set_font("Roboto", "B" if row == 0 else "", size)
                while pdf.get_string_width(line) > CANVAS_W - 20 and size > 4:
                    size -= 0.5
                    pdf.set_font("Roboto", "B" if row == 0 else "", size)
                y = CANVAS_H - 12 - 9 * (len(notice) - row)
                pdf.text(max(10.0, CANVAS_W / 2 - pdf.get_string_width(line) / 2), y, line)
    return bytes(pdf.output()), x + before


@lru_cache(maxsize=4)
def _time_overlay(stamp_time: str) -> bytes:
    """The minute's time, drawn once for every viewer: page 1 the large time under the name (its
    place is the same for all), page 2 the footer's time at x = 0 (each viewer's stamp moves it
    to the gap its footer left)."""
    pdf = _canvas(stamp_time)
    pdf.set_text_color(150, 20, 26)
    with pdf.local_context(fill_opacity=0.16, stroke_opacity=0.16):
        with pdf.rotation(45, x=CANVAS_W / 2, y=CANVAS_H / 2):
            pdf.set_font("Roboto", "", 16)
            pdf.text(CANVAS_W / 2 - pdf.get_string_width(stamp_time) / 2, CANVAS_H / 2 + 26, stamp_time)
    pdf.add_page()
    with pdf.local_context(fill_opacity=0.6):
        pdf.set_font("Roboto", "", 7)
        pdf.set_text_color(90, 90, 90)
        pdf.text(0, CANVAS_H - 10, stamp_time)
    return bytes(pdf.output())


def _form_xobjects(writer: PdfWriter, overlay: bytes) -> list:
    """Each page of the overlay as one Form XObject inside `writer`, its fonts embedded once
    (pages read from one reader share their cloned resources)."""
    forms = []
    for page in PdfReader(io.BytesIO(overlay)).pages:
        content = page.get_contents()
        form = DecodedStreamObject()
        form.set_data(content.get_data() if content is not None else b"")
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = ArrayObject([FloatObject(0), FloatObject(0), FloatObject(CANVAS_W),
                                                 FloatObject(CANVAS_H)])
        resources = page["/Resources"].get_object()
        form[NameObject("/Resources")] = resources.clone(writer) if resources is not None else DictionaryObject()
        forms.append(writer._add_object(form))
    return forms


def _page_resources(page) -> DictionaryObject:
    node = page
    while node is not None:
        if "/Resources" in node:
            return node["/Resources"].get_object()
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    resources = DictionaryObject()
    page[NameObject("/Resources")] = resources
    return resources


def watermark_pdf(source: str | Path | IO[bytes], *, full_name: str, unit: str, when: datetime,
                  out: IO[bytes], notice: tuple[str, ...] = ()) -> int:
    """Write a stamped copy of `source` to `out`; returns the number of pages.

    `notice`: extra lines printed on every page above the footer (meetings/delivery.py uses them
    to say where the signed original is verified)."""
    main, _ = stamp_lines(full_name=full_name, unit=unit, when=when)
    overlay, time_x = _viewer_overlay(main, *_footer_parts(full_name, unit), tuple(nfc(line) for line in notice))
    clock = _time_overlay(when.strftime(TIME_FORMAT))
    writer = PdfWriter(clone_from=source)
    [viewer_form] = _form_xobjects(writer, overlay)
    time_form, footer_time_form = _form_xobjects(writer, clock)
    forms = {XOBJECT_NAME: viewer_form, TIME_XOBJECT: time_form, FOOTER_TIME_XOBJECT: footer_time_form}
    # One shared "q" stream opens every page; the page's own stream closes with "Q" before
    # the stamp, so unbalanced graphics state in the original cannot skew the watermark.
    open_q = writer._add_object(_stream(b"q\n"))
    for page in writer.pages:
        resources = _page_resources(page)
        found = resources.get("/XObject")
        xobjects = found.get_object() if found is not None else None
        if not isinstance(xobjects, DictionaryObject):  # none yet (or a damaged one): a new one
            xobjects = DictionaryObject()
            resources[NameObject("/XObject")] = xobjects
        for name, ref in forms.items():
            xobjects[NameObject(name)] = ref
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        scale = min(width / CANVAS_W, height / CANVAS_H)
        dx = float(box.left) + (width - CANVAS_W * scale) / 2
        dy = float(box.bottom) + (height - CANVAS_H * scale) / 2
        stamp = _stream(f"Q\nq {scale:.5f} 0 0 {scale:.5f} {dx:.3f} {dy:.3f} cm {XOBJECT_NAME} Do {TIME_XOBJECT} Do "
                        f"1 0 0 1 {time_x:.3f} 0 cm {FOOTER_TIME_XOBJECT} Do Q\n".encode())
        contents = page.get("/Contents")
        parts = ArrayObject([open_q])
        if contents is not None:
            target = contents.get_object()
            if isinstance(target, ArrayObject):
                parts.extend(target)
            else:
                parts.append(contents if hasattr(contents, "idnum") else writer._add_object(target))
        parts.append(writer._add_object(stamp))
        page[NameObject("/Contents")] = parts
    writer.write(out)
    return len(writer.pages)


def _stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    stream[NameObject("/Length")] = NumberObject(len(data))
    return stream
