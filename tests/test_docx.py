"""The DOCX documents, opened with python-docx (and LibreOffice where installed)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile

import docx
import pytest

from pipeline.formdefs import FORMS
from pipeline.generate import generate
from tests.conftest import DEMO, MINIMAL, printed_texts, squash
from tests.test_pdf import contexts


FONT = "DejaVu Sans"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_text(path) -> str:
    document = docx.Document(path)
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    parts += [p.text for s in document.sections for p in s.footer.paragraphs]
    return "\n".join(parts)


@pytest.mark.parametrize("folder,out_fixture", [(MINIMAL, "minimal_out"), (DEMO, "demo_out")])
def test_every_label_and_prefilled_value_is_in_the_docx(folder, out_fixture, request):
    out = request.getfixturevalue(out_fixture)
    for mobility, form, lang, ctx in contexts(folder):
        text = squash(docx_text(out / mobility / f"{form}.{lang}.docx"))
        missing = [e for e in printed_texts(ctx) if squash(e) not in text]
        assert not missing, f"{mobility}/{form}.{lang}.docx lacks {missing[:5]}"
        assert "{%" not in text and "{{ " not in text, "a template tag was left unrendered"


def test_special_characters_come_out_literally(minimal_out):
    text = docx_text(minimal_out / "m1" / "learning-agreement.en.docx")
    assert "Test School & Co <Tourism>" in text
    assert 'Menu codes use the {{dish}} placeholder & "quotes".' in text
    assert "Ελένη Žáková-Łukasik" in text and "Иван Петров" in text


def test_line_breaks_in_values_are_real_breaks(minimal_out):
    document = docx.Document(minimal_out / "m1" / "learning-agreement.en.docx")
    xml = document.element.xml
    assert "<w:br/>" in xml  # the learning outcomes list is one line per outcome


def test_every_document_is_a_valid_zip_with_fixed_timestamps(minimal_out):
    for path in minimal_out.rglob("*.docx"):
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None
            assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_libreoffice_converts_the_docx(office_pdfs, minimal_out):
    from tests.conftest import pdftotext
    pdf = office_pdfs[minimal_out / "m1" / "skills-assessment.de.docx"]
    assert "Ελένη Žáková-Łukasik" in squash(pdftotext(pdf))


def test_all_templates_exist():
    for form_id in FORMS:
        assert (MINIMAL.parent.parent.parent / "forms" / "templates" / f"{form_id}.docx").is_file()


def test_compiled_route_gives_what_docxtpl_renders(tmp_path):
    """The once-per-process compilation must not drift from docxtpl's own render."""
    import io

    from docxtpl import DocxTemplate

    from pipeline.paths import TEMPLATES_DIR
    from pipeline.render_docx import _jinja_env, docx_context, render_docx

    for _, form, lang, ctx in contexts(MINIMAL):
        reference = DocxTemplate(TEMPLATES_DIR / f"{form}.docx")
        reference.render(docx_context(ctx), jinja_env=_jinja_env(), autoescape=True)
        buffer = io.BytesIO()
        reference.save(buffer)
        ours = tmp_path / "ours.docx"
        ours.write_bytes(render_docx(ctx))
        assert docx_text(ours) == docx_text(buffer), (form, lang)
        assert docx.Document(ours).core_properties.title == f"{ctx['form']['title']} – {ctx['mobility_id']}"


# -- paper: the DOCX at par with the PDF for a school's files and a host who prints it ----

def convert_with_libreoffice(sources, outdir) -> dict:
    """DOCX → PDF with LibreOffice (one run for all files); skip if it is not installed."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    out = {}
    for i, source in enumerate(sources):  # distinct output folders: names repeat across mobilities
        folder = outdir / str(i)
        folder.mkdir(parents=True, exist_ok=True)
        out[source] = folder / f"{source.stem}.pdf"
    profile = f"-env:UserInstallation=file://{outdir}/profile"
    for folder in {p.parent for p in out.values()}:
        batch = [str(s) for s, pdf in out.items() if pdf.parent == folder]
        subprocess.run([office, "--headless", profile, "--convert-to", "pdf", "--outdir", str(folder), *batch],
                       check=True, capture_output=True, timeout=300)
    return out


def longest_demo_documents(demo_out) -> list:
    """Per form, the demo's biggest DOCX (most units, criteria and signature blocks)."""
    return [max(demo_out.rglob(f"{form}.*.docx"), key=lambda p: (p.stat().st_size, str(p))) for form in FORMS]


