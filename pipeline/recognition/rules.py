"""`ecvet check`: the rules a coordinator checks before validating a mobility.

Each rule is a small function over one mobility's evidence (agreed data + every ingested
return) yielding findings; `error` blocks recognition, `warning` needs a look. Rules and
their ids are listed in `RULES`, so a report can say which rule found what.
(`../shared/research/domain.md` §9 and the seed's "after mobility" checklist.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from pipeline.fields import field_specs
from pipeline.formdefs import FORMS
from pipeline.read.mapping import PARTIES
from pipeline.recognition.evidence import PT, SA, MobilityEvidence
from pipeline.recognition.passrules import FAIL, PASS, criteria_groups, propose

ERROR, WARNING = "error", "warning"
LA = "learning-agreement"


@dataclass(frozen=True, order=True)
class Finding:
    mobility: str
    form: str
    field: str
    severity: str
    rule: str
    message: str
    unit: str = ""  # set when the finding concerns one unit only

    def __str__(self) -> str:
        where = " ".join(x for x in (self.mobility, self.form, self.field) if x)
        return f"{self.severity.upper()} {where}: {self.message}"


def _party(party: str) -> str:
    return PARTIES.get(party, party)


def _required_signatures(ev: MobilityEvidence, form: str) -> list[tuple[str, str]]:
    """(field, party) of every signature the form needs for this mobility (the field rule)."""
    return [(s.name, s.party) for s in field_specs(FORMS[form], ev.mobility) if s.type == "signature"]


def returned(ev: MobilityEvidence, rules: dict) -> Iterator[Finding]:
    for form in FORMS:
        if not ev.returns.get(form):
            yield Finding(ev.id, form, "", ERROR, "returned",
                          "not returned yet: ask the host for the completed PDF, then run ecvet ingest")


def signed(ev: MobilityEvidence, rules: dict) -> Iterator[Finding]:
    """Every party the form needs has signed it, in one return or another, intact."""
    for form in FORMS:
        if not ev.returns.get(form):
            continue
        good = {s["field"] for r in ev.returns[form] for s in r["signatures"]
                if s["signed"] and s["intact"] and not s["modified_after_signing"]}
        for name, party in _required_signatures(ev, form):
            if name not in good:
                yield Finding(ev.id, form, name, ERROR, "signed",
                              f"not signed by the {_party(party)}: ask them to sign it digitally and return the "
                              "saved PDF")


def signatures_intact(ev: MobilityEvidence, rules: dict) -> Iterator[Finding]:
    for form, results in sorted(ev.returns.items()):
        for result in results:
            for s in (s for s in result["signatures"] if s["signed"]):
                if not s["intact"]:
                    yield Finding(ev.id, form, s["field"], ERROR, "signatures_intact",
                                  f"the {_party(s['party'])}'s signature in {result['source']['file']} is broken "
                                  "(the file was changed or saved whole after signing): ask for the signed file "
                                  "as it was saved")
                elif s["modified_after_signing"]:
                    yield Finding(ev.id, form, s["field"], ERROR, "signatures_intact",
                                  f"the printed pages of {result['source']['file']} were changed after the "
                                  f"{_party(s['party'])} signed: do not accept it; ask for the original")


def agreed_content(ev: MobilityEvidence, rules: dict) -> Iterator[Finding]:
    for form in FORMS:
        latest = ev.latest(form)
        if latest is None:
            continue
        doc = latest["document"]
        if doc.get("pages_unchanged") is False:
            yield Finding(ev.id, form, "", ERROR, "agreed_content",
                          "the printed pages were edited after the form was generated: compare it with the form "
                          "sent and ask the host why")
        if doc.get("agreed_content_matches") is False:
            yield Finding(ev.id, form, "", ERROR, "agreed_content",
                          "the agreed content differs from the cohort's data today: if the data changed on "
                          "purpose, send the new form to be completed and signed again")


def units_assessed(ev: MobilityEvidence, rules: dict) -> Iterator[Finding]:
    """Each agreed unit assessed, every criterion rated or explicitly not assessed."""
    data = ev.data(SA)
    if data is None:
        return
    assessments = data.get("assessments", {})
    for unit in ev.mobility["units"]:
        ratings = (assessments.get(unit["id"]) or {}).get("ratings")
        if not ratings:
            yield Finding(ev.id, SA, f"sa_{unit['id']}", ERROR, "units_assessed",
                          f"unit {unit['id']} is not assessed in the returned Skills Assessment: ask the "
                          "supervisor to assess it", unit["id"])
            continue
        for nr in range(1, len(criteria_groups(unit)) + 1):
            if ratings.get(str(nr)) is None:
                yield Finding(ev.id, SA, f"sa_{unit['id']}_c{nr:02d}", ERROR, "units_assessed",
                              f"criterion {nr} of unit {unit['id']} is not rated: ask the supervisor to rate it "
                              "or mark it n/a", unit["id"])


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def assessment_dates(ev: MobilityEvidence, rules: dict) -> Iterator[Finding]:
    """The supervisor dated the assessment inside the mobility period."""
    data = ev.data(SA)
    if data is None:
        return
    day = _date(((data.get("signatures") or {}).get("sa", {}).get("supervisor") or {}).get("date"))
    start, end = (_date(ev.mobility["period"][k]) for k in ("start_date", "end_date"))
    if day is None or start is None or end is None:
        return
    if day < start:
        yield Finding(ev.id, SA, "sa_supervisor_date", ERROR, "assessment_dates",
                      f"assessed on {day}, before the mobility started ({start}): check the date with the "
                      "supervisor")
    elif day > end:
        yield Finding(ev.id, SA, "sa_supervisor_date", WARNING, "assessment_dates",
                      f"assessed on {day}, after the mobility ended ({end}): fine if the Learning Agreement "
                      "plans assessment afterwards, otherwise check the date")


def assessor_named(ev: MobilityEvidence, rules: dict) -> Iterator[Finding]:
    data = ev.data(SA)
    if data is None:
        return
    supervisor = (data.get("signatures") or {}).get("sa", {}).get("supervisor") or {}
    if not supervisor.get("name"):
        yield Finding(ev.id, SA, "sa_supervisor_name", ERROR, "assessor_named",
                      "the assessing supervisor is not named: ask for the Skills Assessment with the "
                      "supervisor's name")


def transcript_consistent(ev: MobilityEvidence, rules: dict) -> Iterator[Finding]:
    """The transcript records every unit, in line with the Skills Assessment's ratings."""
    data = ev.data(PT)
    if data is None:
        return
    achieved = (data.get("transcript") or {}).get("achieved", {})
    sa = ev.data(SA)
    for unit in ev.mobility["units"]:
        entry = achieved.get(unit["id"]) or {}
        if not entry.get("outcomes"):
            yield Finding(ev.id, PT, f"pt_{unit['id']}_achieved", ERROR, "transcript_consistent",
                          f"the transcript records nothing achieved for unit {unit['id']}: ask the host to "
                          "complete it", unit["id"])
        if sa is None:
            continue
        proposal = propose(unit, ev.ratings(unit["id"]), rules)
        points = entry.get("ecvet_points")
        if proposal.result == FAIL and points:
            yield Finding(ev.id, PT, f"pt_{unit['id']}_points", WARNING, "transcript_consistent",
                          f"the transcript credits {points} points for unit {unit['id']}, but its ratings do "
                          f"not pass ({proposal.reason}): decide which is right before recognising", unit["id"])
        elif proposal.result == PASS and points == 0:
            yield Finding(ev.id, PT, f"pt_{unit['id']}_points", WARNING, "transcript_consistent",
                          f"the transcript credits 0 points for unit {unit['id']}, whose ratings pass: check "
                          "with the host", unit["id"])


