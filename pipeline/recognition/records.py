"""The recognition record per learner (DOCX + PDF, in each of the mobility's languages):
what was validated and recognised per unit, by whom, and the ECVET points it brings.

It goes through the same declaration → context → renderers path as the three forms
(`formdefs.RECOGNITION_RECORD`), with the decisions and the ledger added to the view.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.context import build_context
from pipeline.formdefs import RECOGNITION_RECORD
from pipeline.i18n import translator
from pipeline.output import document_path, write_atomic
from pipeline.recognition.decisions import current, read_all
from pipeline.recognition.evidence import gather
from pipeline.recognition.ledger import ledger
from pipeline.recognition.passrules import propose
from pipeline.recognition.rules import SA
from pipeline.render_docx import render_docx
from pipeline.render_pdf import render_pdf


def record_view(mobility: dict[str, Any], assessment: dict[str, Any] | None, decisions: dict,
                points: dict[str, Any], rules: dict | None) -> dict[str, Any]:
    """The resolved mobility with each unit's proposal and decision, and the points."""
    assessments = (assessment or {}).get("assessments") or {}
    units = []
    for unit in mobility["units"]:
        ratings = (assessments.get(unit["id"]) or {}).get("ratings")
        units.append({**unit, "proposal": propose(unit, ratings, rules).as_dict(),
                      "decision": decisions.get((mobility["id"], unit["id"]))})
    return {**mobility, "units": units, "points": points}


def write_records(cohort_folder: Path, out_dir: Path) -> list[Path]:
    """Records of every mobility with at least one decision; returns the files written."""
    view, evidence = gather(cohort_folder)
    decisions = current(read_all(cohort_folder)[0])
    rules = view.cohort.cohort.data.get("pass_rules")
    rows = {(r.cohort, r.mobility): r for r in ledger(Path(cohort_folder).resolve().parent)[0]}
    written = []
    for ev in evidence:
        if not any(key[0] == ev.id for key in decisions):
            continue
        row = rows.get((view.id, ev.id))
        points = {"total": row.qualification_total, "before": row.previously, "this": row.this_mobility,
                  "after": row.new_total} if row else {}
        mobility = record_view(ev.mobility, ev.data(SA), decisions, points, rules)
        for lang in ev.mobility["languages"]:
            ctx = build_context(RECOGNITION_RECORD, mobility, translator(lang))
            for ext, render in (("pdf", render_pdf), ("docx", render_docx)):
                path = document_path(out_dir, view.cohort.name, ev.id, RECOGNITION_RECORD.id, lang, ext)
                write_atomic(path, render(ctx))
                written.append(path)
    return written
