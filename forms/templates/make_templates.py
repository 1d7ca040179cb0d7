"""Write the docxtpl templates of the three forms (run by `make templates`).

The templates are generic: they loop over the sections and blocks of the render context
that `pipeline.render_docx` builds from each form's context, so a field added to a
declaration appears in the DOCX without touching a template. A designer may restyle a
template in Word or LibreOffice; keep the Jinja tags intact. Every template is valid
OOXML (Jinja tags only in text), so Word opens it.

The DOCX is for paper (a school's files, a host who prints it): write-in boxes sized to
the expected answer, the annex II grid with a box per rating, rows and signature blocks
that never split across pages, "Page X / Y" in the footer, DejaVu Sans throughout (the
PDF's font, also in heading and table styles: no theme fonts).
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from pipeline.formdefs import RATING_OPTIONS

HERE = Path(__file__).resolve().parent
FORMS = ("learning-agreement", "skills-assessment", "personal-transcript", "recognition-record")
FONT = "DejaVu Sans"  # the PDF's font; covers Latin, Greek and Cyrillic
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

CM = 1440 / 2.54  # twips
MARGIN_CM = 1.8
CONTENT = round((21.0 - 2 * MARGIN_CM) * CM)  # 9865 twips
LABEL_W = round(6.2 * CM)
VALUE_W = CONTENT - LABEL_W
NR_W = round(0.9 * CM)
OPTION_W = round(1.5 * CM)
OPTIONS = len(RATING_OPTIONS)  # one column per rating option (render_docx checks the count)
CRITERION_W = CONTENT - NR_W - OPTION_W * OPTIONS
MIN_ROW = round(0.8 * CM)  # a write-in row: at least 0.8 cm
LINE = round(0.6 * CM)  # one expected line of handwriting
SIGNATURE_ROW = round(1.5 * CM)
HEAD_FILL, NOTE_FILL, BOX_FILL, BOX_LINE = "EDEDED", "F7F7F7", "FFF8E1", "D9B24D"


# -- styles -----------------------------------------------------------------------
def fonts_element(rpr) -> None:
    """DejaVu Sans on all four scripts, and no theme font (which would win in Word)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.lower().endswith("theme"):
            del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def set_font(style, size: float | None = None, bold: bool | None = None,
             color: RGBColor | None = None) -> None:
    if size is not None:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    if color is not None:
        style.font.color.rgb = color
    fonts_element(style.element.get_or_add_rPr())


