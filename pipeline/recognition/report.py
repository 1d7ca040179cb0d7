"""The coordinator's status report: one HTML page and one CSV for a whole cohort.

Each row is one learner's mobility, built elsewhere from the cohort, the generated
documents, the ingested returns and the recognition decisions (shape in `write_report`).
The page is self-contained (inline CSS, no JavaScript, nothing fetched) so it opens
from the file system, prints on A4 landscape, and carries stable hooks for tools:
`#summary[data-learners][data-<stage>]`, `table#learners`, `tr[data-mobility][data-stage]`.

Both files hold names: write them next to the generated documents (git-ignored), never
into the repository, and do not log their content.
"""

from __future__ import annotations

import csv
import io
import os
from html import escape
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote

from pipeline.formdefs import FORMS
from pipeline.output import write_atomic
from pipeline.recognition.stages import STAGES

RECOGNISED, REFUSED = "recognised", "refused"
ERROR, WARNING = "error", "warning"
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --------------------------------------------------------------------------- helpers


def _stage(row: dict[str, Any]) -> str:
    stage = row.get("stage")
    if stage not in STAGES:
        raise ValueError(f"mobility {row.get('mobility')!r}: stage {stage!r} is not one of {', '.join(STAGES)}")
    return stage


def _form_ids(rows: Iterable[dict[str, Any]]) -> list[str]:
    """The three forms in their annex order, then any other form id the rows name (sorted)."""
    extra = sorted({f for row in rows for f in (row.get("forms") or {})} - set(FORMS))
    return [*FORMS, *extra]


def _form_title(form_id: str) -> str:
    return FORMS[form_id].title if form_id in FORMS else form_id


def _number(value: int | float) -> str:
    """4 → "4", 2.5 → "2.5", 0.1 + 0.2 → "0.3"."""
    if isinstance(value, int):
        return str(value)
    return f"{round(value, 6):g}"


def stage_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Learners who reached at least each stage (so `generated` counts everyone)."""
    reached = [STAGES.index(_stage(row)) for row in rows]
    return {stage: sum(r >= i for r in reached) for i, stage in enumerate(STAGES)}


def totals(row: dict[str, Any]) -> dict[str, Any]:
    """Errors, warnings and units of one learner, summed over the forms."""
    forms = (row.get("forms") or {}).values()
    units = row.get("units") or []
    return {
        "errors": sum(f.get("errors") or 0 for f in forms),
        "warnings": sum(f.get("warnings") or 0 for f in forms),
        "recognised": sum(u.get("decision") == RECOGNISED for u in units),
        "refused": sum(u.get("decision") == REFUSED for u in units),
        "pending": sum(u.get("decision") not in (RECOGNISED, REFUSED) for u in units),
        "points": sum((u.get("points") or 0) for u in units if u.get("decision") == RECOGNISED),
    }


def _href(path: str | os.PathLike, out_dir: Path) -> str:
    """A relative URL for a path relative to out_dir (an absolute path is made relative).

    Percent-encoding keeps spaces, `#`, `?` and non-ASCII names working as file links, and
    turns a `scheme:` prefix into a plain path segment, so no link can run anything.
    """
    text = os.fspath(path)
    if os.path.isabs(text):
        text = os.path.relpath(text, out_dir)
    return quote(text.replace(os.sep, "/"), safe="/")


def _exists(path: str | os.PathLike, out_dir: Path) -> bool:
    return (Path(out_dir) / path).exists()


# --------------------------------------------------------------------------- HTML

CSS = """
:root { color-scheme: light; --done: #1f6f3f; --todo: #c9ced6; --error: #a4161a; --warning: #8a5a00; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, "Segoe UI", "DejaVu Sans", Arial, sans-serif; color: #1b1f24;
       margin: 1.5rem; }
