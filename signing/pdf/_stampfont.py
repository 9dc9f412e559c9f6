"""Embedded Roboto for the signature stamp: everything font-related is prepared once per
process, and the embedded font program is cached per set of glyphs.

pyHanko's ``GlyphAccumulator`` parses the TrueType font (fontTools) when a stamp is laid
out, then subsets it and serialises the subset when the PDF is written: ~25-40 ms per
signature, most of the cost of a stamped signature. Here:

- shaping (HarfBuzz), advance widths, the reverse cmap and the font-descriptor metrics
  come from a :class:`FontProgram` built once per process;
- the subset font file (TrueType, original glyph ids kept so CID = GID) is built by
  fontTools only on a cache miss and kept compressed in an LRU keyed by the *set of glyph
  ids* (plus the digits and separators of the time line, so a person's next signature
  hits the cache whatever the time). A miss costs what pyHanko's path cost.

The PDF objects written are the ones pyHanko writes (Type0 / CIDFontType2 with
``/CIDToGIDMap /Identity``, ``/W``, ``/ToUnicode``, ``/FontFile2``), except that ``/W``
and the descriptor metrics are in the 1/1000 em glyph space PDF expects (pyHanko 0.38
writes raw font units, which spreads Roboto's 2048-unit glyphs ~2x apart).

Relies on two module-level helpers of ``pyhanko.pdf_utils.font.opentype`` (pyHanko is
pinned at 0.38.0): ``_format_cid_glyphline_from_buffer`` and ``_gids_by_cluster``.
"""

from __future__ import annotations

import functools
import hashlib
import os
import zlib
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import uharfbuzz as hb
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.api import FontEngine, FontEngineFactory, ShapeResult
from pyhanko.pdf_utils.font.opentype import (
    _format_cid_glyphline_from_buffer,
    _gids_by_cluster,
    _segment_cmap,
)
from pyhanko.pdf_utils.generic import pdf_name, pdf_string

from ecabinet.fonts import cut_to_vietnamese

# always in the subset so the changing time line does not change the cache key
_ALWAYS = "0123456789/:.- "
_UNITS = 1000  # PDF glyph space for Type0 fonts
_SUBSET_CACHE = 64

_TOUNICODE_HEADER = (
    "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
    "/CIDSystemInfo <<\n/Registry (Adobe)\n/Ordering (UCS2)\n/Supplement 0\n>> def\n"
    "/CMapName /Adobe-Identity-UCS2 def\n/CMapType 2 def\n"
    "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
)
_TOUNICODE_FOOTER = "\nendcmap\nCMapName\ncurrentdict\n/CMap defineresource\npop\nend\nend"


def roboto_path() -> str:
    import font_roboto

    return os.path.join(os.path.dirname(font_roboto.__file__), "files", "Roboto-Regular.ttf")


@dataclass(frozen=True)
class FontProgram:
    """A font ready for stamping: immutable after construction, shared by all threads."""

    ps_name: str
    embedding_bytes: bytes  # TrueType without layout tables; source for subsets
    hb_font: hb.Font  # shaping font with GSUB/GPOS, scaled to 1000 units per em
    widths: dict[int, int]  # glyph id -> advance in 1/1000 em
    glyph_codepoints: dict[int, frozenset[int]]  # glyph id -> code points (reverse cmap)
    codepoints: frozenset[int]  # what the font covers
    always_gids: frozenset[int]
    descriptor: dict[str, Any]  # FontDescriptor entries except /FontName and /FontFile2
    key: str  # identifies the program in the subset cache


