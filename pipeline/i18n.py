"""Translations and locale-aware formatting, bound to one render language.

Labels are English msgids marked with `N_` in the form declarations; catalogs are the
committed `.po` files under `forms/locales/<lang>/LC_MESSAGES/`, read directly with Babel
(no `.mo` build step can go stale). Dates and numbers go through CLDR via Babel.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.units import format_unit

from pipeline.errors import UnknownLanguage
from pipeline.paths import LOCALES_DIR

DOMAIN = "messages"

# The CLDR locale a bare language renders with: European conventions for English
# (day before month), the language itself elsewhere.
RENDER_LOCALE = {"en": "en_GB", "pt": "pt_PT"}


def N_(message: str) -> str:
    """Mark a string for extraction by `pybabel extract -k N_`; translated at render time."""
    return message


class Message(str):
    """A msgid with a msgctxt: a short word whose translation depends on where it stands
    ("Other" enclosure, "Name" of a person). It is still the English text itself."""

    context: str

    def __new__(cls, context: str, message: str) -> "Message":
        new = super().__new__(cls, message)
        new.context = context
        return new

    def __reduce__(self) -> tuple:
        return Message, (self.context, str.__str__(self))


def NC_(context: str, message: str) -> Message:  # noqa: N802 - gettext's naming
    """Mark a msgid with its msgctxt (`pybabel extract -k NC_:1c,2`)."""
    return Message(context, message)


@lru_cache(maxsize=None)
def _languages() -> tuple[str, ...]:
    return tuple(sorted(
        p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    ))


def available_languages() -> list[str]:
    """Languages with a catalog; the folder is listed once per process."""
    return list(_languages())


# Separates a bilingual text's primary language from its secondary one (an ASCII control
# character no validated input contains): renderers show the second part visually
# secondary, or join the two with `plain`.
SECONDARY = "\x1f"
PAIR = "+"  # `de+en`: German forms with the English beneath


def plain(text: str, joiner: str = " / ") -> str:
    """A bilingual text on one line, for tooltips and footers."""
    return text.replace(SECONDARY, joiner)


def combine(template: str, *parts: str) -> str:
    """`template.format(*parts)` for each language of bilingual parts: the primary texts
    together, then the secondary ones (a part without a secondary repeats its primary)."""
    split = [p.split(SECONDARY, 1) for p in parts]
    primary = template.format(*(s[0] for s in split))
    if all(len(s) == 1 for s in split):
        return primary
    return primary + SECONDARY + template.format(*(s[-1] for s in split))


def languages_of(spec: str) -> list[str]:
    """The languages of an output language: `de` or a pair `de+en`."""
    return spec.split(PAIR)


HOST = "host"  # in a cohort's `languages`: the language of each mobility's host country


def host_language(country: str) -> str | None:
    """The host country's first official language that has a catalog (CLDR territory data)."""
    from babel.languages import get_official_languages

    available = available_languages()
    return next((lang for lang in get_official_languages(country, de_facto=True) if lang in available), None)


def output_language(spec: str, host_country: str | None) -> str:
    """`spec` with `host` replaced by the host country's language; a pair of one language
    twice becomes that language. Raises `UnknownLanguage` when the host's has no catalog."""
    parts = []
    for part in languages_of(spec):
        if part == HOST:
            found = host_language(host_country or "")
            if found is None:
                raise UnknownLanguage(f"{HOST} ({host_country})", available_languages())
            part = found
        if part not in parts:
            parts.append(part)
    return PAIR.join(parts)


def language_problem(spec: str) -> str | None:
    """Why an output language written in a cohort or mobility file cannot be produced."""
    parts = languages_of(spec)
    if len(parts) > 2 or len(set(parts)) != len(parts):
        return f"'{spec}': write one language ('de') or a pair of two different ones ('de+en')"
    unknown = [p for p in parts if p != HOST and p not in available_languages()]
    if unknown:
        return (f"unknown language '{unknown[0]}': no catalog forms/locales/{unknown[0]}/. "
                f"Available: {', '.join(available_languages())}, or '{HOST}' for the host country's language")
    return None