h1 { font-size: 1.4rem; margin: 0 0 .4rem; }
#summary { font-size: 1.05rem; margin: 0 0 1rem; }
#summary .note { display: block; font-size: .85rem; color: #555; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid #aab1bb; padding: .3rem .4rem; vertical-align: top; text-align: left;
         overflow-wrap: break-word; }
thead th.num { white-space: nowrap; }
tbody th { min-width: 8em; }
thead th { background: #eef1f4; }
tbody th { font-weight: 600; }
.id, .muted { color: #555; font-size: .85em; font-weight: normal; }
.num { text-align: right; white-space: nowrap; }
.steps { display: flex; gap: 2px; margin-bottom: .15rem; }
.step { display: inline-block; width: 1.1rem; height: .6rem; border: 1px solid var(--done);
        background: #fff; }
.step.done { background: var(--done); }
.step.todo { border-color: var(--todo); }
.stage-name { white-space: nowrap; }
ul { margin: 0; padding-left: 1.1rem; }
ul.links { display: inline; padding: 0; }
ul.links li { display: inline; }
ul.links li + li::before { content: " · "; }
.form h3 { font-size: .9em; margin: 0; }
.form p { margin: 0; }
.has-errors { color: var(--error); font-weight: 600; }
.has-warnings { color: var(--warning); font-weight: 600; }
.missing { color: var(--error); }
.sev-error { color: var(--error); font-weight: 600; }
.sev-warning { color: var(--warning); font-weight: 600; }
.print-only { display: none; }
details summary { cursor: pointer; }
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  body { margin: 0; font-size: 8pt; }
  h1 { font-size: 12pt; }
  #summary { font-size: 9pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a, a:visited { color: inherit; text-decoration: none; }
  a[href]::after { content: none !important; }
  thead { display: table-header-group; }
  tr, td, th { break-inside: avoid; page-break-inside: avoid; }
  details { display: none; }
  .print-only { display: block; }
}
"""


def _attr(value: Any) -> str:
    return escape(str(value), quote=True)


def _text(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _steps(stage: str) -> str:
    reached = STAGES.index(stage)
    boxes = "".join(
        f'<span class="step {"done" if i <= reached else "todo"}" title="{s}"></span>'
        for i, s in enumerate(STAGES)
    )
    return (f'<div class="steps" aria-hidden="true">{boxes}</div>'
            f'<span class="stage-name">{_text(stage)}</span> '
            f'<span class="muted">({reached + 1}/{len(STAGES)})</span>')


def _links(paths: list, out_dir: Path, label) -> str:
    """Links in a line; a target that is not there (moved, not yet written) is flagged."""
    items = []
    for i, path in enumerate(paths or []):
        missing = "" if _exists(path, out_dir) else ' <span class="missing">(missing)</span>'
        items.append(f'<li><a href="{_attr(_href(path, out_dir))}">{_text(label(i, path))}</a>{missing}</li>')
    return f'<ul class="links">{"".join(items)}</ul>' if items else "–"


def _document_label(form_id: str):
    """skills-assessment.en.pdf → en.pdf: the column already names the form."""
    def label(_: int, path) -> str:
        name = Path(os.fspath(path)).name
        return name[len(form_id) + 1:] if name.startswith(f"{form_id}.") else name
    return label


def _form_cell(form_id: str, form: dict[str, Any] | None, out_dir: Path) -> str:
    if not form:
        return '<td class="form"><span class="muted">not generated</span></td>'
    returns = form.get("returns") or 0
    signers = ", ".join(form.get("signed_by") or []) or "nobody"
    errors, warnings = form.get("errors") or 0, form.get("warnings") or 0
    problems = (f'<p><span class="has-errors">{errors} error{"s" * (errors != 1)}</span>, '
                f'<span class="has-warnings">{warnings} warning{"s" * (warnings != 1)}</span></p>'
                if errors or warnings else "")
    # the links name the languages; without links (not found, not passed) the languages alone
    generated = (_links(form.get("documents"), out_dir, _document_label(form_id)) if form.get("documents")
                 else _text(", ".join(form.get("generated") or []) or "–"))
    returned = _links(form.get("returned"), out_dir, lambda i, p: f"return {i + 1}") if form.get("returned") else ""
    return ('<td class="form">'
            f'<p>generated: {generated}</p>'
            f'<p>returns: <span class="returns">{returns}</span>{f" ({returned})" if returned else ""}</p>'
            f'<p>signed by: <span class="signed-by">{_text(signers)}</span></p>'
            f'{problems}</td>')


def _units_cell(units: list[dict[str, Any]]) -> str:
    if not units:
        return '<td><span class="muted">no units</span></td>'
    items = []
    for unit in units:
        decision = unit.get("decision") or "pending"
        points = unit.get("points")
        outcome = decision + (f", {_number(points)} points" if points is not None and decision == RECOGNISED else "")
        reason = unit.get("proposal_reason")
        items.append(
            f'<li data-unit="{_attr(unit.get("unit", ""))}" data-decision="{_attr(decision)}">'
            f'{_text(unit.get("title") or unit.get("unit"))}: '
            f'proposed <strong>{_text(unit.get("proposal") or "–")}</strong>'
            + (f' <span class="muted">({_text(reason)})</span>' if reason else "")
            + f' → <strong>{_text(outcome)}</strong></li>')
    return f"<td><ul>{''.join(items)}</ul></td>"


def _findings_list(findings: list[dict[str, Any]]) -> str:
    items = []
    for f in findings:
        severity = f.get("severity") or ""
        where = " · ".join(_text(x) for x in (f.get("form"), f.get("field"), f.get("rule")) if x)
        items.append(f'<li><span class="sev-{_attr(severity)}">{_text(severity)}</span> '
                     f'<span class="muted">{where}</span>: {_text(f.get("message"))}</li>')
    return f"<ul>{''.join(items)}</ul>"


def _findings_cell(findings: list[dict[str, Any]]) -> str:
    if not findings:
        return '<td><span class="muted">none</span></td>'
    errors = sum(f.get("severity") == ERROR for f in findings)
    warnings = sum(f.get("severity") == WARNING for f in findings)
    others = len(findings) - errors - warnings
    parts = [f"{errors} error{'s' * (errors != 1)}", f"{warnings} warning{'s' * (warnings != 1)}"]
    if others:
        parts.append(f"{others} other")
    listing = _findings_list(findings)
    # <details> keeps the screen view short; print shows the list (a closed <details> prints closed)
    return (f'<td><details><summary>{len(findings)} finding{"s" * (len(findings) != 1)} '
            f'({", ".join(parts)})</summary>{listing}</details>'
            f'<div class="print-only">{listing}</div></td>')


def _learner_row(row: dict[str, Any], form_ids: list[str], out_dir: Path) -> str:
    stage = _stage(row)
    total = totals(row)
    forms = row.get("forms") or {}
    cells = [
        f'<th scope="row">{_text(row.get("learner"))}<br><span class="id">{_text(row.get("mobility"))}</span></th>',
        f'<td>{_text(row.get("host"))}<br><span class="id">{_text(row.get("country"))}</span></td>',
        f'<td class="stage">{_steps(stage)}</td>',
        *(_form_cell(f, forms.get(f), out_dir) for f in form_ids),
        f'<td class="num{" has-errors" if total["errors"] else ""}">{total["errors"]}</td>',
        f'<td class="num{" has-warnings" if total["warnings"] else ""}">{total["warnings"]}</td>',
        _units_cell(row.get("units") or []),
        _findings_cell(row.get("findings") or []),
    ]
    return (f'<tr data-mobility="{_attr(row.get("mobility", ""))}" data-stage="{_attr(stage)}">'
            + "".join(cells) + "</tr>")


NUM = ' class="num"'


def report_html(rows: list[dict[str, Any]], title: str, out_dir: Path) -> str:
    """The page; links are the rows' paths (relative to out_dir, where the page is written)."""
    counts = stage_counts(rows)
    form_ids = _form_ids(rows)
    n = len(rows)
    summary_text = " · ".join([f"{n} learner{'s' * (n != 1)}", *(f"{s} {counts[s]}" for s in STAGES)])
    summary_attrs = " ".join([f'data-learners="{n}"', *(f'data-{s}="{counts[s]}"' for s in STAGES)])
    headers = ["Learner", "Host", "Stage", *(_form_title(f) for f in form_ids),
               "Errors", "Warnings", "Units: proposal → decision", "Findings"]
    numeric = {"Errors", "Warnings"}
    head = "".join(f'<th scope="col"{NUM if h in numeric else ""}>{_text(h)}</th>' for h in headers)
    body = "\n".join(_learner_row(row, form_ids, out_dir) for row in rows)
    if not rows:
        body = f'<tr><td colspan="{len(headers)}">No learners.</td></tr>'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_text(title)}</title>
<style>{CSS}</style>
</head>
<body>
<h1>{_text(title)}</h1>
<p id="summary" {summary_attrs}>{_text(summary_text)}
<span class="note">Each stage counts the learners who reached at least that stage
({_text(" → ".join(STAGES))}).</span></p>
<table id="learners">
<caption>{_text(title)}: one row per learner</caption>
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table>
</body>
</html>
"""


# --------------------------------------------------------------------------- CSV


def _cell(value: Any) -> str:
    """Text as is, except that a leading = + - @ is quoted with ' so Excel never runs a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(CSV_FORMULA_START) else text


def csv_header(form_ids: list[str]) -> list[str]:
    return ["mobility", "learner", "host", "country", "stage",
            *(c for f in form_ids for c in (f"{f} returns", f"{f} signed by")),
            "errors", "warnings", "units recognised", "units refused", "units pending", "points recognised"]


def report_csv(rows: list[dict[str, Any]]) -> str:
    """One line per learner, `\\r\\n` line ends (RFC 4180); `write_report` adds the BOM for Excel."""
    form_ids = _form_ids(rows)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_header(form_ids))
    for row in rows:
        stage = _stage(row)
        forms = row.get("forms") or {}
        total = totals(row)
        per_form = []
        for f in form_ids:
            form = forms.get(f) or {}
            per_form += [form.get("returns") or 0, _cell(", ".join(form.get("signed_by") or []))]
        writer.writerow([_cell(row.get("mobility")), _cell(row.get("learner")), _cell(row.get("host")),
                         _cell(row.get("country")), stage, *per_form,
                         total["errors"], total["warnings"], total["recognised"], total["refused"],
                         total["pending"], _number(total["points"])])
    return buffer.getvalue()


# --------------------------------------------------------------------------- files


def write_report(rows: list[dict[str, Any]], title: str, out_dir: Path) -> tuple[Path, Path]:
    """Write out_dir/status.html and out_dir/status.csv (atomically) and return their paths.

    A row: {"mobility", "learner", "host", "country", "stage" (one of STAGES: the furthest
    reached), "forms": {form id: {"generated": [lang], "returns": n, "signed_by": [party],
    "errors": n, "warnings": n, "documents": [path], "returned": [path]}}, "units": [{"unit",
    "title", "proposal", "proposal_reason", "decision": "recognised" | "refused" | None,
    "points"}], "findings": [{"severity", "form", "field", "message"}]}; paths are relative
    to out_dir. Raises ValueError for an unknown stage before anything is written.
    Files whose bytes did not change are left alone (same rows → same bytes).
    """
    out_dir = Path(out_dir)
    html_text = report_html(rows, title, out_dir)
    csv_text = report_csv(rows)
    html_path, csv_path = out_dir / "status.html", out_dir / "status.csv"
    write_atomic(html_path, html_text.encode("utf-8"))
    write_atomic(csv_path, csv_text.encode("utf-8-sig"))
    return html_path, csv_path
