"""What the school has on one mobility after it: the agreed data and every ingested return."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.read.agreed import CohortView
from pipeline.read.archive import history

SA, PT = "skills-assessment", "personal-transcript"


@dataclass
class MobilityEvidence:
    mobility: dict[str, Any]  # the resolved view (pipeline.resolve)
    returns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # form id -> read results, oldest first

    @property
    def id(self) -> str:
        return self.mobility["id"]

    def latest(self, form: str) -> dict[str, Any] | None:
        found = self.returns.get(form)
        return found[-1] if found else None

    def data(self, form: str) -> dict[str, Any] | None:
        latest = self.latest(form)
        return latest["data"] if latest else None

    def ratings(self, unit_id: str) -> dict[str, Any] | None:
        """The unit's ratings in the latest Skills Assessment, None when not there."""
        return (((self.data(SA) or {}).get("assessments") or {}).get(unit_id) or {}).get("ratings")

    def achieved(self, unit_id: str) -> dict[str, Any]:
        """The unit's entry in the latest Personal Transcript ({} when not there)."""
        return (((self.data(PT) or {}).get("transcript") or {}).get("achieved") or {}).get(unit_id) or {}


def gather(cohort_folder: Path) -> tuple[CohortView, list[MobilityEvidence]]:
    """Every mobility of the cohort with its returns, in the cohort's order."""
    view = CohortView.load(cohort_folder)
    stored = history(cohort_folder)
    evidence = []
    for source in view.cohort.mobilities:
        mobility = view.mobility(str(source.data["mobility_id"]))
        returns = {form: results for (mid, form), results in stored.items() if mid == mobility["id"]}
        evidence.append(MobilityEvidence(mobility, returns))
    return view, evidence
