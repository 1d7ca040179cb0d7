"""A missing-glyph detector for filled form fields, usable on any engine's rendering.

Method (no OCR, no reference font needed, so it also judges appearances drawn in another
typeface, e.g. PyMuPDF's Helvetica fallback):

1. The field is filled with a *probe*: a "?" followed by the letters under test, each
   separated by two spaces (`probe(letters)`), e.g. "?  Ł  ż  ș  Ж".
2. The widget's rectangle is rendered (any engine, `render_*` below) and binarized; ink
   columns are grouped into glyph clusters, a gap narrower than a fraction of the line's
   ink height (parts of „ or of ы) does not split a cluster, a double space does.
3. A letter counts as shown only if (a) there are exactly 1 + len(letters) clusters — an
   engine that drops a character it cannot encode (pdftk: "Łukasz" → "ukasz", PDFium's
   ș ț İ) leaves fewer; (b) its cluster does not look like the "?" cluster — fillers that
   substitute "?" for unencodable characters (pypdf's code-page path); (c) it does not look
   like the cluster of a *different* letter of the same probe — .notdef boxes and other
   stand-ins all look alike. The probes hold no homoglyphs (Latin o / Greek ο / Cyrillic о).

Known blind spot: a probe in which exactly one letter is drawn as a .notdef box passes (c);
the probes therefore always test several letters of a script together, and a font that
lacks a script lacks all of its letters.

`check()` returns a list of problems (empty: every letter shows). Engines: PDFium
(pypdfium2, forms drawn), MuPDF (PyMuPDF `get_pixmap`, annotations drawn), poppler
(`pdftoppm`).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image, ImageChops, ImageStat

SCALE = 4  # 288 dpi: a 9 pt glyph is about 25 px wide
INK = 150  # gray level below which a pixel is ink (field backgrounds are ~240)
INSET = 1.5  # points cut off each side of the widget rectangle (its border)

# The letters under test, per script: what distinguishes each script, upper and lower case.
SCRIPTS: dict[str, str] = {
    "polish": "ĄąĆćĘęŁłŃńŚśŹźŻżÓó",
    "romanian": "ȘșȚțĂăÂâÎî",
    "turkish": "İıŞşĞğÇçÖöÜü",
    "czech": "ČčĎďĚěŇňŘřŤťŮůÝýŽž",
    "lithuanian": "ĖėĮįŲųŪūŠš",
    "greek": "ΓΔΘΛΞΠΣΦΨΩάέήίόύώςαβγδζλξπφψωϊΐ",
    "cyrillic": "БГДЖЗИЙЛПФЦЧШЩЪЫЬЭЮЯбвгджзийлпфцчшщъыьэюяЁёЇїЄєҐґЎўЂђЉљЊњЋћЏџ",
    "symbols": "€„“”‘’–«»…",
}
SENTINEL = "?"


def probe(letters: str) -> str:
    """The value to fill in: "?" then the letters, two spaces apart."""
    return SENTINEL + "".join(f"  {c}" for c in letters)


def chunks(letters: str, size: int) -> list[str]:
    return [letters[i:i + size] for i in range(0, len(letters), size)]


# --- the detector -------------------------------------------------------------------


@dataclass
class _Cluster:
    x0: int
    x1: int
    bitmap: Image.Image  # the cluster's ink (gray, bright = ink), cropped to its bounding box


def _clusters(image: Image.Image) -> list[_Cluster]:
    ink = image.convert("L").point(lambda v: 255 - v)  # ink bright, paper dark
    mask = ink.point(lambda v: 255 if v > 255 - INK else 0)
    width, height = mask.size
    box = mask.getbbox()
    if box is None:
        return []
    # Cluster gap: wider than the gaps inside „ … ы (about 0.25 em), narrower than two
    # spaces (0.64 em or more); the line's ink height is about 0.7 to 1.2 em.
    min_gap = max(2, round(0.4 * (box[3] - box[1])))
    data = mask.tobytes()
    columns = [any(data[x::width]) for x in range(width)]
    runs: list[list[int]] = []
    for x, has_ink in enumerate(columns):
        if not has_ink:
            continue
        if runs and x - runs[-1][1] <= min_gap:
            runs[-1][1] = x
        else:
            runs.append([x, x])
    clusters = []
    for x0, x1 in runs:
        part = mask.crop((x0, 0, x1 + 1, height))
        bx0, _, bx1, _ = part.getbbox()
        # full line height kept: „ and ” differ only in where they sit
        clusters.append(_Cluster(x0, x1, ink.crop((x0 + bx0, 0, x0 + bx1, height))))
    return clusters


def difference(a: Image.Image, b: Image.Image) -> float:
    """How unlike two clusters are, on a coarse grid that hides sub-pixel positioning:
    the same "?" drawn at two places gave <= 0.24, "?" against a letter >= 0.6."""
    if abs(a.width - b.width) > 3 or abs(a.height - b.height) > 3:
        return 1.0
    w, h = max(a.width, b.width), max(a.height, b.height)
    pa, pb = Image.new("L", (w, h)), Image.new("L", (w, h))
    pa.paste(a, (0, 0))
    pb.paste(b, (0, 0))
    pa, pb = pa.reduce(3), pb.reduce(3)
    diff = ImageStat.Stat(ImageChops.difference(pa, pb)).sum[0]
    union = ImageStat.Stat(ImageChops.lighter(pa, pb)).sum[0]
    return diff / union if union else 1.0


def is_box(cluster: Image.Image) -> bool:
    """A .notdef box: ink along the whole of all four edges of its bounding box and a
    clear inside. None of the letters in SCRIPTS has that shape (П lacks a bottom edge,
    Ш a top edge, О its corners)."""
    mask = cluster.point(lambda v: 255 if v > 255 - INK else 0)
    box = mask.getbbox()
    if box is None:
        return False
    mask = mask.crop(box)
    w, h = mask.size
    if w < 4 or h < 4:
        return False
    data = mask.tobytes()

    def covered(pixels: list[int]) -> float:
        return sum(1 for p in pixels if p) / len(pixels)

    edges = [
        [max(data[y * w + x] for y in range(2)) for x in range(w)],
        [max(data[y * w + x] for y in range(h - 2, h)) for x in range(w)],
        [max(data[y * w + x] for x in range(2)) for y in range(h)],
        [max(data[y * w + x] for x in range(w - 2, w)) for y in range(h)],
    ]
    inside = [data[y * w + x] for y in range(h // 3, 2 * h // 3) for x in range(w // 3, 2 * w // 3)]
    return all(covered(e) > 0.9 for e in edges) and (not inside or covered(inside) < 0.2)


QUESTION_MARK = 0.4  # difference() below this: the letter was drawn as "?" (measured: same "?" <= 0.24, letters >= 0.6)


def check(image: Image.Image, letters: str) -> list[str]:
    """Problems seen in a widget rendering filled with `probe(letters)`; [] = all shown."""
    clusters = _clusters(image)
    if len(clusters) != 1 + len(letters):
        return [f"expected {1 + len(letters)} glyphs ('?' + {letters!r}), saw {len(clusters)}"]
    sentinel, shown = clusters[0], clusters[1:]
    problems = []
    for char, cluster in zip(letters, shown):
        if char != SENTINEL and difference(cluster.bitmap, sentinel.bitmap) < QUESTION_MARK:
            problems.append(f"{char!r} drawn as '?'")
        elif is_box(cluster.bitmap):
            problems.append(f"{char!r} drawn as a box (.notdef)")
    return problems


# --- where the widgets are ----------------------------------------------------------


def widget_boxes(path: Path) -> dict[str, tuple[int, tuple[float, float, float, float], float]]:
    """Text field name → (page index, widget /Rect, page height) for every visible text field."""
    boxes = {}
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
        heights = [float(p.mediabox[3]) for p in pdf.pages]
        for i, page in enumerate(pdf.pages):
            for annot in page.obj.get("/Annots", []):
                field = annot if "/T" in annot else annot.get("/Parent")
                if field is None or field.get("/FT") != "/Tx" or int(annot.get("/F", 0)) & 2:
                    continue
                boxes[str(field.T)] = (i, tuple(float(v) for v in annot.Rect), heights[i])
        del pages
    return boxes


def crop(page_image: Image.Image, rect, page_height: float) -> Image.Image:
    x0, y0, x1, y1 = rect
    return page_image.crop((round((x0 + INSET) * SCALE), round((page_height - y1 + INSET) * SCALE),
                            round((x1 - INSET) * SCALE), round((page_height - y0 - INSET) * SCALE)))


# --- engines: each returns page index → grayscale image at SCALE ---------------------


def render_pdfium(path: Path, pages: set[int]) -> dict[int, Image.Image]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        document.init_forms()
        return {i: document[i].render(scale=SCALE, may_draw_forms=True).to_pil().convert("L") for i in pages}
    finally:
        document.close()


def render_mupdf(path: Path, pages: set[int]) -> dict[int, Image.Image]:
    import pymupdf

    with pymupdf.open(path) as doc:
        out = {}
        for i in pages:
            pix = doc[i].get_pixmap(matrix=pymupdf.Matrix(SCALE, SCALE), colorspace=pymupdf.csGRAY, annots=True)
            out[i] = Image.frombytes("L", (pix.width, pix.height), pix.samples)
        return out


def render_poppler(path: Path, pages: set[int]) -> dict[int, Image.Image]:
    pdftoppm = shutil.which("pdftoppm")
    if not pdftoppm:
        raise FileNotFoundError("pdftoppm (poppler-utils)")
    out = {}
    for i in pages:
        png = subprocess.run([pdftoppm, "-r", str(72 * SCALE), "-gray", "-png", "-f", str(i + 1), "-l", str(i + 1),
                              "-singlefile", str(path)], check=True, capture_output=True, timeout=120).stdout
        out[i] = Image.open(io.BytesIO(png)).convert("L")
    return out


ENGINES = {"pdfium": render_pdfium, "mupdf": render_mupdf, "poppler": render_poppler}


def missing_in(path: Path, engine: str, values: dict[str, str]) -> dict[str, list[str]]:
    """Render `path` with `engine`; for each field filled with probe(letters) (values maps
    field name → letters), the problems check() finds. Only fields with problems appear."""
    boxes = widget_boxes(path)
    images = ENGINES[engine](path, {boxes[name][0] for name in values})
    problems = {}
    for name, letters in values.items():
        page, rect, height = boxes[name]
        found = check(crop(images[page], rect, height), letters)
        if found:
            problems[name] = found
    return problems


def assign(boxes_multiline: dict[str, bool], chunk: int = 10) -> dict[str, str]:
    """Field name → letters for one fill: every script's first chunk of letters first, then
    the rest, starting over when every chunk is used; a single-line field takes two chunks,
    a multiline field (auto-sized, so the font may be larger) one."""
    first, rest = [], []
    for letters in SCRIPTS.values():
        n = -(-len(letters) // chunk)
        size = -(-len(letters) // n)
        parts = chunks(letters, size)
        first.append(parts[0])
        rest.extend(parts[1:])
    order = first + rest
    values, k = {}, 0
    for name, multiline in boxes_multiline.items():
        take = 1 if multiline else 2
        values[name] = "".join(order[(k + i) % len(order)] for i in range(take))
        k += take
    return values


def text_fields(path: Path) -> dict[str, bool]:
    """Visible text field name → multiline?"""
    with pikepdf.open(path) as pdf:
        return {str(f.T): bool(int(f.get("/Ff", 0)) & (1 << 12)) for f in pdf.Root.AcroForm.Fields
                if f.get("/FT") == "/Tx" and not int(f.get("/F", 0)) & 2}
