"""Dates that host companies typed by hand into a filled-in form, read as ISO dates.

A host types a date into a PDF field in the form's language: `09.04.2027`, `9/4/2027`,
`9 kwietnia 2027`, `2027 m. balandžio 9 d.`, `April 9, 2027`. The ECVET annexes ask for
day/month/year, so a numeric date is read day first. The reader never guesses: `4/19/2027`
(month/day/year), `9/4/27` (which century?) and `31.02.2027` are not silently "fixed" but
raise `DateNotUnderstood`, whose message a coordinator reads to ask the host for a correction.
A wrong date in a signed learning agreement is worse than a question.

Month names come from CLDR via Babel: wide and abbreviated, format (genitive in Slavic,
Greek, Lithuanian...) and stand-alone forms, in the form's language and in English (hosts
often type English). Matching ignores case, accents and a trailing dot.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from functools import lru_cache

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import get_month_names

__all__ = ["DateNotUnderstood", "parse_typed_date"]

MIN_YEAR, MAX_YEAR = 1900, 2100
HINT = "write it as dd/mm/yyyy, e.g. 09/04/2027"
QUOTE_LIMIT = 40

# Fixed English names for messages (calendar.month_name follows the process locale).
_ENGLISH_MONTHS = (
    "", "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)

# Common spellings CLDR lacks, keyed by normalised form.
_EXTRA_ENGLISH = {"sept": 9}

# Words that may surround a date and carry no meaning for it, per language (normalised):
# "9 de abril de 2027", "le 1er avril 2027", "2027 m. balandžio 9 d.", "9 kwietnia 2027 r.",
# "9 април 2027 г.". English ones apply everywhere: "the 9th of April 2027".
_FILLERS: dict[str, frozenset[str]] = {
    "en": frozenset({"the", "of"}),
    "es": frozenset({"de", "del"}),
    "pt": frozenset({"de", "do"}),
    "fr": frozenset({"le"}),
    "lt": frozenset({"m", "d"}),
    "pl": frozenset({"r"}),
    "bg": frozenset({"г"}),
}

# Ordinal endings glued to a day: 9th, 1er, 1º (º and ª normalise to o and a).
_ORDINALS = frozenset({"st", "nd", "rd", "th", "er", "o", "a"})

# Numbers, words (letters in any script, with combining marks NFC cannot fold, as in an
# upper-cased Greek 'ΜΑΪ́ΟΥ'), separators, and anything else (which is refused).
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_TOKEN = re.compile(
    rf"(?P<num>[0-9]+)|(?P<word>(?:[^\W\d_][{_MARKS}]*)+)|(?P<sep>[\s,./\-]+)|(?P<other>.)"
)


class DateNotUnderstood(ValueError):
    """str(exc) is a message for a coordinator, e.g.
    "'31.02.2027' is not a real date (February 2027 has 28 days)"."""


def _norm(word: str) -> str:
    """Case-, accent- and trailing-dot-insensitive key: 'Μαΐου' -> 'μαιου', 'Şubat' -> 'subat'."""
    word = word.casefold().replace("ı", "i")  # Turkish dotless i has no decomposition
    word = unicodedata.normalize("NFKD", word)
    return "".join(c for c in word if not unicodedata.combining(c)).rstrip(".")


def _base_language(lang: str) -> str:
    return lang.replace("-", "_").split("_")[0].lower()


@lru_cache(maxsize=None)
def _month_table(lang: str) -> dict[str, int | None]:
    """Normalised month name -> month number, for `lang` plus English.

    A name meaning two different months after normalisation maps to None (ambiguous:
    refused, not guessed). Unknown language codes give the English names only.
    """
    locales = [Locale("en")]
    try:
        locale = Locale.parse(lang.replace("-", "_"))
        if locale.language != "en":
            locales.append(locale)
    except (ValueError, TypeError, UnknownLocaleError):
        pass
    found: dict[str, set[int]] = {k: {m} for k, m in _EXTRA_ENGLISH.items()}
    for locale in locales:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for month, name in get_month_names(width, context, locale).items():
                    found.setdefault(_norm(name), set()).add(month)
    return {k: (next(iter(v)) if len(v) == 1 else None) for k, v in found.items()}


def _quote(text: str) -> str:
    return "'" + (text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…") + "'"


def _not_understood(text: str, reason: str = "") -> DateNotUnderstood:
    detail = f" ({reason})" if reason else ""
    return DateNotUnderstood(f"{_quote(text)} is not a date this form understands{detail}; {HINT}")


def _two_digit_year(text: str) -> DateNotUnderstood:
    return DateNotUnderstood(
        f"{_quote(text)} has a two-digit year, which could be more than one century; "
        "write the year in full, e.g. 09/04/2027"
    )


def _build(text: str, year: int, month: int, day: int) -> dt.date:
    """The date, or why it does not exist."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateNotUnderstood(
            f"{_quote(text)} has the year {year}, outside {MIN_YEAR}–{MAX_YEAR}; check the year"
        )
    if not 1 <= month <= 12:
        raise DateNotUnderstood(f"{_quote(text)} is not a real date (there is no month {month})")
    days = calendar.monthrange(year, month)[1]
    if day == 0:
        raise DateNotUnderstood(f"{_quote(text)} is not a real date (there is no day 0)")
    if day > days:
        raise DateNotUnderstood(
            f"{_quote(text)} is not a real date ({_ENGLISH_MONTHS[month]} {year} has {days} days)"
        )
    return dt.date(year, month, day)


