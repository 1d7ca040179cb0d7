"""Validation and recognition decisions: an append-only record a school can be audited on.

Stored as JSON Lines in the cohort's folder, `inputs/<cohort>/recognition/decisions.jsonl`,
one decision per line, because a person can read and grep it without the tool, diffs
show exactly what was added, and appending is the only write. (SQLite would give
transactions, but an opaque file for a record meant to be read by people.)

- Append-only: a correction is a new line (`supersedes` names the decision it replaces);
  nothing is ever rewritten, so the history is the file.
- Two commands at once: an exclusive lock (`decisions.lock`) around read-seq-append.
- A crash mid-write: each line is written with one `write` and synced; a line cut short
  by a crash cannot be parsed, is reported and skipped by readers, and the next append
  starts on a new line, so no decision is merged into a broken one.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

FOLDER = "recognition"
LOG = "decisions.jsonl"
RECOGNISED, REFUSED = "recognised", "refused"
CONSEQUENCES = ("exemption", "transcript", "certificate")


def log_path(cohort_folder: Path) -> Path:
    return Path(cohort_folder) / FOLDER / LOG


@contextmanager
def _locked(cohort_folder: Path) -> Iterator[Path]:
    folder = Path(cohort_folder) / FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    with open(folder / "decisions.lock", "a+", opener=lambda path, flags: os.open(path, flags, 0o600)) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder / LOG
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def read_all(cohort_folder: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Every decision in the order recorded, and a note per line that could not be read."""
    path = log_path(cohort_folder)
    if not path.is_file():
        return [], []
    decisions, broken = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            if not isinstance(entry, dict) or "seq" not in entry:
                raise ValueError("not a decision")
            decisions.append(entry)
        except ValueError:
            broken.append(f"{path}: line {number} is not a complete decision (cut short by a crash?); "
                          "it is ignored, the decisions before and after it count")
    return decisions, broken


def current(decisions: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The decision in force per (mobility, unit): the latest recorded."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in sorted(decisions, key=lambda d: d["seq"]):
        out[(entry["mobility"], entry["unit"])] = entry
    return out


def record(cohort_folder: Path, entries: list[dict[str, Any]], now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Append decisions (numbered, timestamped, each superseding the unit's previous one)."""
    stamp = (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    with _locked(cohort_folder) as path:
        existing, _broken = read_all(cohort_folder)
        seq = max((d["seq"] for d in existing), default=0)
        in_force = current(existing)
        written = []
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if path.stat().st_size and not path.read_bytes().endswith(b"\n"):
                os.write(fd, b"\n")  # after a torn line: start clean
            for entry in entries:
                seq += 1
                previous = in_force.get((entry["mobility"], entry["unit"]))
                full = {**entry, "seq": seq, "recorded_at": stamp,
                        "supersedes": previous["seq"] if previous else None}
                os.write(fd, (json.dumps(full, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
                in_force[(entry["mobility"], entry["unit"])] = full
                written.append(full)
            os.fsync(fd)
        finally:
            os.close(fd)
    return written