def many_signatures_docx(folder):
    """A Learning Agreement with 30 signature blocks: page breaks must fall between them."""
    import copy

    from pipeline.render_docx import render_docx
    ctx = copy.deepcopy(next(c for _, f, lang, c in contexts(MINIMAL) if f == "learning-agreement" and lang == "en"))
    section = next(s for s in ctx["sections"] if any(r["kind"] == "signature" for r in s["rows"]))
    block = next(r for r in section["rows"] if r["kind"] == "signature")
    section["rows"] = [dict(block, label=f"Signer {i:02d} block") for i in range(30)]
    path = folder / "many-signatures.docx"
    path.write_bytes(render_docx(ctx))
    return path, ctx


@pytest.fixture(scope="session")
def office_pdfs(minimal_out, demo_out, tmp_path_factory) -> dict:
    """LibreOffice's PDF of each minimal document, the demo's longest, and 30 signature blocks."""
    folder = tmp_path_factory.mktemp("office")
    synthetic, _ = many_signatures_docx(folder)
    sources = sorted(minimal_out.rglob("*.docx")) + longest_demo_documents(demo_out) + [synthetic]
    return convert_with_libreoffice(sources, folder)


def context_of(path):
    """The render context a generated DOCX was made from (…/<mobility>/<form>.<lang>.docx)."""
    folder = MINIMAL if "minimal" in path.parts[-3] else DEMO
    mobility, (form, lang) = path.parent.name, path.stem.rsplit(".", 1)
    return next(c for m, f, lang_, c in contexts(folder) if (m, f, lang_) == (mobility, form, lang))


def page_lines(page) -> list[tuple[float, float, str]]:
    """(baseline, x, text) of each text line of a page, top to bottom."""
    lines: dict[float, list] = {}
    for x0, _y0, _x1, y1, word, *_ in page.get_text("words"):
        key = next((k for k in lines if abs(k - y1) < 1.5), y1)
        lines.setdefault(key, []).append((x0, word))
    return [(y, min(x for x, _ in words), " ".join(w for _, w in sorted(words)))
            for y, words in sorted(lines.items())]


def paper_documents(office_pdfs):
    for source, pdf in office_pdfs.items():
        if source.name != "many-signatures.docx":
            yield source, pdf, context_of(source)


def test_annex_ii_grid_has_a_column_per_rating(office_pdfs):
    pymupdf = pytest.importorskip("pymupdf")
    checked = 0
    for source, pdf, ctx in paper_documents(office_pdfs):
        if ctx["form"]["id"] != "skills-assessment":
            continue
        labels = ctx["labels"]
        criteria = [r for s in ctx["sections"] for r in s["rows"] if r["kind"] == "criterion"]
        shorts = [o["short"] for o in criteria[0]["options"]]
        header = squash(" ".join([labels["nr"], labels["criterion"], *shorts]))
        with pymupdf.open(pdf) as doc:
            lines = [squash(text) for page in doc for _, _, text in page_lines(page)]
            heads = [line for line in lines if line == header]
            assert heads, f"{source}: no grid header {header!r} on one line"
            for row in criteria:  # Nr, criterion and an empty box per rating on one line
                box_line = squash(f"{row['nr']} {row['label']} " + " ".join(["☐"] * len(shorts)))
                assert box_line in lines or any(
                    line.startswith(f"{row['nr']} ") and line.endswith(" ☐" * len(shorts)) for line in lines), \
                    f"{source}: criterion {row['nr']} is not a grid row"
            groups = [r["label"] for s in ctx["sections"] for r in s["rows"] if r["kind"] == "group"]
            assert all(squash(g) in lines for g in groups), f"{source}: a criteria group is not a row of its own"
            words = [w for page in doc for w in page.get_text("words")]
            assert not any(w[4].startswith("☐") and len(w[4]) > 1 for w in words), "boxes share a cell"
        checked += 1
    assert checked >= 3


