"""Record validation and recognition decisions, unit by unit, after the checks.

Recognising a unit needs its evidence free of errors (`rules.blocking`); refusing one
needs a reason. `--all-proposed` records what the pass rules propose, for every unit not
yet decided whose evidence is complete, once the coordinator has reviewed `ecvet check`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.context import text
from pipeline.errors import PipelineError
from pipeline.recognition.decisions import CONSEQUENCES, RECOGNISED, REFUSED, current, read_all, record
from pipeline.recognition.evidence import MobilityEvidence, gather
from pipeline.recognition.passrules import FAIL, PASS, propose
from pipeline.recognition.rules import blocking, check_mobility


class RecognitionError(PipelineError):
    """A decision that cannot be recorded; the message says why and what to do."""


@dataclass
class Decider:
    """Who decides, how, and with what consequence."""

    validated_by: str
    recognised_by: str
    method: str | None = None
    consequences: tuple[str, ...] = ("exemption", "transcript")


@dataclass
class Outcome:
    recorded: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _points(ev: MobilityEvidence, unit: dict[str, Any]) -> float | int | None:
    """The transcript's achieved points, never more than agreed; the agreed ones otherwise."""
    achieved = ev.achieved(unit["id"])
    points, planned = achieved.get("ecvet_points"), unit.get("ecvet_points")
    if points is None:
        return planned
    return min(points, planned) if planned is not None else points


def _entry(ev: MobilityEvidence, unit: dict[str, Any], decision: str, decider: Decider, reason: str | None,
           rules: dict | None) -> dict[str, Any]:
    ratings = ev.ratings(unit["id"])
    method = decider.method or text(ev.mobility.get("validation", {}).get("method"), ev.mobility["primary_language"],
                                    ev.mobility["primary_language"]) or None
    return {
        "mobility": ev.id, "unit": unit["id"], "decision": decision,
        "validated_by": decider.validated_by, "recognised_by": decider.recognised_by, "method": method,
        "consequence": list(decider.consequences) if decision == RECOGNISED else [],
        "reason": reason, "ecvet_points": _points(ev, unit) if decision == RECOGNISED else None,
        "proposal": propose(unit, ratings, rules).as_dict(),
    }


def _check_decider(decider: Decider) -> None:
    for who, value in (("--validated-by", decider.validated_by), ("--recognised-by", decider.recognised_by)):
        if not value or not value.strip():
            raise RecognitionError(f"{who} is required: give the person's name and role, e.g. \"Anna Berger, "
                                   "class teacher\"")
    unknown = [c for c in decider.consequences if c not in CONSEQUENCES]
    if unknown:
        raise RecognitionError(f"unknown consequence '{unknown[0]}': use {', '.join(CONSEQUENCES)}")


def decide(cohort_folder: Path, mobility_id: str, units: list[str], decision: str, decider: Decider,
           reason: str | None = None) -> Outcome:
    _check_decider(decider)
    if decision not in (RECOGNISED, REFUSED):
        raise RecognitionError(f"unknown decision '{decision}': use {RECOGNISED} or {REFUSED}")
    if decision == REFUSED and not (reason and reason.strip()):
        raise RecognitionError("a refusal needs its reason: add --reason \"...\" (the learner may appeal it)")
    view, evidence = gather(cohort_folder)
    ev = next((e for e in evidence if e.id == mobility_id), None)
    if ev is None:
        raise RecognitionError(f"cohort '{view.id}' has no mobility '{mobility_id}': see ecvet status")
    by_id = {u["id"]: u for u in ev.mobility["units"]}
    rules = view.cohort.cohort.data.get("pass_rules")
    findings = check_mobility(ev, rules)
    entries = []
    for uid in units or list(by_id):
        if uid not in by_id:
            raise RecognitionError(f"mobility '{mobility_id}' has no unit '{uid}': its units are "
                                   f"{', '.join(by_id)}")
        if decision == RECOGNISED and (errors := blocking(findings, uid)):
            listed = "\n".join(f"  {f}" for f in errors)
            raise RecognitionError(f"unit '{uid}' of '{mobility_id}' cannot be recognised while ecvet check "
                                   f"finds errors:\n{listed}\nfix them (or record a refusal with a reason)")
        entries.append(_entry(ev, by_id[uid], decision, decider, reason, rules))
    return Outcome(record(cohort_folder, entries))


def decide_all_proposed(cohort_folder: Path, decider: Decider) -> Outcome:
    """Record the proposed result of every undecided unit whose evidence has no errors."""
    _check_decider(decider)
    view, evidence = gather(cohort_folder)
    rules = view.cohort.cohort.data.get("pass_rules")
    decided = current(read_all(cohort_folder)[0])
    outcome, entries = Outcome(), []
    for ev in evidence:
        findings = check_mobility(ev, rules)
        for unit in ev.mobility["units"]:
            if (ev.id, unit["id"]) in decided:
                continue
            ratings = ev.ratings(unit["id"])
            proposal = propose(unit, ratings, rules)
            errors = blocking(findings, unit["id"])
            if errors or proposal.result not in (PASS, FAIL):
                why = f"{len(errors)} error(s) in ecvet check" if errors else proposal.reason
                outcome.skipped.append(f"{ev.id} {unit['id']}: not decided ({why})")
                continue
            if proposal.result == PASS:
                entries.append(_entry(ev, unit, RECOGNISED, decider, None, rules))
            else:
                entries.append(_entry(ev, unit, REFUSED, decider, f"pass rules: {proposal.reason}", rules))
    outcome.recorded = record(cohort_folder, entries) if entries else []
    return outcome