def points_within_plan(ev: MobilityEvidence, rules: dict) -> Iterator[Finding]:
    data = ev.data(PT)
    if data is None:
        return
    achieved = (data.get("transcript") or {}).get("achieved", {})
    for unit in ev.mobility["units"]:
        points = (achieved.get(unit["id"]) or {}).get("ecvet_points")
        planned = unit.get("ecvet_points")
        if points is not None and planned is not None and points > planned:
            yield Finding(ev.id, PT, f"pt_{unit['id']}_points", ERROR, "points_within_plan",
                          f"{points} ECVET points achieved for unit {unit['id']}, more than the {planned} "
                          "agreed: at most the agreed points can be credited; ask the host to correct it", unit["id"])


COVERED = ("left empty", "not signed", "signature is broken", "printed pages were changed",
           "differs from the cohort")


def returned_forms_read(ev: MobilityEvidence, rules: dict) -> Iterator[Finding]:
    """What reading the latest returns found that no rule above covers (a date or number
    not understood, a damaged file, a field added after sending)."""
    for form in FORMS:
        latest = ev.latest(form)
        for problem in (latest or {}).get("problems", []):
            if not any(phrase in problem["message"] for phrase in COVERED):
                yield Finding(ev.id, form, problem["field"], problem["severity"], "returned_forms_read",
                              problem["message"])


RULES: tuple[Callable[[MobilityEvidence, dict], Iterator[Finding]], ...] = (
    returned, signed, signatures_intact, agreed_content, units_assessed, assessment_dates, assessor_named,
    transcript_consistent, points_within_plan, returned_forms_read,
)


def check_mobility(ev: MobilityEvidence, pass_rules: dict | None) -> list[Finding]:
    return sorted({f for rule in RULES for f in rule(ev, pass_rules)})


def blocking(findings: list[Finding], unit: str) -> list[Finding]:
    """The errors that stop `unit` from being recognised: its own and the mobility's."""
    return [f for f in findings if f.severity == ERROR and f.unit in ("", unit)]