@functools.cache
def font_program(full: bool = False) -> FontProgram:
    """Roboto, prepared once per process: the Vietnamese/Latin repertoire by default,
    the whole font (``full=True``) only for text outside it."""
    from fontTools.ttLib import TTFont

    with open(roboto_path(), "rb") as fh:
        tt = TTFont(BytesIO(fh.read()))
    if not full:
        cut_to_vietnamese(tt)
    shaping = BytesIO()
    tt.save(shaping)
    # reload so every table is parsed from the saved form the glyph ids refer to
    tt = TTFont(BytesIO(shaping.getvalue()))
    cmap = tt.getBestCmap()
    upem = tt["head"].unitsPerEm
    scale = _UNITS / upem
    hmtx = tt["hmtx"]
    order = tt.getGlyphOrder()
    gid_of = {name: gid for gid, name in enumerate(order)}
    widths = {gid: round(hmtx[name][0] * scale) for gid, name in enumerate(order)}
    by_glyph: dict[int, set[int]] = {}
    for cp, name in cmap.items():
        by_glyph.setdefault(gid_of[name], set()).add(cp)
    name_rec = next(nr for nr in tt["name"].names if nr.nameID == 6)
    ps_name = name_rec.toUnicode()
    head, hhea, os2 = tt["head"], tt["hhea"], tt["OS/2"]
    descriptor = {
        "/Type": pdf_name("/FontDescriptor"),
        "/Ascent": generic.NumberObject(round(hhea.ascent * scale)),
        "/Descent": generic.NumberObject(round(hhea.descent * scale)),
        "/FontBBox": generic.ArrayObject(
            generic.NumberObject(round(v * scale))
            for v in (head.xMin, head.yMin, head.xMax, head.yMax)
        ),
        # non-symbolic (Latin text) sans-serif
        "/Flags": generic.NumberObject(0b100000),
        "/StemV": generic.NumberObject(int(10 + 220 * (os2.usWeightClass - 50) / 900)),
        "/ItalicAngle": generic.FloatObject(getattr(tt["post"], "italicAngle", 0)),
        "/CapHeight": generic.NumberObject(round(getattr(os2, "sCapHeight", 1434) * scale)),
    }
    always = frozenset(gid_of[cmap[ord(ch)]] for ch in _ALWAYS if ord(ch) in cmap)
    for tag in ("GSUB", "GPOS", "GDEF"):
        if tag in tt:
            del tt[tag]
    embedding = BytesIO()
    tt.save(embedding)
    hb_font = hb.Font(hb.Face(shaping.getvalue()))
    hb_font.scale = (_UNITS, _UNITS)
    return FontProgram(
        ps_name=ps_name,
        embedding_bytes=embedding.getvalue(),
        hb_font=hb_font,
        widths=widths,
        glyph_codepoints={gid: frozenset(cps) for gid, cps in by_glyph.items()},
        codepoints=frozenset(cmap),
        always_gids=always,
        descriptor=descriptor,
        key=hashlib.sha256(embedding.getvalue()).hexdigest()[:16],
    )


