"""SIGKILL at random points: `ecvet generate` leaves no half-written document and `ecvet
ingest` no half-stored return, and the next run completes the set.

Kill points are fixed (seeded jitter) and cumulative: each killed run resumes what the one
before left, then a last run completes. One more run is killed the moment a temporary file
shows up, i.e. in the middle of writing.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import docx
import pikepdf
import pytest

from pipeline.generate import MANIFEST

from pipeline.read.archive import READ_JSON, RETURNED, STAGING
from tests.conftest import DEMO, ROOT
from tests.fillers import FILLERS
from tests.fuzz import PT_VALUES, SA_VALUES

GENERATE_KILLS = (0.2, 0.5, 1.0, 1.5, 2.0, 2.5)  # seconds after start, plus up to 0.1 s of seeded jitter
INGEST_KILLS = (0.3, 0.45, 0.6, 0.75, 0.9, 1.05)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ecvet_popen(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def ecvet(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def kill(proc: subprocess.Popen, after: float | None = None, when: Callable[[], bool] | None = None) -> bool:
    """SIGKILL `proc` after `after` seconds, or as soon as `when()` is true; False if it had
    already finished (then it must have succeeded)."""
    deadline = time.monotonic() + (after if after is not None else 60)
    while time.monotonic() < deadline and proc.poll() is None:
        if when is not None and when():
            break
        time.sleep(0.001 if when is not None else 0.01)
    if proc.poll() is not None:
        _, err = proc.communicate()
        assert proc.returncode == 0, err
        return False
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    return True


def kill_times(base: tuple[float, ...], seed: int) -> list[float]:
    rng = random.Random(seed)
    return [t + rng.uniform(0, 0.1) for t in base]


# ------------------------------------------------------------------------------ generate


def documents(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))


def temporaries(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob(".*") if p.is_file())


def check_documents(out: Path, verified: set) -> int:
    """Every visible file is a whole PDF or DOCX; returns how many there are."""
    found = documents(out)
    for path in found:
        stat = path.stat()
        key = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if key in verified:
            continue
        assert stat.st_size > 0, f"{path} is empty"
        assert path.suffix in (".pdf", ".docx"), f"{path}: not a document"
        if path.suffix == ".pdf":
            with pikepdf.open(path) as pdf:
                assert len(pdf.pages) > 0 and not pdf.get_warnings(), path
        else:
            assert docx.Document(str(path)).paragraphs is not None
        verified.add(key)
    for tmp in temporaries(out):  # a killed write may leave its temporary file: never a document name
        assert tmp.name.endswith(".part") or tmp.name == MANIFEST, tmp
    return len(found)


def snapshot(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): _sha(p) for p in documents(out)}


@pytest.fixture(scope="module")
def demo_reference(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The demo cohort (a copy) and the documents a clean run writes."""
    folder = tmp_path_factory.mktemp("crash")
    cohort = folder / "demo"
    shutil.copytree(DEMO, cohort)
    done = ecvet("generate", cohort, "--out", folder / "reference")
    assert done.returncode == 0, done.stderr
    return cohort, snapshot(folder / "reference")


def test_killed_generate_leaves_whole_documents_and_the_next_run_completes(demo_reference, tmp_path):
    cohort, reference = demo_reference
    out, verified, log = tmp_path / "out", set(), []
    for after in kill_times(GENERATE_KILLS, seed=1):
        killed = kill(ecvet_popen("generate", cohort, "--out", out), after=after)
        log.append(f"{after:.2f} s: {'killed' if killed else 'finished'}, {check_documents(out, verified)} documents, "
                   f"{len(temporaries(out))} temporary files")
    # mid-write: killed as soon as a temporary file shows up, in a fresh folder
    fresh = tmp_path / "fresh"
    killed = kill(ecvet_popen("generate", cohort, "--out", fresh),
                  when=lambda: fresh.is_dir() and any(fresh.rglob(".*.part")))
    log.append(f"at a temporary file: {'killed' if killed else 'finished'}, {check_documents(fresh, verified)} "
               f"documents, {len(temporaries(fresh))} temporary files")
    for folder in (out, fresh):
        done = ecvet("generate", cohort, "--out", folder)
        assert done.returncode == 0, done.stderr
        check_documents(folder, verified)
        assert snapshot(folder) == reference  # the full set, byte for byte as a clean run writes it
    leftovers = temporaries(out) + temporaries(fresh)
    print("\n" + "\n".join(log) + f"\nafter the reruns: {len(reference)} documents, {len(leftovers)} temporary "
          f"files left: {[p.name for p in leftovers]}")


