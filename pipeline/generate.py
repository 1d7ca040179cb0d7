"""The forward pipeline: validate the cohort, then render and write every document.

load + validate → resolve each mobility → context per form × language → PDF / DOCX →
atomic write. Nothing is written unless the whole cohort validates, and each mobility's
documents are all rendered before any of them is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from pipeline.checks import validate
from pipeline.context import build_context
from pipeline.errors import Problem, UnknownForm, UnknownLanguage
from pipeline.formdefs import FORMATS, FORMS
from pipeline.i18n import available_languages, language_problem, output_language, translator
from pipeline.output import document_path, write_atomic
from pipeline.render_docx import render_docx
from pipeline.render_pdf import render_pdf
from pipeline.resolve import Index, resolve

RENDERERS: dict[str, Callable] = dict(zip(FORMATS, (render_pdf, render_docx), strict=True))


@dataclass
class Report:
    """What a run did, for the summary line."""

    folder: Path | None = None  # where this cohort's documents are
    mobilities: int = 0
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def generate(
    folder: Path,
    out_dir: Path,
    langs: Iterable[str] = (),
    forms: Iterable[str] = (),
    formats: Iterable[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Validate, then render and write every document; `progress(done, total)` is called
    once before the first mobility and after each one."""
    langs, forms, formats = list(langs), list(forms) or list(FORMS), list(formats) or list(FORMATS)
    for lang in langs:
        if language_problem(lang):
            raise UnknownLanguage(lang, available_languages(), language_problem(lang))
    for form_id in forms:
        if form_id not in FORMS:
            raise UnknownForm(form_id, list(FORMS))
    cohort, warnings = validate(folder)
    report = Report(folder=out_dir / cohort.name, warnings=warnings)
    index = Index.of(cohort.cohort.data)
    if progress:
        progress(0, len(cohort.mobilities))
    for source in cohort.mobilities:
        mobility = resolve(cohort, source, index)
        rendered: list[tuple[Path, bytes]] = []
        host_country = (mobility["organisations"]["host"] or {}).get("address", {}).get("country")
        for lang in dict.fromkeys(output_language(spec, host_country) for spec in langs) or mobility["languages"]:
            tr = translator(lang)
            for form_id in forms:
                ctx = build_context(FORMS[form_id], mobility, tr)
                for fmt in formats:
                    path = document_path(out_dir, cohort.name, mobility["id"], form_id, lang, fmt)
                    rendered.append((path, RENDERERS[fmt](ctx)))
        for path, data in rendered:
            (report.written if write_atomic(path, data) else report.unchanged).append(path)
        report.mobilities += 1
        if progress:
            progress(report.mobilities, len(cohort.mobilities))
    return report
