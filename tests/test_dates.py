"""Typed dates are read only when they are unambiguous; everything else is a coordinator message.

Month spellings below were checked against Babel's CLDR data (`test_written_names_are_cldr`
keeps them honest), and every CLDR month name of every form language is read back.
"""

from __future__ import annotations

import datetime as dt

import pytest
from babel.dates import get_month_names

from pipeline.read.dates import DateNotUnderstood, _month_table, parse_typed_date

LANGS = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "ro", "lt", "el", "bg", "tr")
APR9 = dt.date(2027, 4, 9)


def cldr_names(lang: str) -> dict[str, int]:
    """Every CLDR month name of `lang`: wide/abbreviated, format/stand-alone."""
    return {
        name: month
        for width in ("wide", "abbreviated")
        for context in ("format", "stand-alone")
        for month, name in get_month_names(width, context, lang).items()
    }


# --- accepted: numbers ---------------------------------------------------------------

NUMERIC = [
    # ISO, year first: unambiguous
    ("2027-04-09", "en", APR9),
    ("2027/04/09", "de", APR9),
    ("2027.04.09", "lt", APR9),
    ("2027-4-9", "pl", APR9),
    ("2027-09-04", "en", dt.date(2027, 9, 4)),
    # year last: always day first
    ("9/4/2027", "en", APR9),
    ("09/04/2027", "it", APR9),
    ("09.04.2027", "de", APR9),
    ("9-4-2027", "fr", APR9),
    ("9 4 2027", "nl", APR9),
    ("9. 4. 2027", "cs", APR9),
    ("9.4.2027.", "pl", APR9),
    ("09. 04. 2027.", "pl", APR9),
    ("  09/04/2027\t", "es", APR9),
    ("09\u00a004\u00a02027", "ro", APR9),
    ("19/04/2027", "en", dt.date(2027, 4, 19)),
    ("12/11/2027", "en", dt.date(2027, 11, 12)),
    ("29.02.2028", "de", dt.date(2028, 2, 29)),
    ("1/1/1900", "tr", dt.date(1900, 1, 1)),
    ("31/12/2100", "el", dt.date(2100, 12, 31)),
]


@pytest.mark.parametrize(("text", "lang", "expected"), NUMERIC)
def test_numeric(text: str, lang: str, expected: dt.date) -> None:
    assert parse_typed_date(text, lang) == expected


# --- accepted: month names -----------------------------------------------------------

