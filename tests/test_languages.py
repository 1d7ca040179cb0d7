"""Forms in the partners' languages: every shipped language and bilingual pairs print
their translated labels and no English leftovers; labels fit their boxes; the catalog gate
fails on a broken catalog; a translator adds a language with `make i18n-init`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline import i18n
from pipeline.catalogs import CatalogProblems, check
from pipeline.formdefs import FORMS
from pipeline.generate import generate
from pipeline.i18n import available_languages, translator
from tests.conftest import MINIMAL, ROOT, pdftotext, require_tool, squash
from tests.test_docx import docx_text
from tests.test_i18n import LANGUAGES, catalog

pymupdf = pytest.importorskip("pymupdf")
PAIRS = ("tr+de", "el+en", "bg+en")


@pytest.fixture(scope="module")
def every_language(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("languages")
    generate(MINIMAL, out, langs=[*LANGUAGES, *PAIRS])
    return out / "minimal" / "m1"


def _data_text() -> str:
    """Every text of the fixture's data (English-only data is allowed on any form)."""
    import json

    texts = []

    def walk(value) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for path in (MINIMAL / "cohort.json", *sorted((MINIMAL / "mobilities").glob("*.json"))):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return squash(" ".join(texts))


def english_leftovers(text: str, lang: str) -> list[str]:
    """Long English labels that a translation replaces but the document still shows."""
    data = _data_text()
    found = []
    for message in catalog(lang):
        if message.id and message.string and message.string != message.id and len(message.id) > 14 \
                and "{" not in message.id and squash(message.id) in text and squash(message.id) not in data:
            found.append(message.id)
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_prints_its_labels_and_no_english(every_language, lang):
    tr = translator(lang)
    for form in FORMS.values():
        for ext in ("pdf", "docx"):
            path = every_language / f"{form.id}.{lang}.{ext}"
            text = squash(pdftotext(path) if ext == "pdf" else docx_text(path))
            assert squash(tr.gettext(form.title)) in text, (path.name, tr.gettext(form.title))
            assert "\ufffd" not in text, path.name
            if lang != "en":
                assert english_leftovers(text, lang) == [], path.name


@pytest.mark.parametrize("pair", PAIRS)
def test_bilingual_forms_show_both_languages(every_language, pair):
    first, second = pair.split("+")
    for form in FORMS.values():
        path = every_language / f"{form.id}.{pair}.pdf"
        text = squash(pdftotext(path))
        for lang in (first, second):
            assert squash(translator(lang).gettext(form.title)) in text, (path.name, lang)
        docx = squash(docx_text(every_language / f"{form.id}.{pair}.docx"))
        assert squash(translator(second).gettext(form.title)) in docx


def test_bilingual_forms_read_back_like_single_language_ones(every_language):
    from pipeline.read.document import read_path

    single = read_path(every_language / "skills-assessment.el.pdf")
    pair = read_path(every_language / "skills-assessment.el+en.pdf")
    assert pair["document"]["lang"] == "el+en"
    assert pair["data"] == single["data"]
    assert [s["field"] for s in pair["signatures"]] == [s["field"] for s in single["signatures"]]


def _vertical_lines(page) -> list[tuple[float, float, float]]:
    lines = []
    for drawing in page.get_drawings():
        for item in drawing["items"]:
            if item[0] == "l" and abs(item[1].x - item[2].x) < 0.1:
                lines.append((item[1].x, min(item[1].y, item[2].y), max(item[1].y, item[2].y)))
    return lines


@pytest.mark.parametrize("lang", LANGUAGES + PAIRS)
def test_no_label_crosses_a_table_line_or_the_margin(every_language, lang):
    """Text that does not fit its cell runs over the cell's border: none does, in any language."""
    for form in FORMS:
        with pymupdf.open(every_language / f"{form}.{lang}.pdf") as doc:
            for page in doc:
                right = page.rect.width - 18 * 72 / 25.4
                lines = _vertical_lines(page)
                for block in page.get_text("dict")["blocks"]:
                    for line in block.get("lines", []):
                        for span in line["spans"]:
                            if not span["text"].strip():
                                continue
                            x0, y0, x1, y1 = span["bbox"]
                            assert x1 <= right + 1, (form, lang, page.number + 1, span["text"])
                            for x, top, bottom in lines:
                                if top < (y0 + y1) / 2 < bottom:
                                    assert not (x0 + 1 < x < x1 - 1), (form, lang, page.number + 1, span["text"])