def check_language(lang: str) -> None:
    if PAIR in lang:
        parts = languages_of(lang)
        if len(parts) != 2 or parts[0] == parts[1]:
            raise UnknownLanguage(lang, available_languages())
        for part in parts:
            check_language(part)
        return
    if lang not in available_languages():
        raise UnknownLanguage(lang, available_languages())


@lru_cache(maxsize=None)
def _catalog(lang: str) -> dict[str, str]:
    check_language(lang)
    with open(LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as po:
        catalog = read_po(po, locale=lang)
    return {
        (m.context, m.id): m.string
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


@dataclass(frozen=True)
class Translator:
    """Everything language-specific a renderer needs, for one language."""

    lang: str
    _messages: dict[tuple[str | None, str], str] = field(repr=False, compare=False, default_factory=dict)
    locale: Locale = field(compare=False, default=None)  # type: ignore[assignment]
    secondary: "Translator | None" = field(compare=False, default=None)  # a pair's second language

    def gettext(self, message: str) -> str:
        """The translation, looked up with the message's msgctxt if it has one; for a pair,
        the second language's too (not for texts with placeholders: those are formatted
        once, in the first language)."""
        first = self._messages.get((getattr(message, "context", None), message), str.__str__(message))
        if self.secondary is None or "{" in message:
            return first
        second = self.secondary.gettext(message)
        return first if second == first else f"{first}{SECONDARY}{second}"

    def date(self, value: str | dt.date | None) -> str:
        """Numeric, in the locale's order with day and month in two digits and the year in
        four (01/03/2027, 01.03.2027): the annexes ask for dd/mm/yyyy, and a two-digit year
        or a month name abbreviated differently per language is not what a form shows."""
        if not value:
            return ""
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        return format_date(value, format=numeric_date_pattern(self.locale), locale=self.locale)

    def duration(self, days: int) -> str:
        """A stay's length as people count it: "4 weeks", "3 weeks and 2 days", with the
        language's plural forms (CLDR). See `weeks_and_days` for the counting."""
        weeks, rest = weeks_and_days(days)
        parts = [format_unit(n, unit, length="long", locale=self.locale)
                 for n, unit in ((weeks, "duration-week"), (rest, "duration-day")) if n]
        return format_list(parts, locale=self.locale) if parts else ""

    def number(self, value: float | int | None) -> str:
        if value is None:
            return ""
        return format_decimal(value, locale=self.locale)


@lru_cache(maxsize=None)
def numeric_date_pattern(locale: Locale) -> str:
    """The locale's short date pattern with dd, MM and a four-digit year; a month-first
    order (en_US) becomes day-first, since a form read in Europe must never be ambiguous."""
    pattern = locale.date_formats["short"].pattern
    # Only outside quoted literals ('г'. in Bulgarian).
    parts = pattern.split("'")
    for i in range(0, len(parts), 2):
        part = re.sub(r"y+", "yyyy", re.sub(r"M+", "MM", re.sub(r"d+", "dd", parts[i])))
        if not part.lstrip().startswith("yyyy") and 0 <= part.find("MM") < part.find("dd"):
            part = part.replace("MM", "\0").replace("dd", "MM").replace("\0", "dd")
        parts[i] = part
    return "'".join(parts)


def weeks_and_days(days: int) -> tuple[int, int]:
    """Calendar days of a stay (first and last day included) as whole weeks and days.
    A last week of five or six days (Monday to Friday or Saturday, the working week of a
    placement) counts as a week: a stay from Monday 1 to Friday 26 March is 4 weeks."""
    weeks, rest = divmod(days, 7)
    return (weeks + 1, 0) if rest >= 5 else (weeks, rest)


@lru_cache(maxsize=None)
def translator(lang: str) -> Translator:
    """One cached translator per language (or pair): catalogs and CLDR data load once per
    process. A pair formats dates and numbers in its first language."""
    if PAIR in lang:
        check_language(lang)
        first, second = languages_of(lang)
        base = translator(first)
        return Translator(lang, base._messages, base.locale, translator(second))
    messages = _catalog(lang)
    return Translator(lang, messages, Locale.parse(RENDER_LOCALE.get(lang, lang)))