# (text, lang, expected, the month name as typed: checked against CLDR below)
NAMED = [
    ("9 April 2027", "en", APR9, "April"),
    ("9 Apr 2027", "en", APR9, "Apr"),
    ("9 Apr. 2027", "en", APR9, "Apr"),
    ("April 9, 2027", "en", APR9, "April"),
    ("Apr 9 2027", "en", APR9, "Apr"),
    ("09-Apr-2027", "en", APR9, "Apr"),
    ("9th April 2027", "en", APR9, "April"),
    ("the 9th of April 2027", "en", APR9, "April"),
    ("9 SEPT 2027", "en", dt.date(2027, 9, 9), None),  # common, not CLDR
    ("9. April 2027", "de", APR9, "April"),
    ("9. Apr. 2027", "de", APR9, "Apr."),
    ("9. März 2027", "de", dt.date(2027, 3, 9), "März"),
    ("9. Mär 2027", "de", dt.date(2027, 3, 9), "Mär"),
    ("9. Sept. 2027", "de", dt.date(2027, 9, 9), "Sept."),
    ("9. Dez 2027", "de", dt.date(2027, 12, 9), "Dez"),
    ("9 avril 2027", "fr", APR9, "avril"),
    ("9 avr. 2027", "fr", APR9, "avr."),
    ("9 avr 2027", "fr", APR9, "avr."),
    ("1er février 2027", "fr", dt.date(2027, 2, 1), "février"),
    ("le 9 août 2027", "fr", dt.date(2027, 8, 9), "août"),
    ("9 déc. 2027", "fr", dt.date(2027, 12, 9), "déc."),
    ("9 de abril de 2027", "es", APR9, "abril"),
    ("9 abr 2027", "es", APR9, "abr"),
    ("9 sept 2027", "es", dt.date(2027, 9, 9), "sept"),
    ("1º de abril de 2027", "es", dt.date(2027, 4, 1), "abril"),
    ("9 aprile 2027", "it", APR9, "aprile"),
    ("9 giu 2027", "it", dt.date(2027, 6, 9), "giu"),
    ("9 maggio 2027", "it", dt.date(2027, 5, 9), "maggio"),
    ("9 de abril de 2027", "pt", APR9, "abril"),
    ("9 abr. 2027", "pt", APR9, "abr."),
    ("9 de março de 2027", "pt", dt.date(2027, 3, 9), "março"),
    ("9 april 2027", "nl", APR9, "april"),
    ("9 mrt 2027", "nl", dt.date(2027, 3, 9), "mrt"),
    ("9 mei 2027", "nl", dt.date(2027, 5, 9), "mei"),
    ("9 kwietnia 2027", "pl", APR9, "kwietnia"),
    ("9 kwiecień 2027", "pl", APR9, "kwiecień"),
    ("9 kwi 2027", "pl", APR9, "kwi"),
    ("9 kwietnia 2027 r.", "pl", APR9, "kwietnia"),
    ("9 października 2027", "pl", dt.date(2027, 10, 9), "października"),
    ("9. dubna 2027", "cs", APR9, "dubna"),
    ("9. duben 2027", "cs", APR9, "duben"),
    ("9. dub. 2027", "cs", APR9, "dub"),
    ("9. června 2027", "cs", dt.date(2027, 6, 9), "června"),
    ("9. července 2027", "cs", dt.date(2027, 7, 9), "července"),
    ("9. čvc 2027", "cs", dt.date(2027, 7, 9), "čvc"),
    ("9 aprilie 2027", "ro", APR9, "aprilie"),
    ("9 apr. 2027", "ro", APR9, "apr."),
    ("9 ian. 2027", "ro", dt.date(2027, 1, 9), "ian."),
    ("2027 m. balandžio 9 d.", "lt", APR9, "balandžio"),
    ("2027 balandžio 9", "lt", APR9, "balandžio"),
    ("2027 m. bal. 9 d.", "lt", APR9, "bal."),
    ("2027 m. birželio 9 d.", "lt", dt.date(2027, 6, 9), "birželio"),
    ("9 Απριλίου 2027", "el", APR9, "Απριλίου"),
    ("9 Απρίλιος 2027", "el", APR9, "Απρίλιος"),
    ("9 Απρ 2027", "el", APR9, "Απρ"),
    ("9 Μαΐου 2027", "el", dt.date(2027, 5, 9), "Μαΐου"),
    ("9 април 2027", "bg", APR9, "април"),
    ("9 апр 2027", "bg", APR9, "апр"),
    ("9 април 2027 г.", "bg", APR9, "април"),
    ("9 юни 2027", "bg", dt.date(2027, 6, 9), "юни"),
    ("9 Nisan 2027", "tr", APR9, "Nisan"),
    ("9 Nis 2027", "tr", APR9, "Nis"),
    ("9 Ağustos 2027", "tr", dt.date(2027, 8, 9), "Ağustos"),
    ("9 Şubat 2027", "tr", dt.date(2027, 2, 9), "Şubat"),
    # English names in any language
    ("9 April 2027", "pl", APR9, None),
    ("April 9, 2027", "el", APR9, None),
    ("9 Apr 2027", "tr", APR9, None),
    ("9 April 2027", "lt", APR9, None),
]


@pytest.mark.parametrize(("text", "lang", "expected", "_name"), NAMED)
def test_month_names(text: str, lang: str, expected: dt.date, _name: str | None) -> None:
    assert parse_typed_date(text, lang) == expected


@pytest.mark.parametrize(("text", "lang", "expected", "name"), [n for n in NAMED if n[3]])
def test_written_names_are_cldr(text: str, lang: str, expected: dt.date, name: str) -> None:
    """The spellings above are CLDR's, not guessed."""
    assert cldr_names(lang).get(name) == expected.month


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("9 ARALIK 2027", "tr", dt.date(2027, 12, 9)),  # dotless ı upper-cased
        ("9 subat 2027", "tr", dt.date(2027, 2, 9)),
        ("9 ΜΑΪΟΥ 2027", "el", dt.date(2027, 5, 9)),
        ("9 απριλιου 2027", "el", APR9),
        ("9 pazdziernika 2027", "pl", dt.date(2027, 10, 9)),
        ("9. cervence 2027", "cs", dt.date(2027, 7, 9)),
        ("9 aout 2027", "fr", dt.date(2027, 8, 9)),
        ("2027 BALANDZIO 9", "lt", APR9),
        ("9 DE MARCO DE 2027", "pt", dt.date(2027, 3, 9)),
        ("9. c\u030cervna 2027", "cs", dt.date(2027, 6, 9)),  # decomposed (NFD) input
        ("9 ΜΑΪ́ΟΥ 2027", "el", dt.date(2027, 5, 9)),  # upper-cased ΐ keeps a combining accent
    ],
)
def test_case_and_accents_ignored(text: str, lang: str, expected: dt.date) -> None:
    assert parse_typed_date(text, lang) == expected


