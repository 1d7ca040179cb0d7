"""Translations and locale-aware formatting, bound to one render language.

Labels are English msgids marked with `N_` in the form declarations; catalogs are the
committed `.po` files under `forms/locales/<lang>/LC_MESSAGES/`, read directly with Babel
(no `.mo` build step can go stale). Dates and numbers go through CLDR via Babel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from pipeline.errors import UnknownLanguage
from pipeline.paths import LOCALES_DIR

DOMAIN = "messages"

# The CLDR locale a bare language renders with: European conventions for English
# (day before month), the language itself elsewhere.
RENDER_LOCALE = {"en": "en_GB"}


def N_(message: str) -> str:
    """Mark a string for extraction by `pybabel extract -k N_`; translated at render time."""
    return message


@lru_cache(maxsize=None)
def _languages() -> tuple[str, ...]:
    return tuple(sorted(
        p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    ))


def available_languages() -> list[str]:
    """Languages with a catalog; the folder is listed once per process."""
    return list(_languages())


def check_language(lang: str) -> None:
    if lang not in available_languages():
        raise UnknownLanguage(lang, available_languages())


@lru_cache(maxsize=None)
def _catalog(lang: str) -> dict[str, str]:
    check_language(lang)
    with open(LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as po:
        catalog = read_po(po, locale=lang)
    return {
        m.id: m.string
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


@dataclass(frozen=True)
class Translator:
    """Everything language-specific a renderer needs, for one language."""

    lang: str
    _messages: dict[str, str] = field(repr=False, compare=False, default_factory=dict)
    locale: Locale = field(compare=False, default=None)  # type: ignore[assignment]

    def gettext(self, message: str) -> str:
        return self._messages.get(message, message)

    def date(self, value: str | dt.date | None) -> str:
        if not value:
            return ""
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        return format_date(value, format="medium", locale=self.locale)

    def number(self, value: float | int | None) -> str:
        if value is None:
            return ""
        return format_decimal(value, locale=self.locale)


@lru_cache(maxsize=None)
def translator(lang: str) -> Translator:
    """One cached translator per language: catalogs and CLDR data load once per process."""
    messages = _catalog(lang)
    return Translator(lang, messages, Locale.parse(RENDER_LOCALE.get(lang, lang)))
