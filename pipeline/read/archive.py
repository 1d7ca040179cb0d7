"""Ingest returned forms into the cohort's folder: the original bytes, untouched, with
the read result beside them.

Returned forms are source data (the evidence a school may be audited on), so they live
with the cohort's inputs, not in the disposable `outputs/`:

    inputs/<cohort>/returned/<mobility-id>/<form>/<sha256>/original.<pdf|xfdf|fdf>
                                                         /read.json
                                                         /readable.pdf  (PDF returns)

- Content-addressed: the folder is the SHA-256 of the original bytes, so ingesting the
  same file again changes nothing, and every different return of a form is kept (history).
- Archived before read: the bytes are copied into a staging folder first and read from
  that copy; the staging folder is renamed into place only once `read.json` is written
  and synced, so a killed ingest leaves no half-stored return (the next ingest removes
  its leftovers).
- One ingest at a time per cohort: an exclusive lock on `returned/.lock`.
- `readable.pdf` (`pipeline.read.readable`) shows what the host typed in any viewer, even
  where Chrome drew it without some letters; the original stays the evidence.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from pipeline.errors import PipelineError
from pipeline.output import make_dirs
from pipeline.read.agreed import CohortView, compare
from pipeline.read.batch import SUFFIXES, expand
from pipeline.read.document import read_path
from pipeline.read.readable import readable_copy
from pipeline.read.sandbox import Sandbox, SandboxFailure

RETURNED = "returned"
READ_JSON = "read.json"
READABLE = "readable.pdf"
STAGING = ".staging-"


class ArchiveError(PipelineError):
    pass


@dataclass
class Ingested:
    """One file's outcome: stored (new or already there) or refused with a reason."""

    path: Path
    outcome: str  # stored | unchanged | refused
    result: dict[str, Any] | None = None
    reason: str = ""


def returned_dir(cohort_folder: Path) -> Path:
    return Path(cohort_folder) / RETURNED


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def locked(cohort_folder: Path) -> Iterator[Path]:
    root = returned_dir(cohort_folder)
    root.mkdir(mode=0o700, exist_ok=True)  # never wider than 0700: the umask only removes bits
    with open(root / ".lock", "a+", opener=lambda path, flags: os.open(path, flags, 0o600)) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            for leftover in root.glob(f"{STAGING}*"):  # from an ingest that was killed
                shutil.rmtree(leftover, ignore_errors=True)
            yield root
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _entry_dir(root: Path, result: dict[str, Any]) -> Path:
    doc = result["document"]
    return root / doc["mobility"] / doc["form"] / result["source"]["sha256"]


def _ingest_one(root: Path, path: Path, view: CohortView, box: Sandbox, trust_roots: list[Any] | None) -> Ingested:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Ingested(path, "refused", reason=f"cannot be read: {exc.strerror}")
    sha = hashlib.sha256(data).hexdigest()
    stored = next(root.glob(f"*/*/{sha}/{READ_JSON}"), None)
    if stored is not None:  # the same bytes were ingested before: nothing to do
        return Ingested(path, "unchanged", json.loads(stored.read_text(encoding="utf-8")))
    stage = root / f"{STAGING}{sha}-{os.getpid()}"
    stage.mkdir(mode=0o700)
    try:
        suffix = path.suffix.lower() if path.suffix.lower() in SUFFIXES else ".pdf"
        original = stage / f"original{suffix}"
        original.write_bytes(data)
        try:
            result = box.run(read_path, original, trust_roots)
        except (PipelineError, SandboxFailure) as exc:
            return Ingested(path, "refused", reason=f"{exc}; nothing was stored")
        result["source"]["file"] = path.name
        compare(result, view)
        doc = result["document"]
        if doc["cohort"] != view.id or view.mobility(doc["mobility"]) is None:
            where = (f"cohort '{doc['cohort']}'" if doc["cohort"] != view.id
                     else f"mobility '{doc['mobility']}', which cohort '{view.id}' does not have")
            return Ingested(path, "refused", result, f"belongs to {where}; nothing was stored")
        final = _entry_dir(root, result)
        if (final / READ_JSON).is_file():
            return Ingested(path, "unchanged", json.loads((final / READ_JSON).read_text(encoding="utf-8")))
        # microseconds: returns ingested one after the other (under the lock) keep their order
        if result["document"]["format"] == "pdf":
            try:
                (stage / READABLE).write_bytes(box.run(readable_copy, data))
            except Exception:  # noqa: BLE001 - a view for convenience: the return is stored without it
                result["problems"].append({"severity": "warning", "field": "",
                                           "message": "no readable copy could be drawn; open the original"})
        result["ingested_at"] = dt.datetime.now(dt.timezone.utc).isoformat()
        (stage / READ_JSON).write_text(json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                       encoding="utf-8")
        for written in stage.iterdir():
            written.chmod(0o600)  # write_bytes/write_text follow the umask
        for written in [*stage.iterdir(), stage]:
            _fsync(written)
        make_dirs(final.parent)  # mobility and form folders 0700 whatever the umask
        os.rename(stage, final)
        _fsync(final.parent)
        return Ingested(path, "stored", result)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def ingest(cohort_folder: Path, paths: list[Path], trust_roots: list[Any] | None = None) -> list[Ingested]:
    """Store every returned file that belongs to a mobility of this cohort."""
    view = CohortView.load(cohort_folder)
    files = expand(paths)
    if not files:
        raise ArchiveError("no returned forms found (*.pdf, *.xfdf, *.fdf) in what was given")
    with locked(cohort_folder) as root, Sandbox() as box:
        return [_ingest_one(root, path, view, box, trust_roots) for path in files]


def history(cohort_folder: Path) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Every stored return by (mobility, form), oldest first."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    root = returned_dir(cohort_folder)
    for read_json in sorted(root.glob(f"*/*/*/{READ_JSON}")):
        if read_json.parent.name.startswith(STAGING):
            continue
        result = json.loads(read_json.read_text(encoding="utf-8"))
        doc = result["document"]
        out.setdefault((doc["mobility"], doc["form"]), []).append(result)
    for results in out.values():
        results.sort(key=lambda r: (r.get("ingested_at", ""), r["source"]["sha256"]))
    return out
