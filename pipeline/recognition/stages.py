"""Where each learner's mobility stands: generated → returned → signed → validated → recognised.

One row per mobility, built from the generated documents, the ingested returns, the
checks and the decisions; the status report (HTML, CSV) and `ecvet status` show it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pipeline.context import text
from pipeline.formdefs import FORMS
from pipeline.read.archive import RETURNED
from pipeline.recognition.decisions import RECOGNISED, current, read_all
from pipeline.recognition.evidence import MobilityEvidence, gather
from pipeline.recognition.passrules import propose
from pipeline.recognition.rules import ERROR, check_mobility

STAGES = ("generated", "returned", "signed", "validated", "recognised")


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()


def stage_of(ev: MobilityEvidence, findings: list, decisions: dict) -> str:
    """The furthest stage reached ("generated" is where every mobility starts)."""
    units = [u["id"] for u in ev.mobility["units"]]
    unit_decisions = [decisions.get((ev.id, u)) for u in units]
    if unit_decisions and all(d and d["decision"] == RECOGNISED for d in unit_decisions):
        return "recognised"
    if unit_decisions and all(unit_decisions):
        return "validated"
    if all(ev.returns.get(f) for f in FORMS) and not any(f.rule == "signed" for f in findings):
        return "signed"
    if any(ev.returns.values()):
        return "returned"
    return "generated"


def status_rows(cohort_folder: Path, documents_dir: Path, report_dir: Path) -> tuple[str, list[dict[str, Any]]]:
    """The cohort's title and one row per mobility (links relative to `report_dir`)."""
    view, evidence = gather(cohort_folder)
    rules = view.cohort.cohort.data.get("pass_rules")
    decisions = current(read_all(cohort_folder)[0])
    primary = view.cohort.cohort.data["primary_language"]
    rows = []
    for ev in evidence:
        m = ev.mobility
        findings = check_mobility(ev, rules)
        forms: dict[str, Any] = {}
        for form in FORMS:
            results = ev.returns.get(form, [])
            made = sorted((Path(documents_dir) / m["id"]).glob(f"{form}.*.pdf")) + \
                sorted((Path(documents_dir) / m["id"]).glob(f"{form}.*.docx"))
            archived = sorted((Path(cohort_folder) / RETURNED / m["id"] / form).glob("*/original.*"))
            latest = results[-1] if results else None
            forms[form] = {
                "generated": sorted({p.name.split(".")[1] for p in made}),
                "returns": len(results),
                "signed_by": [s["party"] for s in latest["signatures"] if s["signed"]] if latest else [],
                "errors": sum(f.severity == ERROR and f.form == form for f in findings),
                "warnings": sum(f.severity != ERROR and f.form == form for f in findings),
                "documents": [_relative(p, report_dir) for p in made],
                "returned": [_relative(p, report_dir) for p in archived],
            }
        units = []
        for unit in m["units"]:
            proposal = propose(unit, ev.ratings(unit["id"]), rules)
            decision = decisions.get((m["id"], unit["id"]))
            units.append({"unit": unit["id"],
                          "title": f"{unit.get('code') + ' – ' if unit.get('code') else ''}"
                                   f"{text(unit['title'], primary, primary)}",
                          "proposal": proposal.result, "proposal_reason": proposal.reason,
                          "decision": decision["decision"] if decision else None,
                          "points": decision.get("ecvet_points") if decision else None})
        host = m["organisations"]["host"] or {}
        rows.append({
            "mobility": m["id"],
            "learner": f"{m['learner']['given_name']} {m['learner']['family_name']}",
            "host": text(host.get("name"), primary, primary),
            "country": (host.get("address") or {}).get("country", ""),
            "stage": stage_of(ev, findings, decisions),
            "forms": forms, "units": units,
            "findings": [{"severity": f.severity, "form": f.form, "field": f.field, "message": f.message}
                         for f in findings],
        })
    title = text(view.cohort.cohort.data.get("title"), primary, primary) or view.id
    return title, rows