@pytest.mark.parametrize("lang", LANGS)
def test_every_cldr_month_name(lang: str) -> None:
    """Each CLDR name reads back, as written, upper-cased, with and without a trailing dot."""
    for name, month in cldr_names(lang).items():
        bare = name.rstrip(".")
        for typed in (name, bare, bare + ".", name.upper()):
            for text in (f"9 {typed} 2027", f"{typed} 9, 2027", f"2027 {typed} 9"):
                assert parse_typed_date(text, lang) == dt.date(2027, month, 9), (text, lang)


def test_unknown_language_falls_back_to_english() -> None:
    assert parse_typed_date("9 April 2027", "xx") == APR9
    assert parse_typed_date("09/04/2027", "") == APR9
    assert parse_typed_date("9 kwietnia 2027", "pl-PL") == APR9
    with pytest.raises(DateNotUnderstood, match="'kwietnia' is not a month name"):
        parse_typed_date("9 kwietnia 2027", "xx")


def test_month_tables_are_cached() -> None:
    assert _month_table("pl") is _month_table("pl")


# --- rejected ------------------------------------------------------------------------

REJECTED = [
    # month/day/year is not what the form asks for
    ("4/19/2027", "en", "looks like month/day/year"),
    ("4/19/2027", "en", "the form asks for day/month/year"),
    ("12/31/2027", "en", "month/day/year"),
    ("9/13/2027", "en", "no month 13"),
    ("9/13/2027", "en", "month/day/year"),
    # impossible dates
    ("31.02.2027", "de", "'31.02.2027' is not a real date (February 2027 has 28 days)"),
    ("29.02.2027", "de", "February 2027 has 28 days"),
    ("31/04/2027", "fr", "April 2027 has 30 days"),
    ("32/01/2027", "en", "January 2027 has 31 days"),
    ("31 April 2027", "en", "April 2027 has 30 days"),
    ("0/4/2027", "en", "no day 0"),
    ("0 kwietnia 2027", "pl", "no day 0"),
    ("9/0/2027", "en", "no month 0"),
    ("13/13/2027", "en", "no month 13"),
    ("2027-13-09", "en", "no month 13"),
    ("2027-02-30", "en", "February 2027 has 28 days"),
    # years
    ("9/4/1899", "en", "outside 1900–2100"),
    ("9/4/2101", "en", "outside 1900–2100"),
    ("9 April 1827", "en", "year 1827"),
    ("9/4/27", "en", "write the year in full"),
    ("09.04.27", "de", "two-digit year"),
    ("27-04-09", "en", "write the year in full"),
    ("9 April 27", "en", "write the year in full"),
    ("9 kwietnia 27", "pl", "write the year in full"),
    # empty
    ("", "en", "empty"),
    ("   ", "de", "empty"),
    # anything else
    ("hello", "en", "'hello' is not a date this form understands"),
    ("hello", "en", "write it as dd/mm/yyyy, e.g. 09/04/2027"),
    ("9 Aprul 2027", "en", "'Aprul' is not a month name"),
    ("9 Friday 2027", "en", "dd/mm/yyyy"),
    ("09042027", "en", "dd/mm/yyyy"),
    ("9/4", "en", "dd/mm/yyyy"),
    ("9/4/02027", "en", "dd/mm/yyyy"),
    ("2027-04-09-01", "en", "dd/mm/yyyy"),
    ("2027-04-09T10:00", "en", "dd/mm/yyyy"),
    ("9/4/2027?", "en", "dd/mm/yyyy"),
    ("9th/4/2027", "en", "dd/mm/yyyy"),
    ("9 April 2027th", "en", "dd/mm/yyyy"),
    ("April 2027", "en", "no day"),
    ("9 April", "en", "no year"),
    ("9 April May 2027", "en", "more than one month name"),
    ("9 April 2027 10", "en", "dd/mm/yyyy"),
    ("9 kwietnia 2027", "de", "'kwietnia' is not a month name"),
]


@pytest.mark.parametrize(("text", "lang", "phrase"), REJECTED)
def test_rejected(text: str, lang: str, phrase: str) -> None:
    with pytest.raises(DateNotUnderstood) as caught:
        parse_typed_date(text, lang)
    assert phrase in str(caught.value)


def test_rejection_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_typed_date("31.02.2027", "en")


def test_month_day_year_is_not_swapped_silently() -> None:
    """The message may say what to write if the swap is meant, but nothing is returned."""
    with pytest.raises(DateNotUnderstood) as caught:
        parse_typed_date("4/19/2027", "en")
    assert str(caught.value).startswith("'4/19/2027' ")
    assert "19/04/2027" in str(caught.value)


def test_quoted_text_is_truncated() -> None:
    text = "9 April 2027, or thereabouts, depending on the bus timetable"
    with pytest.raises(DateNotUnderstood) as caught:
        parse_typed_date(text, "en")
    message = str(caught.value)
    assert message.startswith("'" + text[:39] + "…'")
    assert text not in message
    assert "dd/mm/yyyy" in message
