"""Compare a read form with what the cohort's data gives today.

Runs in the parent process on the read result only (plain data), never on the file: the
document's own declaration version rebuilds the field specs and the content hash from
the mobility, so a form made with template version 1 is checked against version 1's
declaration even after the forms moved on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.checks import validate
from pipeline.context import content_hash
from pipeline.fields import field_specs
from pipeline.formdefs import declaration
from pipeline.load import Cohort
from pipeline.read.mapping import ERROR, WARNING
from pipeline.resolve import Index, resolve


@dataclass
class CohortView:
    """A validated cohort with each mobility resolved on first use."""

    cohort: Cohort
    index: Index
    _resolved: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> "CohortView":
        cohort, _warnings = validate(folder)
        return cls(cohort, Index.of(cohort.cohort.data))

    @property
    def id(self) -> str:
        return self.cohort.id

    def mobility(self, mobility_id: str) -> dict[str, Any] | None:
        if mobility_id not in self._resolved:
            for source in self.cohort.mobilities:
                if source.data.get("mobility_id") == mobility_id:
                    self._resolved[mobility_id] = resolve(self.cohort, source, self.index)
                    break
            else:
                return None
        return self._resolved[mobility_id]


def compare(result: dict[str, Any], view: CohortView) -> None:
    """Fill `agreed_content_matches` and add problems when the form is not this cohort's."""
    doc, problems = result["document"], result["problems"]
    if doc["cohort"] != view.id:
        problems.append({"severity": ERROR, "field": "",
                         "message": f"this form belongs to cohort '{doc['cohort']}', not to '{view.id}'"})
        return
    mobility = view.mobility(doc["mobility"])
    if mobility is None:
        problems.append({"severity": ERROR, "field": "",
                         "message": f"cohort '{view.id}' has no mobility '{doc['mobility']}' (removed or renamed?)"})
        return
    form = declaration(doc["form"], doc["template_version"])
    if form is None:
        problems.append({"severity": WARNING, "field": "",
                         "message": f"template version {doc['template_version']} of {doc['form']} is unknown to "
                                    "this version of ecvet-forms; the agreed content was not compared"})
        return
    specs = field_specs(form, mobility)
    doc["agreed_content_matches"] = content_hash(form, mobility, doc["lang"], specs) == doc["content_hash"]
    if not doc["agreed_content_matches"]:
        problems.append({"severity": WARNING, "field": "",
                         "message": "the agreed content of this form differs from the cohort's data today "
                                    "(the data changed after the form was sent, or the form is not the one sent)"})