# ------------------------------------------------------------------------------ ingest


@pytest.fixture(scope="module")
def mail(minimal_out, tmp_path_factory) -> Path:
    """Ten different returns of the minimal cohort's mobility m1."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    folder = tmp_path_factory.mktemp("mail")
    src = minimal_out / "m1"
    for lang in ("en", "de"):
        for i, rating in enumerate(("1", "3")):
            FILLERS["pypdf"](src / f"skills-assessment.{lang}.pdf", folder / f"sa-{lang}-{i}.pdf",
                             {**SA_VALUES, "sa_pastry_c01": rating})
            FILLERS["pypdf"](src / f"personal-transcript.{lang}.pdf", folder / f"pt-{lang}-{i}.pdf",
                             {**PT_VALUES, "pt_result": f"Result {i}"})
        shutil.copy(src / f"learning-agreement.{lang}.pdf", folder / f"la-{lang}.pdf")
    assert len({_sha(p) for p in folder.iterdir()}) == 10
    return folder


def check_archive(cohort: Path) -> set[str]:
    """Every stored return is whole: its original (SHA-256 = folder name) and read.json.
    Returns the SHA-256s stored. Staging folders of a killed ingest do not count."""
    root = cohort / RETURNED
    stored = set()
    if not root.is_dir():
        return stored
    for entry in root.glob("*/*/*"):
        assert not any(part.startswith(STAGING) for part in entry.relative_to(root).parts), entry
        names = sorted(p.name for p in entry.iterdir())
        originals = [n for n in names if n.startswith("original.")]
        assert len(originals) == 1 and READ_JSON in names, (entry, names)
        assert _sha(entry / originals[0]) == entry.name, entry
        result = json.loads((entry / READ_JSON).read_text(encoding="utf-8"))
        assert result["source"]["sha256"] == entry.name
        stored.add(entry.name)
    return stored


def lock_released(cohort: Path, within: float = 5.0) -> bool:
    """No process is left holding the cohort's ingest lock (the sandbox child of a killed
    ingest inherits it and must end on its own)."""
    lock = cohort / RETURNED / ".lock"
    if not lock.exists():
        return True
    deadline = time.monotonic() + within
    with open(lock, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.05)
                continue
            fcntl.flock(handle, fcntl.LOCK_UN)
            return True


def test_killed_ingest_leaves_no_half_stored_return_and_loses_nothing(make_cohort, mail):
    inputs = {_sha(p) for p in mail.iterdir()}
    cohort, log = make_cohort(), []
    for after in kill_times(INGEST_KILLS, seed=2):
        killed = kill(ecvet_popen("ingest", cohort, mail), after=after)
        assert lock_released(cohort), "the killed ingest's lock is still held"
        log.append(f"{after:.2f} s: {'killed' if killed else 'finished'}, {len(check_archive(cohort))} stored")
    # mid-store: killed as soon as a staging folder shows up, in a fresh cohort
    fresh = make_cohort(name="fresh")
    staging = fresh / RETURNED
    killed = kill(ecvet_popen("ingest", fresh, mail),
                  when=lambda: staging.is_dir() and any(staging.glob(f"{STAGING}*")))
    assert lock_released(fresh), "the killed ingest's lock is still held"
    log.append(f"at a staging folder: {'killed' if killed else 'finished'}, {len(check_archive(fresh))} stored")
    for folder in (cohort, fresh):
        done = ecvet("ingest", folder, mail)
        assert done.returncode == 0, done.stderr
        assert check_archive(folder) == inputs  # nothing lost
        assert not list((folder / RETURNED).glob(f"{STAGING}*"))
    assert {_sha(p) for p in mail.iterdir()} == inputs  # the returned files were never written to
    print("\n" + "\n".join(log))
