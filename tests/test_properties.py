"""Property-based tests (hypothesis): any valid mobility with names, places, unit titles,
criteria and learning outcomes in Latin with EU diacritics, Greek and Cyrillic validates,
renders to PDF and DOCX with every such value in the text, and any such text typed into a
form's text fields reads back exactly.

Small on purpose (about 30 s): few examples, no deadline, a fixed seed (derandomize), so a
failure reproduces; raise max_examples locally to search harder.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.checks import validate
from pipeline.generate import generate
from pipeline.read.document import read_path
from tests.conftest import MINIMAL, pdftotext, require_tool, squash
from tests.fillers import FILLERS
from tests.test_docx import docx_text

LATIN = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
         "ÀÁÂÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝßàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿ"
         "ĀāĂăĄąĆćČčĎďĐđĒēĖėĘęĚěĞğĢģĪīĮįİıĶķĹĺĻļĽľŁłŃńŅņŇňŐőŒœŔŕŘřŚśŞşŠšŢţŤťŪūŮůŰűŲųŸŹźŻżŽžȘșȚț")
GREEK = "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώΆΈΉΊΌΎΏϊϋΐΰ"
CYRILLIC = "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюяЁёЄєІіЇїҐґЂђЈјЉљЊњЋћЏџ"
ALPHABET = LATIN + GREEK + CYRILLIC + "0123456789-'.,&()"

FORMS = ("learning-agreement", "skills-assessment", "personal-transcript")
SETTINGS = settings(max_examples=10, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def words(max_words: int = 4) -> st.SearchStrategy[str]:
    """Space-separated words of 1-12 characters (no control characters, never blank)."""
    word = st.text(alphabet=ALPHABET, min_size=1, max_size=12)
    return st.lists(word, min_size=1, max_size=max_words).map(" ".join).map(str.strip).filter(bool)


@st.composite
def mobilities(draw) -> dict[str, str]:
    return {
        "given_name": draw(words(2)), "family_name": draw(words(2)),
        "learner_city": draw(words(3)), "host_city": draw(words(3)),
        "unit_title": draw(words(4)),
        "criterion": draw(words(5)),
        "outcome_knowledge": draw(words(6)), "outcome_skill": draw(words(6)),
    }


def write_cohort(folder: Path, values: dict[str, str]) -> Path:
    shutil.copytree(MINIMAL, folder)
    cohort = json.loads((folder / "cohort.json").read_text(encoding="utf-8"))
    mobility = json.loads((folder / "mobilities" / "m1.json").read_text(encoding="utf-8"))
    mobility["learner"]["given_name"] = values["given_name"]
    mobility["learner"]["family_name"] = values["family_name"]
    mobility["learner"]["address"]["city"] = values["learner_city"]
    hotel = next(o for o in cohort["organisations"] if o["id"] == "hotel")
    hotel["address"]["city"] = values["host_city"]
    unit = cohort["units"][0]
    unit["title"] = values["unit_title"]  # a plain string: the same in every language
    unit["learning_outcomes"][0]["text"] = values["outcome_knowledge"]
    unit["learning_outcomes"][1]["text"] = values["outcome_skill"]
    cohort["criteria_sets"][0]["groups"][0]["criteria"][0] = values["criterion"]
    (folder / "cohort.json").write_text(json.dumps(cohort, ensure_ascii=False), encoding="utf-8")
    (folder / "mobilities" / "m1.json").write_text(json.dumps(mobility, ensure_ascii=False), encoding="utf-8")
    return folder


def normal(text: str) -> str:
    return squash(unicodedata.normalize("NFC", text))


@SETTINGS
@given(values=mobilities())
def test_generated_mobilities_validate_render_and_show_every_value(values):
    has_pdftotext = bool(shutil.which("pdftotext"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_cohort(Path(tmp) / "prop", values)
        cohort, warnings = validate(folder)  # raises ValidationFailed on any error
        report = generate(folder, Path(tmp) / "out")
        docs = {p.name: p for p in report.written}
        assert len(docs) == 12, sorted(docs)  # 3 forms x 2 languages x PDF + DOCX
        for lang in ("en", "de"):
            pdf_text = normal(" ".join(pdftotext(docs[f"{form}.{lang}.pdf"]) for form in FORMS)) \
                if has_pdftotext else None
            docx_all = normal(" ".join(docx_text(docs[f"{form}.{lang}.docx"]) for form in FORMS))
            for key, value in values.items():
                if pdf_text is not None:
                    assert normal(value) in pdf_text, (lang, key, value)
                assert normal(value) in docx_all, (lang, key, value)
            with pikepdf.open(docs[f"learning-agreement.{lang}.pdf"]) as pdf:
                assert len(pdf.pages) > 0
    if not has_pdftotext:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils): PDF text not checked")

# text fields of the personal transcript and where their values land in the read data
PT_TEXT = {
    "pt_pastry_achieved": ("transcript", "achieved", "pastry", "outcomes"),
    "pt_testing": ("transcript", "testing_details"),
    "pt_result": ("transcript", "assessment_result"),
    "pt_host_name": ("signatures", "pt", "host", "name"),
    "pt_host_role": ("signatures", "pt", "host", "role"),
    "pt_host_place": ("signatures", "pt", "host", "place"),
    "pt_learner_name": ("signatures", "pt", "learner", "name"),
    "pt_learner_place": ("signatures", "pt", "learner", "place"),
}


def fill_pikepdf(src: Path, dst: Path, values: dict[str, str]) -> None:
    """Set /V as a text string (pikepdf picks PDFDocEncoding or UTF-16BE), no appearances."""
    with pikepdf.open(src) as pdf:
        for field in pdf.Root.AcroForm.Fields:
            name = str(field.get("/T", ""))
            if name in values:
                field.V = pikepdf.String(values[name])
        pdf.save(dst)


FILL = {"pypdf": FILLERS["pypdf"], "pikepdf": fill_pikepdf}


@pytest.fixture(scope="module")
def transcript(minimal_out) -> Path:
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # "characters not supported by font encoding"
    return minimal_out / "m1" / "personal-transcript.en.pdf"


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(values=st.fixed_dictionaries({name: words(6) for name in PT_TEXT}), tool=st.sampled_from(sorted(FILL)))
def test_typed_text_reads_back_exactly(transcript, values, tool):
    with tempfile.TemporaryDirectory() as tmp:
        filled = Path(tmp) / "pt.pdf"
        FILL[tool](transcript, filled, values)
        result = read_path(filled)
    for name, path in PT_TEXT.items():
        node = result["data"]
        for key in path:
            node = node[key]
        assert node == values[name], (tool, name)
    assert not [p for p in result["problems"] if "not valid text" in p["message"]]


def test_pdftotext_is_there_for_the_text_checks():
    require_tool("pdftotext")