def test_every_page_says_page_x_of_y(office_pdfs):
    pymupdf = pytest.importorskip("pymupdf")
    from pipeline.render_docx import docx_context
    for source, pdf, ctx in paper_documents(office_pdfs):
        page = docx_context(ctx)["page"]
        with pymupdf.open(pdf) as doc:
            total = doc.page_count
            for number, p in enumerate(doc, 1):
                text = squash(p.get_text())
                assert f"{page['label']} {number}{page['of']}{total}" in text, f"{source} page {number}"
                assert squash(ctx["footer"]) in text, f"{source} page {number} lacks the footer identity"
                body = [t for _, _, t in page_lines(p) if not squash(t).startswith("ECVET ·")]
                assert body, f"{source}: page {number} is empty"


def signature_pages(doc, block_label: str, field_labels: list[str]) -> list[int]:
    """The pages of a signature block's title and of its field labels, in order."""
    prefix = squash(block_label)[:25]
    for page in doc:
        lines = [squash(text) for _, _, text in page_lines(page)]
        start = next((i for i, line in enumerate(lines) if line.startswith(prefix)), None)
        if start is None:
            continue
        found, rest = [page.number], lines[start + 1:]
        for label in field_labels:
            index = next((i for i, line in enumerate(rest) if line.startswith(squash(label))), None)
            found.append(page.number if index is not None else -1)
            rest = rest[index + 1:] if index is not None else rest
        return found
    raise AssertionError(f"signature block {block_label!r} not found")


def test_no_signature_block_is_split_across_pages(office_pdfs):
    pymupdf = pytest.importorskip("pymupdf")
    documents = [(source, pdf, ctx) for source, pdf, ctx in paper_documents(office_pdfs)]
    synthetic = next(s for s in office_pdfs if s.name == "many-signatures.docx")
    documents.append((synthetic, office_pdfs[synthetic], None))
    for source, pdf, ctx in documents:
        with pymupdf.open(pdf) as doc:
            if ctx is None:  # the 30 blocks of the synthetic document
                assert doc.page_count >= 5
                blocks = [(f"Signer {i:02d} block", ["Name and surname", "Date", "Signature"]) for i in range(30)]
            else:
                blocks = [(r["label"], [f["label"] for f in r["fields"]] + [ctx["labels"]["signature"]])
                          for s in ctx["sections"] for r in s["rows"] if r["kind"] == "signature"]
            for label, fields in blocks:
                pages = signature_pages(doc, label, fields)
                assert len(set(pages)) == 1, f"{source}: signature block {label!r} split over pages {pages}"


def test_a_heading_never_ends_a_page(office_pdfs):
    pymupdf = pytest.importorskip("pymupdf")
    for source, pdf, ctx in paper_documents(office_pdfs):
        headings = {squash(f"{s['number']}{'' if '.' in s['number'] else '.'} {s['title']}") for s in ctx["sections"]}
        with pymupdf.open(pdf) as doc:
            for page in list(doc)[:-1]:
                body = [squash(t) for _, _, t in page_lines(page) if not squash(t).startswith("ECVET ·")]
                assert body[-1] not in headings, f"{source}: page {page.number + 1} ends with {body[-1]!r}"


def test_libreoffice_prints_only_dejavu_sans(office_pdfs):
    pymupdf = pytest.importorskip("pymupdf")
    for source, pdf in office_pdfs.items():
        with pymupdf.open(pdf) as doc:
            fonts = {f[3].split("+")[-1] for page in doc for f in page.get_fonts()}
        assert fonts and all(f.startswith("DejaVuSans") for f in fonts), (source, fonts)


def all_docx(minimal_out, demo_out):
    return sorted(minimal_out.rglob("*.docx")) + sorted(demo_out.rglob("*.docx"))


def test_every_table_row_is_kept_on_one_page(minimal_out, demo_out):
    for path in all_docx(minimal_out, demo_out):
        body = docx.Document(path).element.body
        rows = list(body.iter(f"{W}tr"))
        assert rows
        for row in rows:
            assert row.find(f"{W}trPr/{W}cantSplit") is not None, f"{path}: a row may split"


def effective_fonts(document, paragraph) -> set:
    """The fonts a paragraph's text can be set in: its runs', its style chain's, the defaults'."""
    fonts = {run.font.name for run in paragraph.runs if run.font.name}
    style = paragraph.style
    while style is not None and style.font.name is None:
        style = style.base_style
    if style is not None:
        fonts.add(style.font.name)
    else:
        defaults = document.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
        fonts.add(defaults.get(f"{W}ascii"))
    return fonts