def one_font_everywhere(doc) -> None:
    """Every style and the document defaults name DejaVu Sans, never a theme font."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts_element(rpr)
    for fonts in styles.iter(qn("w:rFonts")):
        fonts_element(fonts.getparent())
    for name in ("Normal", "Title", "Subtitle", "Heading 2", "Footer", "Table Grid"):
        set_font(doc.styles[name])


def no_letter_spacing(style) -> None:
    rpr = style.element.get_or_add_rPr()
    for element in rpr.findall(qn("w:spacing")) + rpr.findall(qn("w:kern")):
        rpr.remove(element)


def styles(doc) -> None:
    black = RGBColor(0, 0, 0)
    normal = doc.styles["Normal"]
    set_font(normal, 9, bold=False)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    title = doc.styles["Title"]
    set_font(title, 16, bold=True, color=black)
    title.font.italic = False
    no_letter_spacing(title)
    title.paragraph_format.space_after = Pt(6)
    title.paragraph_format.keep_with_next = True
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):  # the default template's blue rule
        ppr.remove(border)
    subtitle = doc.styles["Subtitle"]
    set_font(subtitle, 9, bold=False, color=RGBColor(0x59, 0x59, 0x59))
    subtitle.font.italic = False
    no_letter_spacing(subtitle)
    subtitle.paragraph_format.keep_with_next = True
    sppr = subtitle.element.get_or_add_pPr()
    for numbering in sppr.findall(qn("w:numPr")):
        sppr.remove(numbering)
    heading = doc.styles["Heading 2"]
    set_font(heading, 11, bold=True, color=black)
    heading.paragraph_format.space_before = Pt(10)
    heading.paragraph_format.space_after = Pt(4)
    heading.paragraph_format.keep_with_next = True  # a heading never ends a page
    heading.paragraph_format.keep_together = True
    footer = doc.styles["Footer"]
    set_font(footer, 7, bold=False, color=RGBColor(0x66, 0x66, 0x66))
    footer.paragraph_format.tab_stops.clear_all()
    footer.paragraph_format.tab_stops.add_tab_stop(Cm(21.0 - 2 * MARGIN_CM), WD_TAB_ALIGNMENT.RIGHT)
    grid = doc.styles["Table Grid"]
    set_font(grid, 9)
    one_font_everywhere(doc)


# -- tables -------------------------------------------------------------------------
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
    look = table._tbl.tblPr.find(qn("w:tblLook"))  # the schema's order: tblCellMar before tblLook
    if look is not None:
        look.addprevious(margins)
    else:
        table._tbl.tblPr.append(margins)


def new_table(doc, rows: int, widths: tuple[int, ...]):
    table = doc.add_table(rows=rows, cols=len(widths))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False  # a fixed layout: columns as the grid says
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(width))  # LibreOffice sizes columns from the grid
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width * 635  # twips → EMU
    cell_margins(table, top=40, bottom=40, left=90, right=90)
    return table


def row_props(row, *, header: bool = False, height: int | None = None) -> None:
    """Every row: never split across pages. `height`: a minimum (write-in space)."""
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if height:
        size = OxmlElement("w:trHeight")
        size.set(qn("w:val"), str(height))
        size.set(qn("w:hRule"), "atLeast")
        trpr.append(size)
    if header:
        trpr.append(OxmlElement("w:tblHeader"))  # repeated on each page


def write(cell, text: str = "", *, bold: bool = False, keep: bool = False, center: bool = False,
          fill: str | None = None, line: int | None = None) -> None:
    """One paragraph in a cell, without the body's space after. `keep`: keep with the next
    row (a table row whose paragraphs are all keep-with-next stays with the next row)."""
    paragraph = cell.paragraphs[0]
    fmt = paragraph.paragraph_format
    fmt.space_after = Pt(0)
    fmt.space_before = Pt(0)
    if keep:
        fmt.keep_with_next = True
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if line:  # exact line pitch: a write-in cell's blank lines are 0.6 cm each
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line / 20)
    if text:
        run = paragraph.add_run(text)
        run.bold = bold or None
    if fill:
        shade(cell, fill)


def tag_row(table, index: int, tag: str) -> None:
    """A row holding only a docxtpl `{%tr ... %}` tag (the row itself is dropped)."""
    table.rows[index].cells[0].paragraphs[0].add_run(tag)


def merge_row(table, index: int):
    cells = table.rows[index].cells
    return cells[0].merge(cells[-1])


def plain_table(doc) -> None:
    """Label | value rows; unit headings shaded; notes across; write-in rows empty."""
    tags = ["{%tr for row in block.rows %}", "{%tr if row.kind == 'heading' %}", None,
            "{%tr elif row.kind == 'note' %}", None, "{%tr elif row.kind == 'field' %}", None,
            "{%tr else %}", None, "{%tr endif %}", "{%tr endfor %}"]
    table = new_table(doc, len(tags), (LABEL_W, VALUE_W))
    for i, tag in enumerate(tags):
        if tag:
            tag_row(table, i, tag)
    heading, note, field, value = (table.rows[i] for i in (2, 4, 6, 8))
    row_props(heading)
    write(heading.cells[0], "{{ row.label }}", bold=True, keep=True, fill=HEAD_FILL)
    write(heading.cells[1], "{{ row.value }}", bold=True, keep=True, fill=HEAD_FILL)
    row_props(note)
    write(merge_row(table, 4), "{{ row.label }}", keep=True, fill=NOTE_FILL)
    row_props(field, height=MIN_ROW)
    write(field.cells[0], "{{ row.label }}")
    write(field.cells[1], "{{ row.blank }}", line=LINE)  # empty box, `lines` lines high
    row_props(value)
    write(value.cells[0], "{{ row.label }}")
    write(value.cells[1], "{{ row.value }}")


def ratings_table(doc) -> None:
    """Annex II's grid: Nr | criterion | one column per rating option, a box in each;
    criteria groups as rows across the table; the header row repeats on every page."""
    tags = [None, "{%tr for row in block.rows %}", "{%tr if row.kind == 'group' %}", None,
            "{%tr else %}", None, "{%tr endif %}", "{%tr endfor %}"]
    table = new_table(doc, len(tags), (NR_W, CRITERION_W) + (OPTION_W,) * OPTIONS)
    for i, tag in enumerate(tags):
        if tag:
            tag_row(table, i, tag)
    header, group, criterion = table.rows[0], table.rows[3], table.rows[5]
    row_props(header, header=True)
    write(header.cells[0], "{{ block.nr }}", bold=True, keep=True, fill=HEAD_FILL)
    write(header.cells[1], "{{ block.criterion }}", bold=True, keep=True, fill=HEAD_FILL)
    for i in range(OPTIONS):
        write(header.cells[2 + i], f"{{{{ block.options[{i}] }}}}", bold=True, keep=True, center=True,
              fill=HEAD_FILL)
    row_props(group)
    write(merge_row(table, 3), "{{ row.label }}", bold=True, keep=True)  # a group stays with its criteria
    row_props(criterion)
    write(criterion.cells[0], "{{ row.nr }}")
    write(criterion.cells[1], "{{ row.label }}")
    for i in range(OPTIONS):
        write(criterion.cells[2 + i], "☐", center=True)


def signature_table(doc) -> None:
    """A signature block: its title, then name/role/place/date and the signature, each
    with an empty write-in cell; every row but the last keeps with the next, so the block
    never splits across pages."""
    table = new_table(doc, 5, (LABEL_W, VALUE_W))
    title, field, signature = table.rows[0], table.rows[2], table.rows[4]
    row_props(title)
    write(merge_row(table, 0), "{{ block.label }}", bold=True, keep=True, fill=HEAD_FILL)
    tag_row(table, 1, "{%tr for label in block.fields %}")
    row_props(field, height=MIN_ROW)
    write(field.cells[0], "{{ label }}", keep=True)
    write(field.cells[1], keep=True)
    tag_row(table, 3, "{%tr endfor %}")
    row_props(signature, height=SIGNATURE_ROW)
    write(signature.cells[0], "{{ block.signature }}")
    write(signature.cells[1])


def spacer(doc, keep: bool, points: int = 6) -> None:
    """The paragraph between two tables (adjacent tables would merge into one)."""
    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.space_after = Pt(0)
    fmt.space_before = Pt(0)
    fmt.keep_with_next = keep or None
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(points)
    ppr = paragraph._p.get_or_add_pPr()
    rpr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), str(2 * points))
    rpr.append(size)
    ppr.append(rpr)


def instructions_box(doc) -> None:
    paragraph = doc.add_paragraph("{{ instructions }}")
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        border = OxmlElement(f"w:{side}")
        for key, value in (("val", "single"), ("sz", "4"), ("space", "4"), ("color", BOX_LINE)):
            border.set(qn(f"w:{key}"), value)
        borders.append(border)
    ppr.append(borders)
    shading = OxmlElement("w:shd")
    for key, value in (("val", "clear"), ("color", "auto"), ("fill", BOX_FILL)):
        shading.set(qn(f"w:{key}"), value)
    ppr.append(shading)
    paragraph.paragraph_format.space_before = Pt(4)
    paragraph.paragraph_format.space_after = Pt(10)


# -- footer ---------------------------------------------------------------------
def field_runs(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) with a placeholder result; LibreOffice and Word
    compute it when laying out the pages."""
    def run(child) -> None:
        r = OxmlElement("w:r")
        r.append(child)
        paragraph._p.append(r)

    for kind, text in (("begin", None), ("instr", f" {instruction} "), ("separate", None),
                       ("text", "1"), ("end", None)):
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        elif kind == "text":
            element = OxmlElement("w:t")
            element.text = text
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run(element)


