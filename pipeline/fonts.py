"""The one font of every document: DejaVu Sans (Latin Extended, Greek, Cyrillic).

Registered once per process with ReportLab for page text, and prepared once per process
as the PDF objects of the AcroForm default-resources font that form fields type with.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from pipeline.paths import FONTS_DIR

REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
FIELD_FONT_NAME = "DejaVu"  # resource name in /AcroForm /DR and in every field's /DA


@lru_cache(maxsize=None)
def register_fonts() -> None:
    """Register the page fonts with ReportLab (embedded as subsets in the page text)."""
    pdfmetrics.registerFont(TTFont(REGULAR, FONTS_DIR / f"{REGULAR}.ttf"))
    pdfmetrics.registerFont(TTFont(BOLD, FONTS_DIR / f"{BOLD}.ttf"))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)


@dataclass(frozen=True)
class FieldFont:
    """What the simple TrueType font dictionary for /DR needs, computed once."""

    program_deflated: bytes  # the full font file, Flate-compressed
    program_length: int
    widths: list[int]  # for WinAnsi codes 32..255
    ascent: int
    descent: int
    cap_height: int
    bbox: list[int]
    italic_angle: float
    stem_v: int
    flags: int


@lru_cache(maxsize=None)
def field_font() -> FieldFont:
    """The full (not subset) font program: hosts may type any character into a field."""
    register_fonts()
    raw = (FONTS_DIR / f"{REGULAR}.ttf").read_bytes()
    face = pdfmetrics.getFont(REGULAR).face
    widths = []
    for code in range(32, 256):
        try:
            char = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            widths.append(0)
            continue
        widths.append(round(pdfmetrics.stringWidth(char, REGULAR, 1000)))
    return FieldFont(
        program_deflated=zlib.compress(raw, 9),
        program_length=len(raw),
        widths=widths,
        ascent=int(face.ascent),
        descent=int(face.descent),
        cap_height=int(face.capHeight),
        bbox=[int(v) for v in face.bbox],
        italic_angle=float(face.italicAngle),
        stem_v=int(face.stemV),
        flags=32,  # non-symbolic: the font is used with WinAnsiEncoding
    )


@lru_cache(maxsize=None)
def printable_characters() -> frozenset[int]:
    """Code points the embedded font has glyphs for; anything else would print as a box."""
    register_fonts()
    return frozenset(pdfmetrics.getFont(REGULAR).face.charToGlyph)
