"""The one font of every document: DejaVu Sans (Latin Extended, Greek, Cyrillic).

Registered once per process with ReportLab for page text, and prepared once per process
as the PDF objects of the AcroForm default-resources font that form fields type with.

The field font is a composite font (Type0, Identity-H, CIDFontType2 with CID = glyph id
and a /ToUnicode map), not a simple TrueType: a simple font reaches only 256 codes, so with
WinAnsiEncoding every filler that draws a field's appearance from `/DR` (pdftk, pdf.js,
pypdf, PyMuPDF's readers) lost ł, ș, İ, Greek and Cyrillic. The font program is a
fontTools subset of DejaVu Sans that keeps every glyph of the European scripts a host may
type (Latin with all its extensions, Greek with polytonic, Cyrillic, Armenian, Georgian,
punctuation, currency and letter-like symbols): about a quarter of the full font's size.
The subset keeps its TrueType `cmap`, so a viewer that redraws a field from `/V`
(NeedAppearances, or a user editing) finds the glyph of each character in the program.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from pipeline.paths import FONTS_DIR

REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
FIELD_FONT_NAME = "DejaVu"  # resource name in /AcroForm /DR and in every field's /DA

# Unicode blocks the field font keeps (inclusive ranges). Left out of DejaVu Sans: math,
# arrows, box drawing, Braille, dingbats, emoji-like symbols, Canadian syllabics, and the
# right-to-left scripts, which no form filler shapes anyway.
FIELD_FONT_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x024F),  # Latin-1 Supplement, Latin Extended-A and -B (ș ț İ ı ł ő ų ė …)
    (0x0250, 0x036F),  # IPA, spacing modifier letters, combining diacritics
    (0x0370, 0x03FF),  # Greek and Coptic
    (0x0400, 0x052F),  # Cyrillic and Cyrillic Supplement
    (0x0530, 0x058F),  # Armenian
    (0x10A0, 0x10FF),  # Georgian
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese, Welsh ŵ ŷ …)
    (0x1F00, 0x1FFF),  # Greek Extended (polytonic)
    (0x2000, 0x206F),  # General Punctuation: „ “ ” ‘ ’ ‚ – — … ‰ ‹ ›
    (0x2070, 0x209F),  # superscripts and subscripts
    (0x20A0, 0x20CF),  # currency: € ₴ ₽ ₺ ₾ …
    (0x2100, 0x218F),  # letter-like symbols (№ ℃ ™), number forms (½ Ⅳ)
    (0x2C60, 0x2C7F),  # Latin Extended-C
    (0xA720, 0xA7FF),  # Latin Extended-D
    (0xFB00, 0xFB06),  # Latin ligatures
    (0xFFFD, 0xFFFD),  # replacement character
)


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
    """What the Type0 font dictionary for /DR needs, computed once."""

    base_font: str  # PostScript name with the subset tag, e.g. "DJVFLD+DejaVuSans"
    program_deflated: bytes  # the subset TrueType program, Flate-compressed
    program_length: int
    widths: list[int]  # advance width of CID (= glyph id) 0, 1, 2, … in 1/1000 em
    to_unicode: bytes  # the /ToUnicode CMap: CID → Unicode
    codes: dict[int, int]  # Unicode code point → CID, for every character the font keeps
    ascent: int
    descent: int
    cap_height: int
    bbox: list[int]
    italic_angle: float
    stem_v: int
    flags: int


def _subset_program() -> bytes:
    """DejaVu Sans cut to FIELD_FONT_RANGES, without hinting or OpenType layout tables.

    Deterministic: fontTools keeps the input's head.modified (recalc_timestamp off), so
    the same font file gives the same bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont as FTFont

    options = subset.Options()
    options.hinting = False  # PDF renderers hint themselves or not at all
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM", "MATH"]
    options.name_IDs = ["*"]  # keep copyright and licence strings
    options.notdef_outline = True
    options.glyph_names = False
    options.recalc_timestamp = False
    options.recalc_bounds = True
    font = FTFont(FONTS_DIR / f"{REGULAR}.ttf", recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[u for lo, hi in FIELD_FONT_RANGES for u in range(lo, hi + 1)])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _to_unicode_cmap(cid_to_unicode: dict[int, int]) -> bytes:
    lines = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
        "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange",
    ]
    items = sorted(cid_to_unicode.items())
    for start in range(0, len(items), 100):
        chunk = items[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        for cid, code in chunk:
            utf16 = chr(code).encode("utf-16-be").hex().upper()
            lines.append(f"<{cid:04X}> <{utf16}>")
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return ("\n".join(lines) + "\n").encode("ascii")


@lru_cache(maxsize=None)
def field_font() -> FieldFont:
    """The subset program and the metrics of the composite field font."""
    from fontTools.ttLib import TTFont as FTFont

    register_fonts()
    raw = _subset_program()
    font = FTFont(io.BytesIO(raw))
    order = font.getGlyphOrder()
    gid = {name: i for i, name in enumerate(order)}
    scale = 1000 / font["head"].unitsPerEm
    hmtx = font["hmtx"]
    widths = [round(hmtx[name][0] * scale) for name in order]
    codes = {code: gid[name] for code, name in font.getBestCmap().items()}
    cid_to_unicode: dict[int, int] = {}
    for code, cid in sorted(codes.items()):
        cid_to_unicode.setdefault(cid, code)  # a glyph shared by several code points: the first
    face = pdfmetrics.getFont(REGULAR).face
    tag = "DJVFLD"  # fixed subset tag: the same program always gets the same name
    return FieldFont(
        base_font=f"{tag}+DejaVuSans",
        program_deflated=zlib.compress(raw, 9),
        program_length=len(raw),
        widths=widths,
        to_unicode=_to_unicode_cmap(cid_to_unicode),
        codes=codes,
        ascent=int(face.ascent),
        descent=int(face.descent),
        cap_height=int(face.capHeight),
        bbox=[int(v) for v in face.bbox],
        italic_angle=float(face.italicAngle),
        stem_v=int(face.stemV),
        flags=32,  # non-symbolic: Latin text
    )


@lru_cache(maxsize=None)
def printable_characters() -> frozenset[int]:
    """Code points the embedded font has glyphs for; anything else would print as a box."""
    register_fonts()
    return frozenset(pdfmetrics.getFont(REGULAR).face.charToGlyph)