@functools.lru_cache(maxsize=_SUBSET_CACHE)
def _subset_font_file(full: bool, key: str, gids: frozenset[int]) -> bytes:
    """Deflated TrueType subset holding ``gids`` (glyph ids unchanged)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    program = font_program(full)
    assert program.key == key
    opts = subset.Options(layout_closure=False, retain_gids=True, notdef_outline=True)
    opts.drop_tables += ["GPOS", "GDEF", "GSUB"]
    tt = TTFont(BytesIO(program.embedding_bytes))
    sub = subset.Subsetter(options=opts)
    sub.populate(gids=sorted(gids))
    sub.subset(tt)
    out = BytesIO()
    tt.save(out)
    return zlib.compress(out.getvalue())


def subset_cache_info() -> Any:
    return _subset_font_file.cache_info()


class StampFontEngine(FontEngine):
    """A :class:`FontEngine` over a shared :class:`FontProgram`: shaping collects the glyphs
    used; ``prepare_write`` embeds the (cached) subset with widths and a ToUnicode map."""

    def __init__(
        self, writer: Any, program: FontProgram, full: bool, font_size: int, obj_stream: Any
    ) -> None:
        super().__init__(
            writer,
            program.ps_name,
            embedded_subset=True,
            obj_stream=obj_stream,
            font_size=font_size,
        )
        self._program = program
        self._full = full
        self._font_ref = writer.allocate_placeholder()
        self._used: set[int] = set()
        self._cid_to_unicode: dict[int, str] = {}
        self._written = False

    def _cid_and_width(self, gid: int) -> tuple[int, int]:
        self._used.add(gid)
        return gid, self._program.widths.get(gid, 0)

    def shape(self, txt: str, with_actual_text: bool = True) -> ShapeResult:
        if not txt:
            return ShapeResult(b"", 0, 0)
        buf = hb.Buffer()
        buf.add_str(txt)
        buf.guess_segment_properties()
        hb.shape(self._program.hb_font, buf, None)
        text_ops, (total_x, total_y) = _format_cid_glyphline_from_buffer(
            buf,
            cid_width_callback=self._cid_and_width,
            units_per_em=_UNITS,
            font_size=self.font_size,
            vertical=buf.direction in ("ttb", "btt"),
        )
        # ToUnicode, as pyHanko builds it: one entry per single-glyph cluster; the glyphs
        # of a multi-glyph cluster map to the code points of the cluster they stand for
        for cluster, next_cluster, glyph_ids in _gids_by_cluster(buf):
            chars = txt[cluster:] if next_cluster is None else txt[cluster:next_cluster]
            if len(glyph_ids) == 1:
                if glyph_ids[0]:
                    self._cid_to_unicode[glyph_ids[0]] = chars
                continue
            relevant = {ord(c) for c in chars}
            for gid in glyph_ids:
                if gid and gid not in self._cid_to_unicode:
                    for cp in sorted(self._program.glyph_codepoints.get(gid, frozenset()) & relevant):
                        self._cid_to_unicode[gid] = chr(cp)
        if with_actual_text:
            props = generic.DictionaryObject({pdf_name("/ActualText"): pdf_string(txt)})
            out = BytesIO()
            out.write(b"/Span ")
            props.write_to_stream(out)
            out.write(b" BDC ")
            out.write(text_ops)
            out.write(b" EMC")
            text_ops = out.getvalue()
        return ShapeResult(
            graphics_ops=text_ops, x_advance=total_x / _UNITS, y_advance=total_y / _UNITS
        )

    def _widths(self) -> generic.ArrayObject:
        out = generic.ArrayObject()
        run: list[generic.NumberObject] = []
        start = prev = -1  # set by the first glyph of each run before they are read
        for gid in sorted(self._used):
            if run and gid != prev + 1:
                out += [generic.NumberObject(start), generic.ArrayObject(run)]
                run = []
            if not run:
                start = gid
            run.append(generic.NumberObject(self._program.widths.get(gid, 0)))
            prev = gid
        if run:
            out += [generic.NumberObject(start), generic.ArrayObject(run)]
        return out

    def _tounicode(self) -> generic.StreamObject:
        pairs = ((cid, s.encode("utf-16be")) for cid, s in self._cid_to_unicode.items())
        body = "\n".join(_segment_cmap(pairs)) if self._cid_to_unicode else ""
        data = (_TOUNICODE_HEADER + body + _TOUNICODE_FOOTER).encode("ascii")
        stream = generic.StreamObject(stream_data=data)
        stream.compress()
        return stream

    def prepare_write(self) -> None:
        if self._written:
            return
        self._written = True
        program, writer, objs = self._program, self.writer, self.obj_stream
        gids = frozenset(self._used) | program.always_gids
        font_file = _subset_font_file(self._full, program.key, gids)
        name = f"{self.subset_prefix}+{program.ps_name}"
        file_ref = writer.add_object(
            generic.StreamObject(
                {pdf_name("/Filter"): pdf_name("/FlateDecode")}, encoded_data=font_file
            )
        )
        descriptor = generic.DictionaryObject(program.descriptor)
        descriptor[pdf_name("/FontName")] = pdf_name("/" + name)
        descriptor[pdf_name("/FontFile2")] = file_ref
        cidfont = generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Font"),
                pdf_name("/Subtype"): pdf_name("/CIDFontType2"),
                pdf_name("/BaseFont"): pdf_name("/" + name),
                pdf_name("/CIDSystemInfo"): generic.DictionaryObject(
                    {
                        pdf_name("/Registry"): pdf_string("Adobe"),
                        pdf_name("/Ordering"): pdf_string("Identity"),
                        pdf_name("/Supplement"): generic.NumberObject(0),
                    }
                ),
                pdf_name("/FontDescriptor"): writer.add_object(descriptor, obj_stream=objs),
                pdf_name("/CIDToGIDMap"): pdf_name("/Identity"),
                pdf_name("/DW"): generic.NumberObject(_UNITS),
                pdf_name("/W"): self._widths(),
            }
        )
        type0 = generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Font"),
                pdf_name("/Subtype"): pdf_name("/Type0"),
                pdf_name("/BaseFont"): pdf_name(f"/{name}-Identity-H"),
                pdf_name("/Encoding"): pdf_name("/Identity-H"),
                pdf_name("/DescendantFonts"): generic.ArrayObject(
                    [writer.add_object(cidfont, obj_stream=objs)]
                ),
                pdf_name("/ToUnicode"): writer.add_object(self._tounicode()),
            }
        )
        writer.add_object(type0, objs, idnum=self._font_ref.idnum)

    def as_resource(self) -> generic.IndirectObject:
        return self._font_ref


@dataclass(frozen=True)
class StampFontFactory(FontEngineFactory):
    full: bool = False
    font_size: int = 8  # pyHanko's text style sizes are whole points
    create_objstream_if_needed: bool = True

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> StampFontEngine:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return StampFontEngine(
            writer, font_program(self.full), self.full, self.font_size, obj_stream
        )
