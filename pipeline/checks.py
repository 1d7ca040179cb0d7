"""Semantic rules the schema cannot express (domain.md §9), on files that passed the schema.

Each rule reports a `Problem` located in the file and JSON pointer where the fix belongs.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from babel import localedata

from pipeline.errors import Problem, ValidationFailed
from pipeline.fonts import printable_characters
from pipeline.i18n import HOST, host_language, language_problem, languages_of
from pipeline.load import Cohort, SourceFile, load_cohort
from pipeline.resolve import Index, age_on, merged

# Windows device names (any case, with or without an extension): never a file or folder name.
RESERVED_NAMES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
                            *(f"{d}{i}" for d in ("COM", "LPT") for i in (*"123456789", "¹", "²", "³"))})
SHARED_LISTS = ("organisations", "persons", "qualifications", "units", "criteria_sets")


def check_cohort(cohort: Cohort, skip: set[str] = frozenset()) -> list[Problem]:
    """All semantic problems of the cohort file and of every mobility file not in `skip`
    (files that already failed the schema)."""
    index = Index.of(cohort.cohort.data)
    problems = list(_cohort_problems(cohort.cohort, index))
    seen: dict[str, str] = {}
    for source in cohort.mobilities:
        if source.name in skip:
            continue
        mid = source.data.get("mobility_id")
        if isinstance(mid, str) and mid.split(".")[0].upper() in RESERVED_NAMES:
            problems.append(Problem(source.name, "/mobility_id",
                                    f"'{mid}' is a reserved device name on Windows: the mobility id becomes a "
                                    "folder name, which Windows cannot create or open; choose another id"))
        if mid in seen:
            problems.append(Problem(source.name, "/mobility_id",
                                    f"'{mid}' is already used by {seen[mid]}: give every mobility its own id"))
        seen.setdefault(mid, source.name)
        problems += _mobility_problems(cohort, source, index)
    return problems


def validate(folder: Path) -> tuple[Cohort, list[Problem]]:
    """Load and check everything; raise `ValidationFailed` listing every error at once.

    Semantic rules run on every file that passed the schema, so one broken mobility
    does not hide the problems of the others (they need a schema-valid cohort.json)."""
    cohort, problems = load_cohort(folder)
    if cohort is not None and not any(p.file == cohort.cohort.name for p in problems):
        broken = {p.file for p in problems if not p.warning}
        problems += check_cohort(cohort, skip=broken)
    problems.sort(key=lambda p: (p.file, p.warning))
    if cohort is None or any(not p.warning for p in problems):
        raise ValidationFailed(problems)
    return cohort, problems


def _cohort_problems(source: SourceFile, index: Index) -> Iterator[Problem]:
    c = source.data
    p = lambda ptr, msg, warning=False: Problem(source.name, ptr, msg, warning)  # noqa: E731
    yield from _character_problems(source)
    for key in SHARED_LISTS:
        counts = Counter(e.get("id") for e in c.get(key, []))
        for i, entry in enumerate(c.get(key, [])):
            if counts[entry.get("id")] > 1:
                yield p(f"/{key}/{i}/id", f"duplicate id '{entry['id']}': ids must be unique within {key}")
    for i, lang in enumerate(c.get("languages", [])):
        if language_problem(lang):
            yield p(f"/languages/{i}", language_problem(lang))
    for i, org in enumerate(c.get("organisations", [])):
        for key in ("contact_person", "tutor"):
            if org.get(key) and org[key] not in index.persons:
                yield p(f"/organisations/{i}/{key}", _unknown("person", org[key], index.persons))
    for i, person in enumerate(c.get("persons", [])):
        if person.get("organisation") and person["organisation"] not in index.organisations:
            yield p(f"/persons/{i}/organisation", _unknown("organisation", person["organisation"], index.organisations))
    for i, criteria in enumerate(c.get("criteria_sets", [])):
        kinds = [g.get("kind") for g in criteria.get("groups", [])]
        if "health_safety" not in kinds:
            yield p(f"/criteria_sets/{i}/groups", "no health_safety group: annex II always assesses health "
                                                  "and safety rules; add a group with kind 'health_safety'")
        for kind in ("language", "social", "professional"):
            if kind not in kinds:
                yield p(f"/criteria_sets/{i}/groups", f"no '{kind}' group: annex II assesses {kind} skills "
                                                      "too; add one unless that is intended", warning=True)
    for i, unit in enumerate(c.get("units", [])):
        if unit.get("criteria_set") not in index.criteria_sets:
            yield p(f"/units/{i}/criteria_set", _unknown("criteria set", unit.get("criteria_set"), index.criteria_sets))
    yield from _translation_problems(source, c, c.get("languages", []), c.get("primary_language"))


def _mobility_problems(cohort: Cohort, source: SourceFile, index: Index) -> Iterator[Problem]:
    cohort_name = cohort.cohort.name
    raw = source.data
    yield from _character_problems(source)
    m = merged(cohort.cohort.data.get("defaults", {}), raw)
    p = lambda ptr, msg, warning=False: Problem(source.name, ptr, msg, warning)  # noqa: E731

    def where(section: str) -> tuple[str, str]:
        """Blame the mobility if it sets the section, otherwise the cohort's defaults."""
        return (source.name, f"/{section}") if section in raw else (cohort_name, f"/defaults/{section}")

    for i, lang in enumerate(raw.get("languages", [])):
        if language_problem(lang):
            yield p(f"/languages/{i}", language_problem(lang))
    languages = raw.get("languages") or cohort.cohort.data.get("languages", [])
    host = index.organisations.get((m.get("organisations") or {}).get("host") or "")
    if host and any(HOST in languages_of(lang) for lang in languages):
        country = (host.get("address") or {}).get("country")
        if host_language(country or "") is None:
            name, ptr = (source.name, "/languages") if "languages" in raw else (cohort_name, "/languages")
            yield Problem(name, ptr, f"'{HOST}' stands for the host country's language, but no catalog covers "
                                     f"{country}'s official languages: add one (make i18n-init) or name the language")

    orgs = m.get("organisations", {})
    for role, oid in orgs.items():
        if oid not in index.organisations:
            yield p(f"/organisations/{role}", _unknown("organisation", oid, index.organisations))
    if orgs.get("home") and orgs.get("home") == orgs.get("host"):
        yield p("/organisations/host", "the host organisation is the home organisation: an ECVET mobility "
                                       "goes to another organisation abroad")
    home, host = index.organisations.get(orgs.get("home")), index.organisations.get(orgs.get("host"))
    if home and host and home["address"]["country"] == host["address"]["country"]:
        yield p("/organisations/host", "home and host are in the same country: ECVET mobility is "
                                       "transnational; check the host's address", warning=True)
    if host and not host.get("contact_person"):
        yield Problem(cohort_name, f"/organisations/{list(index.organisations).index(host['id'])}",
                      f"host organisation '{host['id']}' has no contact_person: add one (LA section 1.2)")
    tutor = raw.get("tutor") or (host or {}).get("tutor")
    if raw.get("tutor") and raw["tutor"] not in index.persons:
        yield p("/tutor", _unknown("person", raw["tutor"], index.persons))
    elif host and not tutor:
        yield p("/organisations/host", "no tutor/mentor: set 'tutor' here or on the host organisation", warning=True)

    qref = m.get("qualification", {}).get("ref")
    if qref not in index.qualifications:
        yield p("/qualification/ref", _unknown("qualification", qref, index.qualifications))

    units = m.get("units", [])
    for i, uid in enumerate(units):
        if uid not in index.units:
            yield p(f"/units/{i}", _unknown("unit", uid, index.units))
    known_units = [index.units[u] for u in units if u in index.units]
    points = [u.get("ecvet_points") for u in known_units]
    planned = raw.get("planned_ecvet_points")
    if planned is not None and len(known_units) == len(units):
        if any(pt is None for pt in points):
            yield p("/planned_ecvet_points", "some units have no ecvet_points, so no total can be planned: "
                                             "give every unit its points or remove planned_ecvet_points")
        elif abs(sum(points) - planned) > 1e-9:
            yield p("/planned_ecvet_points", f"is {planned:g} but the units' ECVET points add up to "
                                             f"{sum(points):g}: correct the total or the units' points")

    for section in ("learning_activities", "assessment", "validation", "recognition"):
        if section not in m:
            yield p(f"/{section}", f"'{section}' is missing here and in the cohort's defaults: add it to "
                                   "this mobility or to defaults in cohort.json")
    people = [("assessment", "assessors"), ("validation", "responsible"), ("recognition", "responsible")]
    for section, key in people:
        entries = m.get(section, {}).get(key)
        name, base = where(section)
        if section in m and not entries:
            yield Problem(name, f"{base}/{key}", f"'{key}' is missing: name at least one person")
        for i, entry in enumerate(entries or []):
            if entry.get("person") not in index.persons:
                yield Problem(name, f"{base}/{key}/{i}/person", _unknown("person", entry.get("person"), index.persons))
    if "assessment" in m and not m["assessment"].get("dates"):
        name, base = where("assessment")
        yield Problem(name, f"{base}/dates", "no assessment date: add the planned date(s) of assessment")

    yield from _date_problems(source, m, where)
    c = cohort.cohort.data
    yield from _translation_problems(source, raw, raw.get("languages") or c.get("languages", []),
                                     c.get("primary_language"))


