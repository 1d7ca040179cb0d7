"""Translations come from the catalogs; dates and numbers from CLDR."""

from __future__ import annotations

from babel.messages.pofile import read_po

from pipeline.i18n import LOCALES_DIR, available_languages, translator
from tests.conftest import squash
from tests.test_docx import docx_text


def catalog(lang: str):
    with open(LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def test_every_shipped_language_translates_every_message():
    template = {m.id for m in read_po(open(LOCALES_DIR / "messages.pot", "rb")) if m.id}
    for lang in available_languages():
        if lang == "en":
            continue  # msgids are English
        c = catalog(lang)
        translated = {m.id for m in c if m.id and m.string and not m.fuzzy}
        assert template <= translated, f"{lang} lacks {sorted(template - translated)[:5]}"


def test_shipped_languages():
    assert {"en", "de"} <= set(available_languages())


def test_german_dates_and_numbers():
    de, en = translator("de"), translator("en")
    assert de.date("2027-03-01") == "01.03.2027"
    assert en.date("2027-03-01") == "1 Mar 2027"
    assert de.number(3.5) == "3,5"


def test_german_documents_are_german(minimal_out):
    from tests.conftest import pdftotext
    pdf = squash(pdftotext(minimal_out / "m1" / "learning-agreement.de.pdf"))
    assert "Lernvereinbarung" in pdf and "01.03.2027" in pdf
    assert "Rotation durch die Patisserie." in pdf  # the data's German text
    doc = squash(docx_text(minimal_out / "m1" / "personal-transcript.de.docx"))
    assert translator("de").gettext("Personal Transcript") in doc
    assert "Personal Transcript" not in doc
