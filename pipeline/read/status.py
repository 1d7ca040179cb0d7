"""Summaries of returns for the coordinator: one row per return, one per mobility × form.

Rows carry ids only (mobility, form, parties), never names: they are printed and logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from pipeline.formdefs import FORMS
from pipeline.read.archive import history
from pipeline.read.mapping import ERROR, WARNING


def _leaves(data: Any) -> Iterator[Any]:
    if isinstance(data, dict):
        for value in data.values():
            yield from _leaves(value)
    else:
        yield data


def filled(result: dict[str, Any]) -> str:
    """Answered fields out of all, e.g. "9/11" (signature fields count when signed)."""
    values = list(_leaves(result["data"]))
    return f"{sum(v not in (None, False) for v in values)}/{len(values)}"


def signed_by(result: dict[str, Any]) -> str:
    parties = [s["party"] for s in result["signatures"] if s["signed"]]
    return ", ".join(parties) or "-"


def problem_counts(result: dict[str, Any]) -> str:
    errors = sum(p["severity"] == ERROR for p in result["problems"])
    warnings = sum(p["severity"] == WARNING for p in result["problems"])
    return f"{errors} error(s), {warnings} warning(s)" if errors or warnings else "none"


@dataclass
class StatusRow:
    mobility: str
    form: str
    generated: str  # languages of the PDFs found in the output folder, or "-"
    returned: int
    signed: str
    problems: str


def status(cohort_folder: Path, mobility_ids: list[str], out_dir: Path) -> list[StatusRow]:
    """Per mobility and form: generated, returned how often, signed by whom (latest return), problems."""
    returns = history(cohort_folder)
    documents = Path(out_dir) / Path(cohort_folder).resolve().name
    rows = []
    for mobility in mobility_ids:
        for form in FORMS:
            langs = sorted(p.name.split(".")[1] for p in (documents / mobility).glob(f"{form}.*.pdf"))
            results = returns.get((mobility, form), [])
            latest = results[-1] if results else None
            rows.append(StatusRow(mobility, form, ", ".join(langs) or "-", len(results),
                                  signed_by(latest) if latest else "-",
                                  problem_counts(latest) if latest else "-"))
    return rows


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A plain-text table with aligned columns."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *(line(r) for r in rows)])
