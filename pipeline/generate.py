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
import hashlib
import itertools
import json
import multiprocessing
import os
import re
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.checks import validate
from pipeline.context import build_context
from pipeline.errors import OutputError, Problem, UnknownForm, UnknownLanguage, WriteFailed
from pipeline.formdefs import FORMATS, FORMS
from pipeline.i18n import available_languages, language_problem, output_language, translator
from pipeline.output import (check_output_folder, document_path, make_dirs, remove_stale_temporaries,
                             write_group)
from pipeline.render_docx import render_docx
from pipeline.render_pdf import render_pdf
from pipeline.resolve import Index, resolve

RENDERERS: dict[str, Callable] = dict(zip(FORMATS, (render_pdf, render_docx), strict=True))
MANIFEST = ".ecvet-generated.json"  # per document: the hash of what it was rendered from
# what `generate` writes inside a mobility's folder: <form>.<lang>.<pdf|docx>
DOCUMENT_NAME = re.compile(r"^(?P<form>[a-z0-9-]+)\.(?P<lang>[A-Za-z0-9_+-]+)\.(?P<ext>[a-z]+)$")


@dataclass
class Report:
    """What a run did, for the summary line."""

    folder: Path | None = None  # where this cohort's documents are
    mobilities: int = 0
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # not rendered: their inputs did not change
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
def _locked(folder: Path) -> Iterator[int]:
    """One generate at a time per output cohort folder (a lock on the folder itself, so no
    lock file appears among the documents). Best effort where the file system has no locks."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass
        yield fd
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
    jobs: int = 1,
    force: bool = False,
) -> Report:
    """Validate, then render and write every document; `progress(done, total)` is called
    once before the first mobility and after each one. With `prune`, documents of
    mobilities no longer in the cohort (and, when all languages were generated, of
    languages a mobility no longer has) are removed; otherwise they are only reported.

    `jobs` processes render mobilities side by side; they are written in the cohort's
    order, so the files are the same whatever `jobs`. A document whose inputs (its
    mobility's data, the form, the language, the program, templates, catalogs and fonts)
    have not changed since it was written is not rendered again, unless `force`."""
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
    with _locked(target) as lock:
        report.temporaries_removed = remove_stale_temporaries(target, started)
        languages: dict[str, set[str]] = {}  # mobility id -> the languages a full run writes
        if progress:
            progress(0, len(cohort.mobilities))
        plan = _Plan(cohort, index, out_dir, langs, forms, formats)
        _program_hash()  # once, before any worker is forked
        known = _read_manifest(target)
        manifest = {} if force else known
        fresh: dict[str, dict[str, str]] = {}
        for number, (mobility_id, mobility_languages, rendered, skipped) in enumerate(
                _render_all(plan, manifest, target, jobs, lock)):
            languages[mobility_id] = mobility_languages
            try:
                written, unchanged = write_group((path, data) for path, data, _key in rendered)
            except OutputError as exc:
                not_reached = [str(s.data.get("mobility_id", s.name)) for s in cohort.mobilities[number + 1:]]
                raise WriteFailed(mobility_id, exc, report.written, not_reached) from exc
            for path, data, key in rendered:
                fresh[_relative(path, target)] = {"inputs": key, "sha256": hashlib.sha256(data).hexdigest()}
            for path, key in skipped:
                fresh[_relative(path, target)] = manifest[_relative(path, target)]
            report.written += written
            report.unchanged += unchanged
            report.skipped += [path for path, _key in skipped]
            report.mobilities += 1
            if progress:
                progress(report.mobilities, len(cohort.mobilities))
        _write_manifest(target, {**known, **fresh})
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


# -- rendering, side by side and incremental ---------------------------------------------
@dataclass
class _Plan:
    """What every mobility's rendering needs (inherited by forked workers, not pickled)."""

    cohort: object
    index: Index
    out_dir: Path
    langs: list[str]
    forms: list[str]
    formats: list[str]


_PLAN: _Plan | None = None  # the plan a forked worker renders with


def _relative(path: Path, target: Path) -> str:
    return path.resolve().relative_to(target).as_posix()


@lru_cache(maxsize=1)
def _program_hash() -> str:
    """Everything besides the data a document depends on: the code, the declarations,
    templates, catalogs and fonts. A change to any of them renders everything again."""
    from pipeline.paths import FORMS_DIR, ROOT

    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "pipeline").rglob("*.py"), *FORMS_DIR.rglob("*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _data_hash(mobility: dict) -> str:
    payload = json.dumps([_program_hash(), mobility], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _inputs_key(data_hash: str, form_id: str, lang: str, fmt: str) -> str:
    return hashlib.sha256(f"{data_hash}/{form_id}/{lang}/{fmt}".encode()).hexdigest()


def _render_one(plan: _Plan, number: int, manifest: dict, target: Path):
    """Render one mobility's documents that are not up to date; (id, languages, rendered, skipped)."""
    source = plan.cohort.mobilities[number]
    mobility = resolve(plan.cohort, source, plan.index)
    rendered: list[tuple[Path, bytes, str]] = []
    skipped: list[tuple[Path, str]] = []
    host_country = (mobility["organisations"]["host"] or {}).get("address", {}).get("country")
    data_hash = _data_hash(mobility)
    for lang in dict.fromkeys(output_language(spec, host_country) for spec in plan.langs) or mobility["languages"]:
        tr = translator(lang)
        for form_id in plan.forms:
            ctx = None
            for fmt in plan.formats:
                path = document_path(plan.out_dir, plan.cohort.name, mobility["id"], form_id, lang, fmt)
                key = _inputs_key(data_hash, form_id, lang, fmt)
                known = manifest.get(_relative(path, target))
                if known and known.get("inputs") == key and _holds(path, known.get("sha256")):
                    skipped.append((path, key))
                    continue
                ctx = ctx or build_context(FORMS[form_id], mobility, tr)
                rendered.append((path, RENDERERS[fmt](ctx), key))
    return mobility["id"], set(mobility["languages"]), rendered, skipped


def _holds(path: Path, sha256: str | None) -> bool:
    try:
        return sha256 is not None and hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    except OSError:
        return False


def _worker(args: tuple[int, dict, Path]):
    assert _PLAN is not None
    return _render_one(_PLAN, *args)


def _worker_start(lock: int, parent: int) -> None:
    """In a forked worker: let go of the output folder's lock (held by the parent; a
    worker outliving a killed parent must not keep it), and exit when the parent is gone."""
    try:
        os.close(lock)
    except OSError:
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _render_all(plan: _Plan, manifest: dict, target: Path, jobs: int, lock: int):
    """Each mobility's rendering in the cohort's order; with `jobs` > 1 in forked worker
    processes, at most 2 × jobs mobilities ahead, so memory stays flat with cohort size."""
    count = len(plan.cohort.mobilities)
    if jobs <= 1 or count < 2:
        for number in range(count):
            yield _render_one(plan, number, manifest, target)
        return
    global _PLAN
    _PLAN = plan
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_start,
                             initargs=(lock, os.getpid())) as pool:
        pending: deque = deque()
        numbers = iter(range(count))
        for number in itertools.islice(numbers, 2 * jobs):
            pending.append(pool.submit(_worker, (number, manifest, target)))
        while pending:
            result = pending.popleft().result()
            nxt = next(numbers, None)
            if nxt is not None:
                pending.append(pool.submit(_worker, (nxt, manifest, target)))
            yield result
    _PLAN = None


def _read_manifest(target: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_manifest(target: Path, entries: dict[str, dict[str, str]]) -> None:
    from pipeline.output import write_atomic

    existing = {k: v for k, v in sorted(entries.items()) if (target / k).is_file()}
    write_atomic(target / MANIFEST, (json.dumps(existing, indent=1, sort_keys=True) + "\n").encode("utf-8"))
