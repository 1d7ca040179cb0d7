"""The forward pipeline: validate the cohort, then render and write every document.

load + validate → resolve each mobility → context per form × language → PDF / DOCX →
write. Nothing is written unless the whole cohort validates and the output folder is
not among the inputs; each mobility's documents are all rendered, then written
all-or-nothing (`output.write_group`), so a failed run leaves every mobility either as it
was or fully written, and its error lists what was written.

Around the writing: temporary files left by a killed run are removed first, and
documents of mobilities the cohort no longer has (or of languages a mobility no longer
has) are listed afterwards and, with `prune`, removed.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.checks import validate
from pipeline.context import build_context
from pipeline.errors import OutputError, Problem, UnknownForm, UnknownLanguage, WriteFailed
from pipeline.formdefs import FORMS
from pipeline.i18n import available_languages, language_problem, output_language, translator
from pipeline.output import (check_output_folder, document_path, make_dirs, remove_stale_temporaries,
                             write_group)
from pipeline.render_docx import render_docx
from pipeline.render_pdf import render_pdf
from pipeline.resolve import Index, resolve

RENDERERS: dict[str, Callable] = {"pdf": render_pdf, "docx": render_docx}
FORMATS = tuple(RENDERERS)
# what `generate` writes inside a mobility's folder: <form>.<lang>.<pdf|docx>
DOCUMENT_NAME = re.compile(r"^(?P<form>[a-z0-9-]+)\.(?P<lang>[A-Za-z0-9_+-]+)\.(?P<ext>[a-z]+)$")


@dataclass
class Report:
    """What a run did, for the summary line."""

    folder: Path | None = None  # where this cohort's documents are
    mobilities: int = 0
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    temporaries_removed: int = 0  # left by a killed run
    withdrawn: list[Path] = field(default_factory=list)  # documents of mobilities no longer in the cohort
    other_languages: list[Path] = field(default_factory=list)  # in a language the mobility no longer has
    pruned: list[Path] = field(default_factory=list)  # documents removed by prune
    pruned_folders: list[Path] = field(default_factory=list)  # mobility folders prune left empty and removed

    def notes(self) -> list[str]:
        """Lines for the summary: what was cleaned up, what is stale and how to remove it."""
        lines = []
        if self.temporaries_removed:
            lines.append(f"Removed {self.temporaries_removed} temporary file(s) left by an interrupted run.")
        for paths, what in ((self.withdrawn, _withdrawn_label), (self.other_languages, _language_label)):
            removed = [p for p in paths if p in self.pruned]
            kept = [p for p in paths if p not in self.pruned]
            if removed:
                lines.append(f"Removed {what(removed)}: {self._names(removed)}.")
            if kept:
                lines.append(f"{what(kept)}: {self._names(kept)} (ecvet generate --prune removes them).")
        if self.pruned_folders:
            lines.append(f"Removed {len(self.pruned_folders)} empty folder(s): {self._names(self.pruned_folders)}.")
        return lines

    def _names(self, paths: list[Path]) -> str:
        root = self.folder.resolve() if self.folder else None
        return ", ".join(str(p.relative_to(root)) if root and root in p.parents else str(p) for p in paths)


def _withdrawn_label(paths: list[Path]) -> str:
    mobilities = {p.parent.name for p in paths}
    whose = "a mobility" if len(mobilities) == 1 else f"{len(mobilities)} mobilities"
    return f"{len(paths)} document(s) of {whose} no longer in the cohort"


def _language_label(paths: list[Path]) -> str:
    return f"{len(paths)} document(s) in a language their mobility no longer has"


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One generate at a time per output cohort folder (a lock on the folder itself, so no
    lock file appears among the documents). Best effort where the file system has no locks."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass
        yield
    finally:
        os.close(fd)  # releases the lock


def generate(
    folder: Path,
    out_dir: Path,
    langs: Iterable[str] = (),
    forms: Iterable[str] = (),
    formats: Iterable[str] = (),
    progress: Callable[[int, int], None] | None = None,
    prune: bool = False,
) -> Report:
    """Validate, then render and write every document; `progress(done, total)` is called
    once before the first mobility and after each one. With `prune`, documents of
    mobilities no longer in the cohort (and, when all languages were generated, of
    languages a mobility no longer has) are removed; otherwise they are only reported."""
    started = time.time()
    langs, forms, formats = list(langs), list(forms) or list(FORMS), list(formats) or list(FORMATS)
    for lang in langs:
        if language_problem(lang):
            raise UnknownLanguage(lang, available_languages(), language_problem(lang))
    for form_id in forms:
        if form_id not in FORMS:
            raise UnknownForm(form_id, list(FORMS))
    check_output_folder(out_dir, folder)
    cohort, warnings = validate(folder)
    target = out_dir.resolve() / cohort.name
    report = Report(folder=out_dir / cohort.name, warnings=warnings)
    index = Index.of(cohort.cohort.data)
    try:
        make_dirs(target)
    except OSError as exc:
        raise OutputError(target, f"cannot be created: {exc.strerror or exc}") from exc
    with _locked(target):
        report.temporaries_removed = remove_stale_temporaries(target, started)
        languages: dict[str, set[str]] = {}  # mobility id -> the languages a full run writes
        if progress:
            progress(0, len(cohort.mobilities))
        for number, source in enumerate(cohort.mobilities):
            mobility = resolve(cohort, source, index)
            languages[mobility["id"]] = set(mobility["languages"])
            rendered: list[tuple[Path, bytes]] = []
            host_country = (mobility["organisations"]["host"] or {}).get("address", {}).get("country")
            for lang in dict.fromkeys(output_language(spec, host_country) for spec in langs) or mobility["languages"]:
                tr = translator(lang)
                for form_id in forms:
                    ctx = build_context(FORMS[form_id], mobility, tr)
                    for fmt in formats:
                        path = document_path(out_dir, cohort.name, mobility["id"], form_id, lang, fmt)
                        rendered.append((path, RENDERERS[fmt](ctx)))
            try:
                written, unchanged = write_group(rendered)
            except OutputError as exc:
                not_reached = [str(s.data.get("mobility_id", s.name)) for s in cohort.mobilities[number + 1:]]
                raise WriteFailed(mobility["id"], exc, report.written, not_reached) from exc
            report.written += written
            report.unchanged += unchanged
            report.mobilities += 1
            if progress:
                progress(report.mobilities, len(cohort.mobilities))
        _find_stale(report, target, languages, None if langs else (set(forms), set(formats)))
        if prune:
            _prune(report, target)
    return report


def _find_stale(report: Report, target: Path, languages: dict[str, set[str]],
                produced: tuple[set[str], set[str]] | None) -> None:
    """Documents (DOCUMENT_NAME of a form and format `generate` makes) in a mobility
    folder of `target` whose mobility the cohort no longer has, and, when `produced`
    (the run's forms and formats, given when it wrote every language), documents of those
    forms and formats in a language the mobility no longer has. Nothing else is listed."""
    try:
        folders = sorted(p for p in target.iterdir() if p.is_dir() and not p.is_symlink())
    except OSError:
        return
    for mobility_folder in folders:
        current = languages.get(mobility_folder.name)
        for path in sorted(mobility_folder.iterdir()):
            match = DOCUMENT_NAME.match(path.name)
            if not match or match["form"] not in FORMS or match["ext"] not in FORMATS:
                continue
            if path.is_symlink() or not path.is_file():
                continue
            if current is None:
                report.withdrawn.append(path)
            elif produced and match["form"] in produced[0] and match["ext"] in produced[1] \
                    and match["lang"] not in current:
                report.other_languages.append(path)


def _prune(report: Report, target: Path) -> None:
    """Remove exactly the documents `_find_stale` listed, then the mobility folders that
    this left empty."""
    emptied = set()
    for path in [*report.withdrawn, *report.other_languages]:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise OutputError(path, f"cannot be removed: {exc.strerror or exc}") from exc
        report.pruned.append(path)
        emptied.add(path.parent)
    for folder in sorted(emptied):
        if folder.parent == target and not any(folder.iterdir()):
            folder.rmdir()
            report.pruned_folders.append(folder)
