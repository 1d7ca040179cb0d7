"""Turn a validated mobility into one self-contained view: defaults merged, ids resolved.

Context builders read only this view, so they never look anything up in the cohort.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from pipeline.i18n import output_language
from pipeline.load import Cohort, SourceFile

# Mobility sections a cohort's `defaults` may provide; object sections merge shallowly.
DEFAULTABLE = (
    "period", "learning_activities", "enclosures", "assessment", "validation",
    "recognition", "additional_information",
)
ROLES = ("home", "host", "host_company", "intermediary", "coordinator")


@dataclass(frozen=True)
class Index:
    """The cohort's shared entries by id."""

    organisations: dict[str, dict]
    persons: dict[str, dict]
    qualifications: dict[str, dict]
    units: dict[str, dict]
    criteria_sets: dict[str, dict]

    @classmethod
    def of(cls, cohort: dict) -> "Index":
        def by_id(key: str) -> dict[str, dict]:
            return {e["id"]: e for e in cohort.get(key, []) if isinstance(e, dict) and "id" in e}

        return cls(
            by_id("organisations"), by_id("persons"), by_id("qualifications"),
            by_id("units"), by_id("criteria_sets"),
        )


def merged(defaults: dict, mobility: dict) -> dict:
    """The mobility with the cohort's defaults filled in (never modifies either)."""
    out = copy.deepcopy(mobility)
    for key in DEFAULTABLE:
        if key not in defaults:
            continue
        if isinstance(defaults[key], dict) and isinstance(out.get(key, {}), dict):
            out[key] = {**copy.deepcopy(defaults[key]), **out.get(key, {})}
        else:
            out.setdefault(key, copy.deepcopy(defaults[key]))
    return out


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def resolve(cohort: Cohort, source: SourceFile, index: Index | None = None) -> dict[str, Any]:
    """The resolved view of one mobility; assumes `checks` found no errors."""
    c = cohort.cohort.data
    index = index or Index.of(c)
    m = merged(c.get("defaults", {}), source.data)

    def person(pid: str | None) -> dict | None:
        return index.persons.get(pid) if pid else None

    def organisation(oid: str | None) -> dict | None:
        if not oid:
            return None
        org = dict(index.organisations[oid])
        org["contact"] = person(org.get("contact_person"))
        return org

    def responsible(entries: list[dict]) -> list[dict]:
        return [
            {**e, "person": person(e["person"]),
             "organisation": organisation(person(e["person"]).get("organisation"))}
            for e in entries
        ]

    orgs = {role: organisation(m["organisations"].get(role)) for role in ROLES}
    units = []
    for uid in m["units"]:
        unit = dict(index.units[uid])
        unit["criteria_set"] = index.criteria_sets[unit["criteria_set"]]
        units.append(unit)
    qualification = {**index.qualifications[m["qualification"]["ref"]], **m["qualification"]}
    start = dt.date.fromisoformat(m["period"]["start_date"])
    end = dt.date.fromisoformat(m["period"]["end_date"])
    birth = dt.date.fromisoformat(m["learner"]["date_of_birth"])
    points = [u.get("ecvet_points") for u in units]
    tutor_id = m.get("tutor") or (orgs["host"] or {}).get("tutor")
    return {
        **m,
        "id": m["mobility_id"],
        "cohort_id": cohort.id,
        "languages": list(dict.fromkeys(
            output_language(spec, (orgs["host"] or {}).get("address", {}).get("country"))
            for spec in m.get("languages") or c["languages"])),
        "primary_language": c["primary_language"],
        "issued_on": c.get("issued_on"),
        "organisations": orgs,
        # Annex II's "host company" is the workplace; many mobilities have no separate one.
        "host_company": orgs["host_company"] or orgs["host"],
        "tutor": person(tutor_id),
        "qualification": qualification,
        "units": units,
        "ecvet_points_total": (
            m.get("planned_ecvet_points")
            if m.get("planned_ecvet_points") is not None
            else (sum(points) if points and all(p is not None for p in points) else None)
        ),
        "period": {**m["period"], "days": (end - start).days + 1},  # first and last day included
        "is_minor": age_on(birth, start) < 18,
        "assessment": {**m.get("assessment", {}),
                       "assessors": responsible(m.get("assessment", {}).get("assessors", []))},
        "validation": {**m.get("validation", {}),
                       "responsible": responsible(m.get("validation", {}).get("responsible", []))},
        "recognition": {**m.get("recognition", {}),
                        "responsible": responsible(m.get("recognition", {}).get("responsible", []))},
    }