def test_one_font_throughout(minimal_out):
    for path in minimal_out.rglob("*.docx"):
        document = docx.Document(path)
        paragraphs = list(document.paragraphs) + [p for s in document.sections for p in s.footer.paragraphs]
        paragraphs += [p for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs]
        for paragraph in paragraphs:
            assert effective_fonts(document, paragraph) == {FONT}, (path, paragraph.text)
        for fonts in document.styles.element.iter(f"{W}rFonts"):  # headings too: no theme fonts
            attrs = {k.split("}")[1]: v for k, v in fonts.attrib.items()}
            assert not any(k.lower().endswith("theme") for k in attrs), (path, attrs)
            assert {attrs.get(k) for k in ("ascii", "hAnsi", "cs", "eastAsia")} == {FONT}, (path, attrs)
        for name in ("Heading 2", "Title", "Table Grid", "Footer"):
            assert document.styles[name].font.name == FONT, name
        assert document.styles["Heading 2"].paragraph_format.keep_with_next


def test_core_properties_name_the_form_and_carry_no_run_time(minimal_out):
    for _, form, lang, ctx in contexts(MINIMAL):
        path = minimal_out / ctx["mobility_id"] / f"{form}.{lang}.docx"
        props = docx.Document(path).core_properties
        assert props.title == f"{ctx['form']['title']} – {ctx['mobility_id']}"
        assert ctx["form"]["title"] in props.title and ctx["mobility_id"] in props.title
        assert props.subject == ctx["identity"].compose()
        assert props.comments == ""  # no "generated by python-docx"
        assert props.last_modified_by == "ecvet-forms" and props.revision == 1
        assert props.language == lang
        if not ctx.get("generated_on"):
            assert props.created is None and props.modified is None  # never the clock
        with zipfile.ZipFile(path) as archive:
            assert "docProps/thumbnail.jpeg" not in archive.namelist()
            assert b"python-docx" not in archive.read("docProps/core.xml")


