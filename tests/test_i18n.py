"""Translations come from the catalogs; dates and numbers from CLDR."""

from __future__ import annotations

import pytest

from babel.messages.pofile import read_po

from pipeline.i18n import LOCALES_DIR, available_languages, translator
from tests.conftest import squash
from tests.test_docx import docx_text


def catalog(lang: str):
    with open(LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "ro", "lt", "el", "bg", "tr")


def test_the_catalog_gate_passes():
    """make i18n-check: every catalog complete, no fuzzy entry, placeholders kept, pot current."""
    from pipeline.catalogs import check

    check()


def test_shipped_languages():
    assert set(LANGUAGES) <= set(available_languages())


def test_every_translation_prints_with_the_embedded_font():
    """A letter outside DejaVu Sans would print as a box (.notdef) on every engine."""
    from pipeline.fonts import printable_characters

    printable = printable_characters() | {ord("\n")}
    for lang in available_languages():
        for message in catalog(lang):
            missing = {c for c in (message.string or "") if ord(c) not in printable}
            assert not missing, (lang, message.id, missing)


def test_german_dates_and_numbers():
    de, en = translator("de"), translator("en")
    assert de.date("2027-03-01") == "01.03.2027"
    assert en.date("2027-03-01") == "01/03/2027"  # dd/mm/yyyy as the annexes ask
    assert de.number(3.5) == "3,5"


@pytest.mark.parametrize("lang,pattern", [("de", "dd.MM.yyyy"), ("en", "dd/MM/yyyy"), ("pl", "dd.MM.yyyy"),
                                          ("el", "dd/MM/yyyy"), ("bg", "dd.MM.yyyy\u202f'г'."), ("lt", "yyyy-MM-dd")])
def test_numeric_dates_keep_the_locale_order_with_a_four_digit_year(lang, pattern):
    from babel import Locale

    from pipeline.i18n import numeric_date_pattern

    from pipeline.i18n import RENDER_LOCALE

    assert numeric_date_pattern(Locale.parse(RENDER_LOCALE.get(lang, lang))) == pattern
    assert numeric_date_pattern(Locale.parse("en_US")) == "dd/MM/yyyy"  # never month first


@pytest.mark.parametrize("days,en,de", [
    (28, "4 weeks", "4 Wochen"),
    (26, "4 weeks", "4 Wochen"),  # Monday 1 to Friday 26 March: the last working week counts
    (23, "3 weeks and 2 days", "3 Wochen und 2 Tage"),
    (8, "1 week and 1 day", "1 Woche und 1 Tag"),
    (3, "3 days", "3 Tage"),
])
def test_a_stay_is_counted_in_whole_weeks_and_days(days, en, de):
    assert translator("en").duration(days) == en
    assert translator("de").duration(days) == de


def test_german_documents_are_german(minimal_out):
    from tests.conftest import pdftotext
    pdf = squash(pdftotext(minimal_out / "m1" / "learning-agreement.de.pdf"))
    assert "Lernvereinbarung" in pdf and "01.03.2027" in pdf
    assert "Rotation durch die Patisserie." in pdf  # the data's German text
    doc = squash(docx_text(minimal_out / "m1" / "personal-transcript.de.docx"))
    assert translator("de").gettext("Personal Transcript") in doc
    assert "Personal Transcript" not in doc


def test_status_counts_a_plural_entry_as_translated_only_with_every_form(tmp_path):
    """Babel's statistics look at the first plural form; Polish has three."""
    from pipeline.catalogs import status

    po = tmp_path / "pl" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: pl\\n"\n'
        '"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "{n} week"\nmsgid_plural "{n} weeks"\nmsgstr[0] "{n} tydzień"\nmsgstr[1] "{n} tygodnie"\n'
        'msgstr[2] ""\n\n'
        'msgid "{n} day"\nmsgid_plural "{n} days"\nmsgstr[0] "{n} dzień"\nmsgstr[1] "{n} dni"\nmsgstr[2] "{n} dni"\n\n'
        'msgid "Unit"\nmsgstr ""\n', encoding="utf-8")
    [row] = status(tmp_path)
    assert (row.lang, row.translated, row.fuzzy, row.untranslated) == ("pl", 1, 0, 2)
