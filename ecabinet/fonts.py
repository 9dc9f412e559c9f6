"""The letters eCabinet's stamps are written in, and a font cut down to them.

Django-free: the PDF engine's worker processes (signing.pdf) use it too. Loading and subsetting
the whole Roboto (300 KB, every script it covers) is most of the cost of drawing a stamp; a font
of only these letters takes about a third. A stamp with any other letter is drawn from the
whole font, so no name ever loses a letter.
"""

from __future__ import annotations

from fontTools import subset
from fontTools.ttLib import TTFont

# ASCII, Latin-1, Latin Extended-A, O/U-horn, combining tone marks, the Vietnamese part of
# Latin Extended Additional, dashes and quotes, the dong and euro signs: Vietnamese names and units.
VIETNAMESE_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0x17F),
    (0x1A0, 0x1B0),
    (0x300, 0x323),
    (0x1EA0, 0x1EF9),
    (0x2010, 0x2030),
    (0x20AB, 0x20AC),
)
VIETNAMESE_LETTERS = frozenset(chr(code) for first, last in VIETNAMESE_RANGES for code in range(first, last + 1))


def cut_to_vietnamese(font: TTFont, *, layout: bool = True) -> None:
    """Keep only VIETNAMESE_LETTERS in `font` (in place), with the layout features that place
    the tone marks, or (``layout=False``) without any layout table: for text drawn without
    shaping, in precomposed (NFC) letters, where they are never read, and where every later
    subset of the font (fpdf2 subsets at each output) would decode them again."""
    options = subset.Options(layout_features=["*"] if layout else [], name_IDs=["*"], notdef_outline=True)
    if not layout:
        options.drop_tables += ["GSUB", "GPOS", "GDEF"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(letter) for letter in VIETNAMESE_LETTERS])
    subsetter.subset(font)