def _translation_problems(source: SourceFile, data: dict, languages: list[str], primary: str | None
                          ) -> Iterator[Problem]:
    """A language map must have the primary language; a missing output language falls
    back to it, which is listed as a warning so nobody is surprised by English on a
    German form."""
    # An unknown language is one error where it is named, not also a warning per text.
    wanted = sorted({part for spec in languages if not language_problem(spec)
                     for part in languages_of(spec) if part != HOST})
    for ptr, text in _loc_maps(data):
        if primary and primary not in text:
            yield Problem(source.name, ptr, f"this text has no '{primary}' version: add it, since '{primary}' "
                                            "is the cohort's primary_language and the fallback for every "
                                            "other language")
            continue
        for lang in wanted:
            if lang not in text:
                yield Problem(source.name, ptr, f"no '{lang}' version: the '{primary}' text is used on "
                                                f"'{lang}' forms; add a '{lang}' entry to translate it", True)


def _date_problems(source: SourceFile, m: dict, where) -> Iterator[Problem]:
    p = lambda ptr, msg, warning=False: Problem(source.name, ptr, msg, warning)  # noqa: E731
    period = m.get("period", {})
    try:
        start = dt.date.fromisoformat(period["start_date"])
        end = dt.date.fromisoformat(period["end_date"])
        birth = dt.date.fromisoformat(m["learner"]["date_of_birth"])
    except (KeyError, ValueError, TypeError):
        return  # the schema already reported it
    if end < start:
        yield p("/period/end_date", f"the mobility ends ({end}) before it starts ({start}): swap or correct the dates")
        return
    if birth >= start:
        yield p("/learner/date_of_birth", "the learner is born after the mobility starts: check the date of birth")
    elif age_on(birth, start) < 18:
        guardian = m["learner"].get("guardian") or {}
        if not guardian.get("name"):
            yield p("/learner/guardian", f"the learner is {age_on(birth, start)} at the start ({start}), a minor: "
                                         "add a guardian with name, address, phone and e-mail (they sign the LA)")
        elif not (guardian.get("phone") or guardian.get("email")):
            yield p("/learner/guardian", "a minor's guardian needs contact details: add a phone or an e-mail")
    for i, day in enumerate(m.get("assessment", {}).get("dates", [])):
        try:
            d = dt.date.fromisoformat(day)
        except (ValueError, TypeError):
            continue
        if not start <= d <= end:
            name, base = where("assessment")
            yield Problem(name, f"{base}/dates/{i}", f"assessment date {d} lies outside the mobility "
                                                     f"({start} to {end}): assess during the stay abroad")
    vdate = m.get("validation", {}).get("date")
    if vdate:
        try:
            if dt.date.fromisoformat(vdate) < end:
                name, base = where("validation")
                yield Problem(name, f"{base}/date", f"validation on {vdate} comes before the mobility ends ({end}): "
                                                     "validate after the stay abroad", warning=True)
        except ValueError:
            pass


ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def _character_problems(source: SourceFile) -> Iterator[Problem]:
    """Text the documents cannot show: control characters (invalid in DOCX XML, or taken
    as page and paragraph breaks) and characters the embedded font has no glyph for
    (they would print as empty boxes, silently)."""
    printable = printable_characters()
    for ptr, value in _strings(source.data):
        for char in dict.fromkeys(value):
            if char in ALLOWED_CONTROLS:
                continue
            code = ord(char)
            if code < 0x20 or 0x7F <= code < 0xA0:
                yield Problem(source.name, ptr, f"contains the control character U+{code:04X}: remove it")
            elif code not in printable and not (0xD800 <= code <= 0xDFFF):
                yield Problem(source.name, ptr, f"contains '{char}' (U+{code:04X}), which the forms' font "
                                                "(DejaVu Sans: Latin, Greek, Cyrillic) cannot print: replace it "
                                                "or transliterate the text")


def _strings(data: Any, ptr: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, str):
        yield ptr, data
    elif isinstance(data, dict):
        for k, v in data.items():
            if k != "$schema":
                yield from _strings(v, f"{ptr}/{k}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _strings(v, f"{ptr}/{i}")


def _loc_maps(data: Any, ptr: str = "") -> Iterator[tuple[str, dict]]:
    """Every language map (LocText object) in a JSON document, with its pointer."""
    if isinstance(data, dict):
        if data and all(isinstance(k, str) and _is_language(k) and isinstance(v, str) for k, v in data.items()):
            yield ptr, data
            return
        for k, v in data.items():
            yield from _loc_maps(v, f"{ptr}/{k}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _loc_maps(v, f"{ptr}/{i}")


@lru_cache(maxsize=None)
def _is_language(key: str) -> bool:
    """Babel checks its locale files on disk: ask once per key, not once per object."""
    return 2 <= len(key) <= 3 and key.islower() and localedata.exists(key)


def _unknown(kind: str, value: Any, known: dict) -> str:
    hint = ", ".join(sorted(known)[:8]) or "none defined"
    return f"unknown {kind} '{value}': use the id of one defined in cohort.json ({hint})"

