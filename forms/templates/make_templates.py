"""Write the docxtpl templates of the three forms (run by `make templates`).

The templates are generic: they loop over the sections and rows of the render context
that `pipeline.context` builds from each form's declaration, so a field added to a
declaration appears in the DOCX without touching a template. A designer may restyle a
template in Word or LibreOffice; keep the Jinja tags intact.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
FORMS = ("learning-agreement", "skills-assessment", "personal-transcript")
FONT = "Arial"  # Word and LibreOffice (as Liberation Sans) both cover Latin, Greek and Cyrillic


def set_font(style, size: float, bold: bool = False, color: RGBColor | None = None) -> None:
    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.bold = bold
    if color is not None:
        style.font.color.rgb = color
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def cell_margins(table, **twips: int) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side, value in twips.items():
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(value))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    table._tbl.tblPr.append(margins)


def build(form_id: str) -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    set_font(doc.styles["Normal"], 9.5)
    set_font(doc.styles["Title"], 18, bold=True, color=RGBColor(0, 0, 0))
    set_font(doc.styles["Heading 2"], 11.5, bold=True, color=RGBColor(0, 0, 0))
    set_font(doc.styles["Subtitle"], 9.5, color=RGBColor(0x55, 0x55, 0x55))

    doc.add_paragraph("{{ form.annex_label }}", style="Subtitle")
    doc.add_paragraph("{{ form.title }}", style="Title")
    doc.add_paragraph("{%p for text in intro %}")
    doc.add_paragraph("{{ text }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p for section in sections %}")
    doc.add_paragraph("{{ section.heading }}", style="Heading 2")
    doc.add_paragraph("{%p if section.rows %}")
    table = doc.add_table(rows=7, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    widths = (Cm(6.2), Cm(11.2))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid: LibreOffice sizes columns from it
    cell_margins(table, top=40, bottom=40, left=90, right=90)
    tags = [
        ("{%tr for row in section.rows %}", None),
        ("{%tr if row.strong %}", None),
        ("{{ row.label }}", "{{ row.value }}"),
        ("{%tr else %}", None),
        ("{{ row.label }}", "{{ row.value }}"),
        ("{%tr endif %}", None),
        ("{%tr endfor %}", None),
    ]
    for r, (left, right) in enumerate(tags):
        cells = table.rows[r].cells
        for c, width in enumerate(widths):
            cells[c].width = width
        cells[0].text = left
        if right is not None:
            cells[1].text = right
        if r == 2:
            for cell in cells:
                shade(cell, "EDEDED")
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p endfor %}")
    footer = section.footer.paragraphs[0]
    footer.text = "{{ footer }}"
    set_font(doc.styles["Footer"], 7.5, color=RGBColor(0x66, 0x66, 0x66))
    doc.core_properties.title = "{{ core.title }}"
    doc.core_properties.subject = "{{ core.subject }}"
    doc.core_properties.language = "{{ core.language }}"
    doc.core_properties.author = "ecvet-forms"
    return doc


def main(out: Path = HERE) -> None:
    for form_id in FORMS:
        build(form_id).save(out / f"{form_id}.docx")
        print(f"wrote {out / f'{form_id}.docx'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