def xml_text(element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


def min_height(tr) -> int:
    height = tr.find(f"{W}trPr/{W}trHeight")
    return int(height.get(f"{W}val")) if height is not None else 0


def test_write_in_boxes_fit_the_answer_and_signature_blocks_stay_together(minimal_out):
    cm = 1440 / 2.54
    for _, form, lang, ctx in contexts(MINIMAL):
        body = docx.Document(minimal_out / ctx["mobility_id"] / f"{form}.{lang}.docx").element.body
        fields = [r for s in ctx["sections"] for r in s["rows"] if r["kind"] == "field"]
        for field in fields:
            rows = [tr for tr in body.iter(f"{W}tr")
                    if len(tr.findall(f"{W}tc")) == 2 and xml_text(tr.findall(f"{W}tc")[0]) == field["label"]]
            assert rows, (form, field["label"])
            for tr in rows:
                box = tr.findall(f"{W}tc")[1]
                assert xml_text(box) == "", "the write-in box must be empty"
                lines = len(box.findall(f".//{W}br")) + 1
                pitch = int(box.find(f".//{W}spacing").get(f"{W}line"))
                assert box.find(f".//{W}spacing").get(f"{W}lineRule") == "exact"
                height = max(min_height(tr), lines * pitch)
                assert lines == max(1, field["lines"]) and abs(pitch - 0.6 * cm) < 2
                assert height >= 0.8 * cm - 1
        for block in (r for s in ctx["sections"] for r in s["rows"] if r["kind"] == "signature"):
            table = next(t for t in body.iter(f"{W}tbl") if xml_text(t).startswith(block["label"]))
            rows = table.findall(f"{W}tr")
            assert [xml_text(tr.findall(f"{W}tc")[0]) for tr in rows] == \
                [block["label"], *(f["label"] for f in block["fields"]), ctx["labels"]["signature"]]
            for tr in rows[1:]:
                assert xml_text(tr.findall(f"{W}tc")[1]) == ""  # an empty write-in cell
                assert min_height(tr) >= round(0.8 * cm)
            assert min_height(rows[-1]) >= round(1.5 * cm)
            for tr in rows[:-1]:  # keep-with-next on every row but the last: the block stays together
                for p in tr.iter(f"{W}p"):
                    assert p.find(f"{W}pPr/{W}keepNext") is not None, (form, block["label"])


def test_annex_ii_grid_structure(minimal_out):
    for _, form, lang, ctx in contexts(MINIMAL):
        if form != "skills-assessment":
            continue
        document = docx.Document(minimal_out / ctx["mobility_id"] / f"{form}.{lang}.docx")
        criteria = [r for s in ctx["sections"] for r in s["rows"] if r["kind"] == "criterion"]
        shorts = [o["short"] for o in criteria[0]["options"]]
        grids = [t for t in document.tables if t.rows[0].cells[0].text == ctx["labels"]["nr"]]
        assert grids
        for table in grids:
            header = table.rows[0]
            assert [c.text for c in header.cells] == [ctx["labels"]["nr"], ctx["labels"]["criterion"], *shorts]
            assert header._tr.find(f"{W}trPr/{W}tblHeader") is not None  # repeated on each page
            assert len(table._tbl.tblGrid.findall(f"{W}gridCol")) == 2 + len(shorts)
        rows = [[c.text for c in row.cells] for t in grids for row in t.rows[1:]]
        for criterion in criteria:
            assert [str(criterion["nr"]), criterion["label"], *["☐"] * len(shorts)] in rows
        groups = [r["label"] for s in ctx["sections"] for r in s["rows"] if r["kind"] == "group"]
        for group in groups:  # one cell across the table
            assert [group] * (2 + len(shorts)) in rows


def test_paper_copy_leaves_out_the_pdf_instructions(minimal_out):
    from pipeline.formdefs import RETURN_INSTRUCTIONS
    from pipeline.i18n import translator
    for _, form, lang, ctx in contexts(MINIMAL):
        text = squash(docx_text(minimal_out / ctx["mobility_id"] / f"{form}.{lang}.docx"))
        pdf_only = [RETURN_INSTRUCTIONS, translator(lang).gettext(RETURN_INSTRUCTIONS), *ctx.get("pdf_intro", [])]
        assert not [t for t in pdf_only if squash(t) in text], (form, lang)
        for paragraph in ctx["intro"]:  # e.g. the Personal Transcript's description stays
            assert squash(paragraph) in text


def test_paper_instructions_come_from_the_label(tmp_path):
    import copy

    from pipeline.render_docx import render_docx
    ctx = copy.deepcopy(next(c for _, f, lang, c in contexts(MINIMAL) if f == "personal-transcript"))
    ctx["labels"]["paper_instructions"] = "Print, fill in by hand & sign."
    path = tmp_path / "pt.docx"
    path.write_bytes(render_docx(ctx))
    assert "Print, fill in by hand & sign." in docx_text(path)


def test_footer_has_page_and_numpages_fields(minimal_out):
    for path in minimal_out.rglob("*.docx"):
        with zipfile.ZipFile(path) as archive:
            footer = archive.read("word/footer1.xml").decode()
        assert " PAGE " in footer and " NUMPAGES " in footer


def test_a_stale_template_fails_loudly():
    import copy

    from pipeline.render_docx import render_docx
    ctx = copy.deepcopy(next(c for _, f, _lang, c in contexts(MINIMAL) if f == "skills-assessment"))
    for section in ctx["sections"]:
        for row in section["rows"]:
            if row["kind"] == "criterion":
                row["options"] = [*row["options"], {"value": "x", "label": "extra", "short": "x"}]
    with pytest.raises(ValueError, match="make templates"):
        render_docx(ctx)


def test_docx_creation_date_comes_from_the_cohort_not_the_clock(make_cohort, tmp_path):
    import datetime as dt

    import docx

    issued = make_cohort(lambda cohort, m: cohort.update(issued_on="2027-01-15"), name="issued")
    generate(issued, tmp_path / "out", formats=["docx"], forms=["learning-agreement"], langs=["en"])
    props = docx.Document(tmp_path / "out" / "issued" / "m1" / "learning-agreement.en.docx").core_properties
    assert props.created == dt.datetime(2027, 1, 15, tzinfo=dt.timezone.utc) == props.modified
    assert props.title.startswith("Learning Agreement – m1")
