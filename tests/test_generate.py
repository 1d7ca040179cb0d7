"""The run as a whole: file layout, atomic and idempotent writes, nothing on failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import OutputError, ValidationFailed
from pipeline.formdefs import FORMS
from pipeline.generate import MANIFEST, generate
from pipeline.output import document_path
from tests.conftest import DEMO, MINIMAL


def test_demo_has_three_forms_in_two_formats_for_every_mobility(demo_out):
    mobilities = sorted(p.stem for p in (DEMO / "mobilities").glob("*.json"))
    assert len(mobilities) >= 6
    for path in (DEMO / "mobilities").glob("*.json"):
        mid = json.loads(path.read_text(encoding="utf-8"))["mobility_id"]
        names = {p.name for p in (demo_out / mid).iterdir()}
        assert names == {f"{f}.{lang}.{ext}" for f in FORMS for lang in ("en", "de") for ext in ("pdf", "docx")}


def test_rerun_is_byte_identical_and_rewrites_nothing(tmp_path):
    first = generate(MINIMAL, tmp_path, langs=["de"])
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    mtimes = {p: p.stat().st_mtime_ns for p in before}
    second = generate(MINIMAL, tmp_path, langs=["de"])  # inputs unchanged: nothing rendered
    third = generate(MINIMAL, tmp_path, langs=["de"], force=True)  # rendered, the same bytes
    assert len(first.written) == 6 and not second.written and len(second.skipped) == 6
    assert not third.written and len(third.unchanged) == 6
    assert {p: p.read_bytes() for p in before} == before
    assert {p: p.stat().st_mtime_ns for p in before} == mtimes
    assert not list(tmp_path.rglob("*.part"))


def test_selection_of_language_form_and_format(tmp_path):
    generate(MINIMAL, tmp_path, langs=["de"], forms=["skills-assessment"], formats=["pdf"])
    assert [p.name for p in tmp_path.rglob("*.*") if p.name != MANIFEST] == ["skills-assessment.de.pdf"]


def test_invalid_input_writes_nothing(make_cohort, tmp_path):
    folder = make_cohort(lambda c, m: m["period"].update(end_date="2020-01-01"))
    with pytest.raises(ValidationFailed):
        generate(folder, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_paths_cannot_escape_the_output_folder(tmp_path):
    with pytest.raises(OutputError):
        document_path(tmp_path, "demo", "../../etc", "learning-agreement", "en", "pdf")


def test_inputs_are_never_modified(tmp_path):
    before = {p: p.read_bytes() for p in MINIMAL.rglob("*") if p.is_file()}
    generate(MINIMAL, tmp_path)
    assert {p: p.read_bytes() for p in MINIMAL.rglob("*") if p.is_file()} == before


def test_cli_summary_and_help(tmp_path):
    result = CliRunner().invoke(main, ["generate", str(MINIMAL), "--out", str(tmp_path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "1 mobilities, 6 documents" in result.output and "6 written" in result.output
    help_text = CliRunner().invoke(main, ["generate", "--help"]).output
    for option in ("--out", "--lang", "--form", "--format", "learning-agreement"):
        assert option in help_text


def test_output_folder_is_named_after_the_cohort_folder(tmp_path):
    generate(MINIMAL, tmp_path, langs=["en"], formats=["docx"], forms=["personal-transcript"])
    assert (tmp_path / "minimal" / "m1" / "personal-transcript.en.docx").is_file()
    assert Path(tmp_path / "minimal").is_dir()


def test_output_does_not_depend_on_the_hash_seed(tmp_path):
    """Set iteration order must not leak into the documents (pdf-forms.md pitfall 11)."""
    for seed in ("1", "2"):
        subprocess.run([sys.executable, "-m", "pipeline", "generate", str(MINIMAL), "--lang", "de",
                        "--out", str(tmp_path / seed)], check=True, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
    first = {p.relative_to(tmp_path / "1"): p.read_bytes() for p in (tmp_path / "1").rglob("*.*")}
    second = {p.relative_to(tmp_path / "2"): p.read_bytes() for p in (tmp_path / "2").rglob("*.*")}
    assert len(first) == 6 + 1 and first == second  # the documents and the record of their inputs