@pytest.mark.parametrize("engine", ["poppler", "pdfium"])
def test_every_language_renders(every_language, engine):
    """Page 1 of each language's Skills Assessment renders with ink (the glyph coverage of
    the labels is tested in test_i18n); poppler and PDFium, not the library that wrote it."""
    for lang in LANGUAGES + PAIRS:
        path = every_language / f"skills-assessment.{lang}.pdf"
        if engine == "poppler":
            require_tool("pdftoppm")
            png = subprocess.run(["pdftoppm", "-r", "30", "-f", "1", "-l", "1", "-png", str(path)],
                                 capture_output=True, timeout=60)
            assert png.returncode == 0 and png.stdout.startswith(b"\x89PNG"), (lang, png.stderr[-200:])
            assert not png.stderr.strip(), (lang, png.stderr[-300:])
        else:
            pdfium = pytest.importorskip("pypdfium2")
            document = pdfium.PdfDocument(path)
            image = document[0].render(scale=0.5).to_pil().convert("L")
            assert image.getextrema()[0] < 100, lang
            document.close()


def test_the_gate_fails_on_a_broken_catalog(tmp_path):
    locales = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR, locales)
    po = locales / "de" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgstr "Seite {page} von {pages}"', 'msgstr "Seite {seite} von {pages}"')
    text = text.replace('msgstr "Lernvereinbarung"', 'msgstr ""')
    po.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogProblems) as caught:
        check(locales)
    message = str(caught.value)
    assert "'Page {page} of {pages}': the translation must keep the placeholders" in message
    assert "'Learning Agreement' is not translated" in message
    make = shutil.which("make") or pytest.skip("make is not installed")
    broken = subprocess.run([make, "-s", "i18n-check", f"LOCALES={locales}"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert broken.returncode != 0 and "is not translated" in broken.stderr
    fine = subprocess.run([make, "-s", "i18n-check"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert fine.returncode == 0, fine.stderr
    assert "catalogs complete" in fine.stdout


def test_a_translator_adds_a_language_with_make_i18n_init(tmp_path, monkeypatch):
    make = shutil.which("make") or pytest.skip("make is not installed")
    locales = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR, locales)
    done = subprocess.run([make, "-s", "i18n-init", "LANG=fi", f"LOCALES={locales}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    po = locales / "fi" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text(encoding="utf-8").replace(
        'msgid "Learning Agreement"\nmsgstr ""', 'msgid "Learning Agreement"\nmsgstr "Oppimissopimus"'),
        encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES_DIR", locales)
    for cached in (i18n._languages, i18n._catalog, i18n.translator):
        cached.cache_clear()
    try:
        assert "fi" in available_languages()
        generate(MINIMAL, tmp_path / "out", langs=["fi"], forms=["learning-agreement"], formats=["pdf"])
        text = squash(pdftotext(tmp_path / "out" / "minimal" / "m1" / "learning-agreement.fi.pdf"))
        assert "Oppimissopimus" in text
    finally:
        for cached in (i18n._languages, i18n._catalog, i18n.translator):
            cached.cache_clear()


def test_host_means_the_host_countrys_language(make_cohort, tmp_path):
    cohort = make_cohort(lambda c, m: c.update(languages=["en", "host+en"]))
    generate(cohort, tmp_path / "out", forms=["skills-assessment"], formats=["pdf"])
    written = sorted(p.name for p in (tmp_path / "out" / "case" / "m1").iterdir())
    assert written == ["skills-assessment.el+en.pdf", "skills-assessment.en.pdf"]


def test_host_without_a_catalog_is_a_clear_error(make_cohort):
    from pipeline.checks import validate
    from pipeline.errors import ValidationFailed

    def edit(cohort, mobility):
        cohort["languages"] = ["host"]
        host = next(o for o in cohort["organisations"] if o["id"] == mobility["organisations"]["host"])
        host["address"]["country"] = "FI"

    with pytest.raises(ValidationFailed, match="no catalog covers FI's official languages"):
        validate(make_cohort(edit))


def test_a_bilingual_return_reads_dates_in_either_language(every_language, tmp_path):
    from pipeline.read.document import read_path
    from tests.fillers import FILLERS

    filled = tmp_path / "pt.pdf"
    FILLERS["pdftk"](every_language / "personal-transcript.el+en.pdf", filled,
                     {"pt_host_date": "9 Απριλίου 2027", "pt_learner_date": "10 April 2027"})
    data = read_path(filled)["data"]["signatures"]["pt"]
    assert (data["host"]["date"], data["learner"]["date"]) == ("2027-04-09", "2027-04-10")
