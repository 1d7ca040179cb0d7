"""What a host sees: PDFium (the engine in Chrome and Edge) renders the forms with
their fields, shows a selected rating, and draws Greek/Cyrillic typed into a field."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from tests.conftest import require_tool, run

pdfium = pytest.importorskip("pypdfium2")
SCALE = 2


def render(path: Path, page_index: int = 0):
    document = pdfium.PdfDocument(path)
    document.init_forms()
    page = document[page_index]
    return page.render(scale=SCALE, may_draw_forms=True).to_pil().convert("L"), page.get_height()


def rect_of(path: Path, name: str, value: str | None = None) -> tuple[float, float, float, float]:
    with pikepdf.open(path) as pdf:
        field = next(f for f in pdf.Root.AcroForm.Fields if f.T == name)
        widgets = field.Kids if "/Kids" in field else [field]
        for widget in widgets:
            if value is None or f"/{value}" in widget.AP.N.keys():
                return tuple(float(v) for v in widget.Rect)
    raise KeyError(name)


def dark_pixels(image, height: float, rect) -> int:
    x0, y0, x1, y1 = rect
    box = (int(x0 * SCALE) + 3, int((height - y1) * SCALE) + 3, int(x1 * SCALE) - 3, int((height - y0) * SCALE) - 3)
    return sum(image.crop(box).histogram()[:100])  # pixels darker than 100/255


def test_pdfium_shows_the_selected_rating_only(minimal_out, tmp_path):
    require_tool("pdftk")
    source = minimal_out / "m1" / "skills-assessment.en.pdf"
    xfdf = tmp_path / "v.xfdf"
    xfdf.write_text('<?xml version="1.0" encoding="UTF-8"?><xfdf xmlns="http://ns.adobe.com/xfdf/"><fields>'
                    '<field name="sa_pastry_c02"><value>3</value></field></fields></xfdf>', encoding="utf-8")
    filled = tmp_path / "filled.pdf"
    run("pdftk", str(source), "fill_form", str(xfdf), "output", str(filled))
    image, height = render(filled)
    marks = {v: dark_pixels(image, height, rect_of(filled, "sa_pastry_c02", v))
             for v in ("1", "2", "3", "not_assessed")}
    assert marks["3"] > 20 and marks["1"] == marks["2"] == marks["not_assessed"] == 0, marks


def test_pdfium_draws_greek_and_cyrillic_typed_into_a_field(minimal_out, tmp_path):
    pytest.importorskip("fontTools")
    from pypdf import PdfReader, PdfWriter
    source = minimal_out / "m1" / "skills-assessment.en.pdf"
    rect = rect_of(source, "sa_supervisor_name")
    page_index = 0
    with pikepdf.open(source) as pdf:
        for i, page in enumerate(pdf.pages):
            if any(a.get("/T") == "sa_supervisor_name" for a in page.get("/Annots", [])):
                page_index = i
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.update_page_form_field_values(None, {"sa_supervisor_name": "Ζωή Жукова-Łęcka"}, auto_regenerate=False)
    filled = tmp_path / "filled.pdf"
    writer.write(filled)
    before, height = render(source, page_index)
    after, _ = render(filled, page_index)
    assert dark_pixels(before, height, rect) == 0
    assert dark_pixels(after, height, rect) > 150  # real glyphs, not an empty box


def test_pdfium_extracts_the_printed_names(minimal_out):
    document = pdfium.PdfDocument(minimal_out / "m1" / "learning-agreement.de.pdf")
    text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "Ελένη Žáková-Łukasik" in text and "Агенция Мобилност" in text