def _numeric(text: str, a: str, b: str, c: str) -> dt.date:
    """Three numbers: year first (ISO) or day/month/year; nothing else."""
    if len(a) == 4 and len(b) <= 2 and len(c) <= 2:
        return _build(text, int(a), int(b), int(c))
    if len(a) <= 2 and len(b) <= 2:
        if len(c) == 4:
            day, month, year = int(a), int(b), int(c)
            if 12 < month <= 31 and 1 <= day <= 12:
                # Valid only as month/day/year: say so, and do not swap it ourselves.
                raise DateNotUnderstood(
                    f"{_quote(text)} is not a valid day/month/year date (there is no month "
                    f"{month}); it looks like month/day/year, but the form asks for "
                    f"day/month/year: if {month} {_ENGLISH_MONTHS[day]} {year} is meant, "
                    f"write {month:02d}/{day:02d}/{year}"
                )
            return _build(text, year, month, day)
        if len(c) <= 2:
            raise _two_digit_year(text)
    raise _not_understood(text)


def _with_month_name(text: str, month: int, numbers: list[tuple[str, bool]]) -> dt.date:
    """A month name and two numbers: the four-digit one is the year, the other the day.

    With the month named, every order is unambiguous ("9 April 2027", "April 9, 2027",
    "2027 balandžio 9").
    """
    years = [n for n, _ in numbers if len(n) == 4]
    days = [(n, ordinal) for n, ordinal in numbers if len(n) <= 2]
    if len(numbers) == 2 and len(years) == 1 and len(days) == 1:
        year_has_ordinal = any(ordinal for n, ordinal in numbers if len(n) == 4)
        if not year_has_ordinal:
            return _build(text, int(years[0]), month, int(days[0][0]))
    if len(numbers) == 2 and len(days) == 2:
        raise _two_digit_year(text)
    if len(numbers) == 1:
        raise _not_understood(text, "no day" if years else "no year")
    raise _not_understood(text)


def parse_typed_date(text: str, lang: str) -> dt.date:
    """The date typed in a form field of language `lang`, or `DateNotUnderstood`.

    Accepts day/month/year with `/ . -` or spaces as separators (`9. 4. 2027`), ISO year
    first (`2027-04-09`), and month names in `lang` or English in any unambiguous order.
    """
    stripped = unicodedata.normalize("NFC", text).strip()
    if not stripped:
        raise DateNotUnderstood("the date is empty")

    table = _month_table(lang)
    fillers = _FILLERS["en"] | _FILLERS.get(_base_language(lang), frozenset())
    numbers: list[tuple[str, bool]] = []  # (digits, had an ordinal ending)
    months: list[int] = []
    previous = ""  # kind of the previous token, to tell "9th" from "9 th"
    for token in _TOKEN.finditer(stripped):
        kind, value = token.lastgroup or "", token.group()
        if kind == "num":
            numbers.append((value, False))
        elif kind == "word":
            key = _norm(value)
            if previous == "num" and key in _ORDINALS:
                numbers[-1] = (numbers[-1][0], True)
            elif key in table:
                month = table[key]
                if month is None:
                    reason = f"{_quote(value)} could be more than one month"
                    raise _not_understood(stripped, reason)
                months.append(month)
            elif key not in fillers:
                raise _not_understood(stripped, f"{_quote(value)} is not a month name")
        elif kind == "other":
            raise _not_understood(stripped)
        previous = kind

    if not months:
        if len(numbers) == 3 and not any(ordinal for _, ordinal in numbers):
            return _numeric(stripped, *(n for n, _ in numbers))
        raise _not_understood(stripped)
    if len(months) == 1:
        return _with_month_name(stripped, months[0], numbers)
    raise _not_understood(stripped, "more than one month name")
