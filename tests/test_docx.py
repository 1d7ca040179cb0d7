"""The DOCX documents, opened with python-docx (and LibreOffice where installed)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile

import docx
import pytest

from pipeline.formdefs import FORMS
from tests.conftest import DEMO, MINIMAL, printed_texts, squash
from tests.test_pdf import contexts


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


def test_libreoffice_converts_the_docx(minimal_out, tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    source = minimal_out / "m1" / "skills-assessment.de.docx"
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    from tests.conftest import pdftotext
    assert "Ελένη Žáková-Łukasik" in squash(pdftotext(tmp_path / "skills-assessment.de.pdf"))


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
