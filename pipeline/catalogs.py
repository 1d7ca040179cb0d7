"""The state of the translation catalogs, for translators and for the test gate.

`status` counts per language what is translated, fuzzy and untranslated, counting a
plural entry as translated only when every plural form the language has is filled (Babel's
own statistics look at the first form only). `check` is the gate `make i18n-check` and the
tests run: every shipped catalog complete and not fuzzy, placeholders kept, and
`messages.pot` up to date with the labels in the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.localedata import locale_identifiers
from babel.messages.pofile import read_po

from pipeline.errors import PipelineError
from pipeline.paths import LOCALES_DIR, ROOT

DOMAIN = "messages"
KEYWORDS = {"N_": None, "NC_": ((1, "c"), 2)}
COMMENT_TAGS = ["TRANSLATORS:"]
PLACEHOLDER = re.compile(r"\{\w*\}")


class CatalogProblems(PipelineError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems) + f"\n{len(problems)} catalog problem(s): see README, 'Languages'.")


@dataclass(frozen=True)
class Status:
    lang: str
    translated: int
    fuzzy: int
    untranslated: int

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated


def catalog_paths(locales: Path = LOCALES_DIR) -> dict[str, Path]:
    return {p.parent.parent.name: p for p in sorted(locales.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))}


def read_catalog(path: Path, lang: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def _forms(catalog: Catalog, message: Message) -> list[str]:
    if isinstance(message.string, (list, tuple)):
        return list(message.string)[: catalog.num_plurals]
    return [message.string]


def is_translated(catalog: Catalog, message: Message) -> bool:
    """Every plural form the language has is filled."""
    forms = _forms(catalog, message)
    expected = catalog.num_plurals if message.pluralizable else 1
    return len(forms) >= expected and all(f and f.strip() for f in forms)


def status(locales: Path = LOCALES_DIR) -> list[Status]:
    out = []
    for lang, path in catalog_paths(locales).items():
        catalog = read_catalog(path, lang)
        counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
        for message in catalog:
            if not message.id:
                continue
            if message.fuzzy:
                counts["fuzzy"] += 1
            elif is_translated(catalog, message):
                counts["translated"] += 1
            else:
                counts["untranslated"] += 1
        out.append(Status(lang, **counts))
    return out


def extracted(root: Path = ROOT) -> set[tuple[str | None, str]]:
    """(msgctxt, msgid) of every label in the code, as `make i18n-extract` finds them."""
    method_map = [("pipeline/**.py", "python")]
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(root), method_map, keywords=KEYWORDS, comment_tags=COMMENT_TAGS, strip_comment_tags=True):
        msgid = message[0] if isinstance(message, (list, tuple)) else message
        found.add((context, msgid))
    return found


def _shown(path: Path, root: Path) -> Path:
    return path.relative_to(root) if root in path.parents else path


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def check(locales: Path = LOCALES_DIR, root: Path = ROOT) -> None:
    """Raise `CatalogProblems` listing every problem; return quietly when all is well."""
    problems: list[str] = []
    pot_path = locales / f"{DOMAIN}.pot"
    with pot_path.open("rb") as handle:
        template = read_po(handle)
    in_pot = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in template if m.id}
    in_code = extracted(root)
    for context, msgid in sorted(in_code - in_pot, key=str):
        problems.append(f"{_shown(pot_path, root)}: '{msgid[:60]}' is in the code but not extracted: "
                        "run make i18n-update")
    for context, msgid in sorted(in_pot - in_code, key=str):
        problems.append(f"{_shown(pot_path, root)}: '{msgid[:60]}' is no longer in the code: "
                        "run make i18n-update")
    for lang, path in catalog_paths(locales).items():
        where = _shown(path, root)
        if lang not in locale_identifiers():
            problems.append(f"{where}: '{lang}' is not a language CLDR knows: name the folder with an ISO 639 code")
            continue
        catalog = read_catalog(path, lang)
        keys = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
        for context, msgid in sorted(in_pot - keys, key=str):
            problems.append(f"{where}: '{msgid[:60]}' is missing: run make i18n-update, then translate it")
        for message in catalog:
            if not message.id:
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            label = f"{where}: '{msgid[:60]}'" + (f" ({message.context})" if message.context else "")
            if message.fuzzy:
                problems.append(f"{label} is fuzzy: check the translation and remove the fuzzy flag")
            elif not is_translated(catalog, message):
                problems.append(f"{label} is not translated")
            else:
                for form in _forms(catalog, message):
                    if _placeholders(form) != _placeholders(msgid):
                        problems.append(f"{label}: the translation must keep the placeholders "
                                        f"{', '.join(_placeholders(msgid)) or '(none)'} exactly")
                        break
    if problems:
        raise CatalogProblems(problems)


def status_table(rows: list[Status]) -> str:
    lines = [f"{'language':<10}{'translated':>12}{'fuzzy':>8}{'untranslated':>14}{'total':>8}"]
    for row in rows:
        lines.append(f"{row.lang:<10}{row.translated:>12}{row.fuzzy:>8}{row.untranslated:>14}{row.total:>8}")
    return "\n".join(lines)


__all__ = ["CatalogProblems", "Status", "check", "status", "status_table"]
