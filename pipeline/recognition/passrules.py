"""A proposed result per unit, from its Skills Assessment ratings and the cohort's pass rules.

The rules are data in `cohort.json` (`pass_rules`), so each school sets its own; the
proposal says which rule decided and why, and the school still decides (`ecvet recognise`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_RULES: dict[str, Any] = {"all_rated": ["health_safety"], "minimum_rating": 1}
PASS, FAIL, UNDECIDED = "pass", "fail", "undecided"


@dataclass(frozen=True)
class Proposal:
    unit: str
    result: str  # pass | fail | undecided
    reason: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def criteria_groups(unit: dict[str, Any]) -> list[str]:
    """The group kind of criterion 1, 2, … (numbered across groups, as on the form)."""
    return [group["kind"] for group in unit["criteria_set"]["groups"] for _ in group["criteria"]]


def propose(unit: dict[str, Any], ratings: dict[str, Any] | None, rules: dict[str, Any] | None) -> Proposal:
    rules = DEFAULT_RULES if rules is None else rules
    uid = unit["id"]
    if ratings is None:
        return Proposal(uid, UNDECIDED, "no Skills Assessment of this unit has been returned")
    groups = criteria_groups(unit)
    values = [ratings.get(str(nr)) for nr in range(1, len(groups) + 1)]
    missing = [str(nr) for nr, value in enumerate(values, 1) if value is None]
    if missing:
        return Proposal(uid, UNDECIDED, f"criteria {', '.join(missing)} are neither rated nor marked not assessed")
    failures, passed = [], []
    for kind in rules.get("all_rated", []):
        unrated = [str(nr) for nr, (g, v) in enumerate(zip(groups, values, strict=True), 1)
                   if g == kind and not isinstance(v, int)]
        (failures if unrated else passed).append(
            f"{kind.replace('_', ' ')} criteria {', '.join(unrated)} not assessed" if unrated
            else f"every {kind.replace('_', ' ')} criterion rated")
    rated = [(g, v) for g, v in zip(groups, values, strict=True) if isinstance(v, int)]
    minimum = rules.get("minimum_rating")
    if minimum is not None:
        low = [str(nr) for nr, v in enumerate(values, 1) if isinstance(v, int) and v < minimum]
        (failures if low else passed).append(
            f"criteria {', '.join(low)} rated below {minimum}" if low else f"no rating below {minimum}")
    for kind, least in sorted(rules.get("minimum_average", {}).items()):
        scores = [v for g, v in rated if kind == "all" or g == kind]
        if not scores:
            continue
        average = sum(scores) / len(scores)
        what = "all criteria" if kind == "all" else f"{kind.replace('_', ' ')} criteria"
        (failures if average < least else passed).append(f"average of {what} {average:.2f} (minimum {least:g})")
    share = rules.get("minimum_assessed_share")
    if share is not None and values:
        assessed = len(rated) / len(values)
        (failures if assessed < share else passed).append(
            f"{assessed:.0%} of the criteria assessed (minimum {share:.0%})")
    if failures:
        return Proposal(uid, FAIL, "; ".join(failures))
    return Proposal(uid, PASS, "; ".join(passed) or "no pass rule applies")
