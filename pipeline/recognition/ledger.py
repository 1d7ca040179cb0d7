"""The ECVET points ledger: per learner, across their mobilities and cohorts.

A learner is the same person in every cohort that gives them the same `learner_id`
(mobility files); without one, a mobility counts on its own. Per mobility, in the order
they started: the qualification's total, the points accumulated before, the points this
mobility's recognised units bring, and the new total, which never exceeds the
qualification's total. A unit recognised twice (a correction, or the same unit in two
mobilities) is credited once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.read.agreed import CohortView
from pipeline.recognition.decisions import RECOGNISED, current, read_all


@dataclass
class LedgerRow:
    learner: str
    qualification: str
    qualification_total: float | None
    cohort: str
    mobility: str
    start_date: str
    previously: float
    this_mobility: float
    new_total: float
    units: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _cohort_folders(inputs: Path) -> list[Path]:
    return sorted(p.parent for p in Path(inputs).glob("*/cohort.json"))


def ledger(inputs: Path, learner: str | None = None) -> tuple[list[LedgerRow], list[str]]:
    """Rows per learner and mobility, and notes on cohorts that could not be read."""
    notes: list[str] = []
    entries: list[tuple[str, dict[str, Any], dict[str, Any], str]] = []
    for folder in _cohort_folders(inputs):
        try:
            view = CohortView.load(folder)
        except PipelineError:
            notes.append(f"{folder}: skipped, it does not validate (run ecvet validate {folder})")
            continue
        decisions = current(read_all(folder)[0])
        for source in view.cohort.mobilities:
            mobility = view.mobility(str(source.data["mobility_id"]))
            key = mobility["learner"].get("learner_id") or f"{view.id}/{mobility['id']}"
            if learner is None or key == learner:
                entries.append((key, mobility, decisions, view.id))
    rows: list[LedgerRow] = []
    credited: dict[tuple[str, str], dict[str, str]] = {}  # (learner, qualification) -> unit -> mobility
    totals: dict[tuple[str, str], float] = {}
    for key, mobility, decisions, cohort in sorted(entries, key=lambda e: (e[0], e[1]["period"]["start_date"])):
        qualification = mobility["qualification"]
        account = (key, qualification["id"])
        limit = qualification.get("ecvet_points_total")
        if account not in totals:
            totals[account] = float(mobility["qualification"].get("prior_ecvet_points") or 0)
        before = totals[account]
        row = LedgerRow(key, qualification["id"], limit, cohort, mobility["id"], mobility["period"]["start_date"],
                        before, 0, before)
        for unit in mobility["units"]:
            decision = decisions.get((mobility["id"], unit["id"]))
            if not decision or decision["decision"] != RECOGNISED:
                continue
            earlier = credited.setdefault(account, {}).get(unit["id"])
            if earlier:
                row.notes.append(f"unit {unit['id']} already credited in mobility {earlier}")
                continue
            credited[account][unit["id"]] = mobility["id"]
            row.units.append(unit["id"])
            row.this_mobility += float(decision.get("ecvet_points") or 0)
        total = before + row.this_mobility
        if limit is not None and total > limit:
            row.notes.append(f"capped at the qualification's {limit:g} points ({total:g} would exceed it)")
            total = float(limit)
        row.new_total = totals[account] = total
        rows.append(row)
    return rows, notes
