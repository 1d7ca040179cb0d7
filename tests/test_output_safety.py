"""Where and how generated documents are written: never among the inputs, each mobility
all-or-nothing with a failed run naming what it wrote, leftovers of killed runs removed,
withdrawn learners' documents reported and pruned, private modes, ignored by git."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import OutputRefused, WriteFailed
from pipeline.generate import MANIFEST, generate
from pipeline.output import check_output_folder, remove_stale_temporaries
from tests.conftest import MINIMAL, ROOT

EN_PDF = {"langs": ["en"], "forms": ["learning-agreement"], "formats": ["pdf"]}
DOCS_EN = {f"{form}.en.{ext}" for form in ("learning-agreement", "skills-assessment", "personal-transcript")
           for ext in ("pdf", "docx")}


def cohort_with(base: Path, *mobilities: str, name: str = "case") -> Path:
    """A copy of the minimal cohort at base/name with one mobility per id (copies of m1)."""
    folder = base / name
    shutil.copytree(MINIMAL, folder)
    m1 = (folder / "mobilities" / "m1.json").read_text(encoding="utf-8")
    (folder / "mobilities" / "m1.json").unlink()
    for mid in mobilities:
        (folder / "mobilities" / f"{mid}.json").write_text(m1.replace('"mobility_id": "m1"', f'"mobility_id": "{mid}"'),
                                                           encoding="utf-8")
    return folder


def files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` but the record of what each document was rendered from."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


# 1. never among the inputs ------------------------------------------------------------

@pytest.mark.parametrize("where", ["inputs/case", "inputs/case/out", "inputs/case/mobilities", "inputs",
                                   "inputs/generated", "inputs/generated/deeper"])
def test_output_among_the_inputs_is_refused(tmp_path, where):
    cohort = cohort_with(tmp_path / "inputs", "m1")
    before = files(tmp_path)
    with pytest.raises(OutputRefused, match="minors' personal data"):
        generate(cohort, tmp_path / where, **EN_PDF)
    assert files(tmp_path) == before
    assert not list(tmp_path.rglob("*.pdf"))


def test_output_outside_the_inputs_is_used(tmp_path):
    cohort = cohort_with(tmp_path / "inputs", "m1")
    report = generate(cohort, tmp_path / "outputs", **EN_PDF)
    assert [p.name for p in report.written] == ["learning-agreement.en.pdf"]


def test_inside_any_cohort_or_a_folder_of_cohorts_in_git_is_refused(tmp_path):
    cohort = cohort_with(tmp_path / "school", "m1")
    other = cohort_with(tmp_path / "elsewhere", "m1", name="other")
    for refused in (other / "out", other, tmp_path / "elsewhere"):  # another cohort, a folder holding one
        with pytest.raises(OutputRefused):
            check_output_folder(refused, cohort)
    check_output_folder(tmp_path / "school" / "out", cohort)  # beside the cohort, not in git: allowed
    (tmp_path / ".git").mkdir()  # ...but in a repository, git would not ignore it
    with pytest.raises(OutputRefused, match="which holds the cohorts"):
        check_output_folder(tmp_path / "school" / "out", cohort)
    check_output_folder(tmp_path / "outputs", cohort)


def test_cli_refuses_with_exit_1_and_writes_nothing(tmp_path):
    cohort = cohort_with(tmp_path / "inputs", "m1")
    result = CliRunner().invoke(main, ["generate", str(cohort), "--out", str(cohort / "out"), "--lang", "en"])
    assert result.exit_code == 1
    assert "is inside the cohort folder" in result.output and "--out outputs" in result.output
    assert not (cohort / "out").exists()


# 2. each mobility all-or-nothing ------------------------------------------------------

def fail_on_call(monkeypatch, module, name: str, number: int) -> None:
    """`module.name` raises ENOSPC on its `number`-th call and works otherwise."""
    real, calls = getattr(module, name), [0]

    def fake(*args, **kwargs):
        calls[0] += 1
        if calls[0] == number:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, fake)


@pytest.mark.parametrize("step", [(os, "replace"), (tempfile, "mkstemp")], ids=["rename", "temporary-file"])
def test_a_failed_write_rolls_back_the_mobility_and_names_what_was_written(tmp_path, monkeypatch, step):
    cohort = cohort_with(tmp_path, "m1", "m2", "m3")
    out = tmp_path / "out"
    fail_on_call(monkeypatch, *step, number=6 + 3)  # the third file of the second mobility
    with pytest.raises(WriteFailed) as failure:
        generate(cohort, out, langs=["en"])
    monkeypatch.undo()
    assert set(files(out / "case")) == {f"m1/{name}" for name in DOCS_EN}  # m2 not half written
    assert not list(out.rglob("*.part"))
    message = str(failure.value)
    assert "Writing stopped at mobility m2" in message and "No space left on device" in message
    assert "Written in this run before the failure (6 documents)" in message
    for name in DOCS_EN:
        assert str(out.resolve() / "case" / "m1" / name) in message
    assert "m2/" not in message.split("Written in this run")[1]
    assert "Not reached: m3." in message
    assert failure.value.mobility == "m2" and len(failure.value.written) == 6
    # the next run completes, rewriting nothing that was already written
    report = generate(cohort, out, langs=["en"])
    assert len(report.unchanged) == 6 and len(report.written) == 12


def test_a_failed_rewrite_puts_the_previous_documents_back(tmp_path, monkeypatch):
    cohort = cohort_with(tmp_path, "m1", "m2")
    out = tmp_path / "out"
    generate(cohort, out, langs=["en"])
    before = files(out)
    m2 = cohort / "mobilities" / "m2.json"
    m2.write_text(m2.read_text(encoding="utf-8").replace("Ελένη", "Eleni"), encoding="utf-8")
    fail_on_call(monkeypatch, os, "replace", 3)  # m1 is unchanged (no rename); m2's third file
    with pytest.raises(WriteFailed, match="No document was written in this run") as failure:
        generate(cohort, out, langs=["en"])
    monkeypatch.undo()
    assert failure.value.mobility == "m2" and failure.value.written == []
    assert files(out) == before  # m2's first two documents are the previous bytes again
    assert len(generate(cohort, out, langs=["en"]).written) == 6


def test_a_document_that_cannot_be_put_back_is_named(tmp_path, monkeypatch):
    cohort = cohort_with(tmp_path, "m1")
    out = tmp_path / "out"
    generate(cohort, out, langs=["en"])
    m1 = cohort / "mobilities" / "m1.json"
    m1.write_text(m1.read_text(encoding="utf-8").replace("Ελένη", "Eleni"), encoding="utf-8")
    real, calls = os.replace, [0]

    def fake(*args):  # the third rename fails, and so does putting back the first
        calls[0] += 1
        if calls[0] in (3, 4):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args)

    monkeypatch.setattr(os, "replace", fake)
    with pytest.raises(WriteFailed, match="could not be put back") as failure:
        generate(cohort, out, langs=["en"])
    assert "None of mobility m1's documents were changed" not in str(failure.value)
    assert not list(out.rglob("*.part"))


def test_cli_reports_the_failure_with_exit_1(tmp_path, monkeypatch):
    cohort = cohort_with(tmp_path, "m1")
    fail_on_call(monkeypatch, os, "replace", 1)
    result = CliRunner().invoke(main, ["generate", str(cohort), "--out", str(tmp_path / "out"), "--lang", "en"])
    assert result.exit_code == 1
    assert "Writing stopped at mobility m1" in result.output and "No space left on device" in result.output


# 3. temporary files of a killed run ---------------------------------------------------

def test_temporary_files_of_a_killed_run_are_removed(tmp_path):
    cohort = cohort_with(tmp_path, "m1")
    out = tmp_path / "out"
    generate(cohort, out, **EN_PDF)
    folder = out / "case"
    hour_ago = time.time() - 3600
    left = [folder / "m1" / ".learning-agreement.en.pdf.k3x_9q2z.part", folder / ".status.html.abcdefgh.part"]
    kept = [folder / "m1" / "notes.part", folder / "m1" / ".draft.part", folder / "m1" / "x.abcdefgh.part"]
    for path in [*left, *kept]:
        path.write_bytes(b"%PDF-1.7 cut")
        os.utime(path, (hour_ago, hour_ago))
    result = CliRunner().invoke(main, ["generate", str(cohort), "--out", str(out), "--lang", "en",
                                       "--form", "learning-agreement", "--format", "pdf"])
    assert result.exit_code == 0, result.output
    assert "Removed 2 temporary file(s) left by an interrupted run." in result.output
    assert not any(p.exists() for p in left) and all(p.exists() for p in kept)
    again = CliRunner().invoke(main, ["generate", str(cohort), "--out", str(out), "--lang", "en",
                                      "--form", "learning-agreement", "--format", "pdf"])
    assert "left by an interrupted run" not in again.output


def test_only_temporary_files_older_than_the_run_are_removed(tmp_path):
    (tmp_path / "m1").mkdir()
    old, new = tmp_path / "m1" / ".a.pdf.aaaaaaaa.part", tmp_path / "m1" / ".b.pdf.bbbbbbbb.part"
    old.write_bytes(b"")
    new.write_bytes(b"")
    os.utime(old, (time.time() - 60, time.time() - 60))
    assert remove_stale_temporaries(tmp_path, time.time() - 30) == 1
    assert not old.exists() and new.exists()


# 4. withdrawn learners ----------------------------------------------------------------

def test_documents_of_a_withdrawn_mobility_are_reported_then_pruned(tmp_path):
    cohort = cohort_with(tmp_path, "m1", "m2", "m3")
    out = tmp_path / "out"
    generate(cohort, out, langs=["en"])
    (cohort / "mobilities" / "m2.json").unlink()
    (cohort / "mobilities" / "m3.json").unlink()
    m3 = out / "case" / "m3"
    (m3 / "notes.txt").write_text("the school's own notes")
    (m3 / "recognition-record.en.pdf").write_bytes(b"made by ecvet report")
    (out / "case" / "status.html").write_text("<p>report</p>")

    def run(*options: str):
        result = CliRunner().invoke(main, ["generate", str(cohort), "--out", str(out), "--lang", "en", *options])
        assert result.exit_code == 0, result.output
        return result.output

    listed = run()
    assert "12 document(s) of 2 mobilities no longer in the cohort: m2/learning-agreement.en.docx" in listed
    assert "(ecvet generate --prune removes them)" in listed and "notes.txt" not in listed
    assert len(list(out.rglob("*.pdf"))) == 3 * 3 + 1  # nothing removed without --prune

    pruned = run("--prune")
    assert "Removed 12 document(s) of 2 mobilities no longer in the cohort" in pruned
    assert "Removed 1 empty folder(s): m2." in pruned
    assert not (out / "case" / "m2").exists()
    assert sorted(p.name for p in m3.iterdir()) == ["notes.txt", "recognition-record.en.pdf"]
    assert set(files(out / "case")) == {f"m1/{name}" for name in DOCS_EN} | {
        "m3/notes.txt", "m3/recognition-record.en.pdf", "status.html"}
    assert "no longer" not in run()


def test_a_language_no_longer_produced_is_stale_only_when_every_language_was_generated(tmp_path):
    cohort = cohort_with(tmp_path, "m1")  # the cohort's languages: en, de
    out = tmp_path / "out"
    generate(cohort, out)
    data = (cohort / "cohort.json").read_text(encoding="utf-8")
    (cohort / "cohort.json").write_text(data.replace('"languages": ["en", "de"]', '"languages": ["en"]'),
                                        encoding="utf-8")
    for partial in ({"langs": ["en"]}, {"langs": ["de"]}):  # a --lang run judges no language
        report = generate(cohort, out, **partial)
        assert report.other_languages == [] and report.withdrawn == []
    report = generate(cohort, out, forms=["skills-assessment"])  # judges only its forms
    assert sorted(p.name for p in report.other_languages) == ["skills-assessment.de.docx", "skills-assessment.de.pdf"]
    report = generate(cohort, out, formats=["pdf"])
    assert len(report.other_languages) == 3 and all(p.suffix == ".pdf" for p in report.other_languages)
    report = generate(cohort, out, prune=True)
    assert sorted(p.name for p in report.pruned) == sorted(n.replace(".en.", ".de.") for n in DOCS_EN)
    assert "in a language their mobility no longer has" in report.notes()[0]
    assert {p.name for p in (out / "case" / "m1").iterdir()} == DOCS_EN
    assert report.pruned_folders == []


def test_a_partial_run_never_counts_other_forms_or_languages_as_stale(tmp_path):
    cohort = cohort_with(tmp_path, "m1")
    out = tmp_path / "out"
    generate(cohort, out)
    for partial in ({"langs": ["de"]}, {"forms": ["learning-agreement"]}, {"formats": ["docx"]},
                    {"langs": ["de+en"], "forms": ["skills-assessment"]}):
        report = generate(cohort, out, prune=True, **partial)
        assert report.withdrawn == report.other_languages == report.pruned == [] and report.notes() == []
    assert len(list((out / "case" / "m1").iterdir())) == 12 + 2


# 5. private modes whatever the umask --------------------------------------------------

def modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*")}


@pytest.fixture
def umask0():
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_output_folders_are_0700_and_documents_0600_whatever_the_umask(tmp_path, umask0):
    cohort = cohort_with(tmp_path, "m1")
    out = tmp_path / "new" / "out"
    generate(cohort, out, langs=["en"], formats=["pdf"])
    found = modes(tmp_path / "new")
    assert found.pop("out") == found.pop("out/case") == found.pop("out/case/m1") == 0o700
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    assert found and set(found.values()) == {0o600}


def test_archive_and_decisions_are_0700_and_0600_whatever_the_umask(tmp_path, minimal_out, umask0):
    from pipeline.read.archive import ingest
    from pipeline.recognition.decisions import record

    cohort = cohort_with(tmp_path, "m1")
    blank = tmp_path / "learning-agreement.pdf"
    blank.write_bytes((minimal_out / "m1" / "learning-agreement.en.pdf").read_bytes())
    [result] = ingest(cohort, [blank])
    assert result.outcome == "stored", result.reason
    record(cohort, [{"mobility": "m1", "unit": "u1", "decision": "recognised"}])
    for folder in ("returned", "recognition"):
        found = modes(cohort / folder) | {".": stat.S_IMODE((cohort / folder).stat().st_mode)}
        dirs = {k for k in found if (cohort / folder / k).is_dir()}
        assert {found[k] for k in dirs} == {0o700}, found
        assert {v for k, v in found.items() if k not in dirs} == {0o600}, found


# 6. git ignores what holds personal data ----------------------------------------------

def test_gitignore_covers_outputs_returned_forms_and_decisions():
    if not shutil.which("git") or not (ROOT / ".git").exists():
        pytest.skip("git or the repository is not available")

    def ignored(path: str) -> bool:
        result = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "--no-index", "-q", path],
                                capture_output=True, text=True)
        assert result.returncode in (0, 1), result.stderr
        return result.returncode == 0

    for path in ("outputs/demo/m1/learning-agreement.en.pdf",
                 "outputs/demo/m1/.learning-agreement.en.pdf.abcdefgh.part",
                 "outputs/demo/status.html", "outputs/other/m9/skills-assessment.de+en.docx",
                 "inputs/demo/returned/m1/learning-agreement/0123abcd/original.pdf",
                 "inputs/demo/returned/.lock", "inputs/other/returned/m1/skills-assessment/ff/read.json",
                 "inputs/demo/recognition/decisions.jsonl", "inputs/demo/recognition/decisions.lock"):
        assert ignored(path), f"{path} is not ignored by git"
    for path in ("inputs/demo/cohort.json", "inputs/demo/mobilities/m1.json", "outputs/.gitkeep"):
        assert not ignored(path), f"{path} is ignored by git but belongs to the repository"