def footer(section) -> None:
    """Identity text on the left, "Page X / Y" on the right (same line, right tab)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.style = "Footer"
    paragraph.add_run("{{ footer }}")
    paragraph.add_run().add_tab()
    paragraph.add_run("{{ page.label }} ")
    field_runs(paragraph, "PAGE")
    paragraph.add_run("{{ page.of }}")
    field_runs(paragraph, "NUMPAGES")


# -- document ---------------------------------------------------------------------
def build(form_id: str):
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    section.footer_distance = Cm(0.9)
    styles(doc)

    doc.add_paragraph("{{ form.annex_label }}", style="Subtitle")
    doc.add_paragraph("{{ form.title }}", style="Title")
    doc.add_paragraph("{%p for text in intro %}")
    doc.add_paragraph("{{ text }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if instructions %}")
    instructions_box(doc)
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p for section in sections %}")
    doc.add_paragraph("{{ section.heading }}", style="Heading 2")
    doc.add_paragraph("{%p for block in section.blocks %}")
    doc.add_paragraph("{%p if block.kind == 'ratings' %}")
    ratings_table(doc)
    doc.add_paragraph("{%p elif block.kind == 'signature' %}")
    signature_table(doc)
    doc.add_paragraph("{%p else %}")
    plain_table(doc)
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p if not loop.last %}")  # the next heading's space separates sections
    doc.add_paragraph("{%p if block.keep_next %}")
    spacer(doc, keep=True)
    doc.add_paragraph("{%p else %}")
    spacer(doc, keep=False)
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endfor %}")
    spacer(doc, keep=False, points=1)  # a body ends with a paragraph: 1 pt, so it never makes a page
    footer(section)

    # Parts of python-docx's default template that would misdescribe the document.
    for rels, reltype in ((doc.part.package.rels, "/metadata/thumbnail"),
                          (doc.part.rels, "/stylesWithEffects")):
        for rid in [rid for rid, rel in rels.items() if rel.reltype.endswith(reltype)]:
            rels.pop(rid)
    return doc


# The core properties: no "generated by python-docx", no template-making time. The dates
# are written only when the render context has one decided by the cohort's data.
CORE = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{{ core.title }}</dc:title><dc:subject>{{ core.subject }}</dc:subject>"
    "<dc:creator>ecvet-forms</dc:creator><cp:lastModifiedBy>ecvet-forms</cp:lastModifiedBy>"
    "<cp:revision>1</cp:revision>"
    '{% if core.date %}<dcterms:created xsi:type="dcterms:W3CDTF">{{ core.date }}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{{ core.date }}</dcterms:modified>{% endif %}'
    "<dc:language>{{ core.language }}</dc:language></cp:coreProperties>"
)
APP = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>ecvet-forms</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
    "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
    "<HyperlinksChanged>false</HyperlinksChanged></Properties>"
)


def finish(data: bytes) -> bytes:
    """Rewrite the package parts python-docx does not model, with fixed zip times."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            member = source.read(name)
            if name == "docProps/core.xml":
                member = CORE.encode()
            elif name == "docProps/app.xml":
                member = APP.encode()
            elif name == "word/theme/theme1.xml":  # a style restyled in Word picks DejaVu Sans too
                member = re.sub(rb'(<a:(?:major|minor)Font>\s*<a:latin typeface=")[^"]*',
                                rb"\1" + FONT.encode(), member)
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, member)
    return out.getvalue()


def main(out: Path = HERE) -> None:
    for form_id in FORMS:
        buffer = io.BytesIO()
        build(form_id).save(buffer)
        (out / f"{form_id}.docx").write_bytes(finish(buffer.getvalue()))
        print(f"wrote {out / f'{form_id}.docx'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
