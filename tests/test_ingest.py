"""`ecvet ingest` and `ecvet status`: originals archived untouched, content-addressed,
idempotent, safe when killed and when two run at once."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline.read.archive import RETURNED, history
from tests.conftest import ROOT
from tests.fillers import FILLERS
from tests.test_read import PT_VALUES, SA_EXPECTED, SA_VALUES


def ecvet(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with the SHA-256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def returns(minimal_out, tmp_path) -> Path:
    """A host's mail folder: the filled skills assessment and transcript, and the blank LA."""
    mail = tmp_path / "mail"
    mail.mkdir()
    FILLERS["pdftk"](minimal_out / "m1" / "skills-assessment.en.pdf", mail / "SA Ελένη.pdf", SA_VALUES)
    FILLERS["pdfjs"](minimal_out / "m1" / "personal-transcript.en.pdf", mail / "transcript.pdf", PT_VALUES)
    (mail / "learning-agreement.pdf").write_bytes((minimal_out / "m1" / "learning-agreement.en.pdf").read_bytes())
    return mail


def test_ingest_archives_originals_and_twice_changes_nothing(make_cohort, returns):
    cohort = make_cohort()
    before = snapshot(returns)
    first = ecvet("ingest", cohort, returns)
    assert first.returncode == 0, first.stderr
    assert "3 file(s): 3 stored, 0 already there, 0 refused." in first.stdout
    assert "m1        skills-assessment" in first.stdout
    archive = cohort / RETURNED
    stored = snapshot(archive)
    # originals keep their bytes: the folder is their SHA-256, and so is the content
    originals = {k: v for k, v in stored.items() if "/original." in k}
    assert len(originals) == 3 and all(k.split("/")[2] == v for k, v in originals.items())
    assert set(originals.values()) == set(before.values())
    assert snapshot(returns) == before  # the returned files were not touched
    second = ecvet("ingest", cohort, returns)
    assert second.returncode == 0 and "0 stored, 3 already there" in second.stdout
    assert snapshot(archive) == stored
    sa = history(cohort)[("m1", "skills-assessment")]
    assert len(sa) == 1 and sa[0]["data"] == SA_EXPECTED and sa[0]["source"]["file"] == "SA Ελένη.pdf"


def test_every_return_of_a_form_is_kept(make_cohort, minimal_out, tmp_path):
    cohort = make_cohort(name="minimal")  # the folder name the generated forms were written under
    for i, rating in enumerate(("1", "3")):
        FILLERS["pypdfform"](minimal_out / "m1" / "skills-assessment.en.pdf", tmp_path / f"sa{i}.pdf",
                             {**SA_VALUES, "sa_pastry_c01": rating})
        assert ecvet("ingest", cohort, tmp_path / f"sa{i}.pdf").returncode == 0
    kept = history(cohort)[("m1", "skills-assessment")]
    assert [r["data"]["assessments"]["pastry"]["ratings"]["1"] for r in kept] == [1, 3]
    status = ecvet("status", cohort, "--out", minimal_out.parent)
    assert status.returncode == 0, status.stderr
    line = next(x for x in status.stdout.splitlines() if "skills-assessment" in x)
    assert line.split()[:4] == ["m1", "skills-assessment", "de,", "en"] and " 2 " in line


def test_a_form_of_another_cohort_is_refused_and_nothing_stored(make_cohort, returns):
    other = make_cohort(lambda cohort, m: cohort.update(cohort_id="elsewhere"), name="other")
    done = ecvet("ingest", other, returns / "transcript.pdf")
    assert done.returncode == 1
    assert "belongs to cohort 'test-minimal'; nothing was stored" in done.stderr
    assert not list((other / RETURNED).rglob("original.*"))


def test_an_unreadable_file_is_refused_with_its_reason(make_cohort, tmp_path):
    cohort = make_cohort()
    (tmp_path / "scan.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    done = ecvet("ingest", cohort, tmp_path / "scan.pdf")
    assert done.returncode == 1 and "is a PNG image" in done.stderr and "Traceback" not in done.stderr


KILLED_DURING_COMMIT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import pipeline.read.archive as archive
    def die(*args):  # the moment before the staged return is renamed into place
        os.kill(os.getpid(), signal.SIGKILL)
    archive.os.rename = die
    archive.ingest(Path(sys.argv[1]), [Path(sys.argv[2])])
""")


def test_a_killed_ingest_leaves_nothing_half_stored(make_cohort, returns):
    cohort = make_cohort()
    done = subprocess.run([sys.executable, "-c", KILLED_DURING_COMMIT, str(cohort), str(returns / "transcript.pdf")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == -9
    archive = cohort / RETURNED
    assert [p.name.startswith(".staging-") for p in archive.glob(".staging-*")] == [True]
    assert [p for p in archive.rglob("read.json") if ".staging-" not in str(p)] == []
    assert history(cohort) == {}  # nothing counts as stored
    status = ecvet("status", cohort)
    assert "personal-transcript  -          0" in status.stdout
    again = ecvet("ingest", cohort, returns / "transcript.pdf")
    assert again.returncode == 0 and "1 stored" in again.stdout
    assert not [p for p in archive.iterdir() if p.name.startswith(".staging-")]  # leftovers cleaned


def test_two_ingests_at_once_lose_nothing(make_cohort, returns):
    cohort = make_cohort()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "pipeline", "ingest", str(cohort), str(returns / name)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
             for name in ("SA Ελένη.pdf", "transcript.pdf", "learning-agreement.pdf", "SA Ελένη.pdf")]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert sorted(history(cohort)) == [("m1", "learning-agreement"), ("m1", "personal-transcript"),
                                       ("m1", "skills-assessment")]
    assert len(history(cohort)[("m1", "skills-assessment")]) == 1
    for read_json in (cohort / RETURNED).rglob("read.json"):
        json.loads(read_json.read_text(encoding="utf-8"))
