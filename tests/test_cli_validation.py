"""Bad input gets one clear message per problem and exit 1, never a traceback, and
nothing is written."""

from __future__ import annotations

import re

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import main
from tests.conftest import MINIMAL


def invoke(*args: str):
    result = CliRunner().invoke(main, list(args))
    # A user error exits through SystemExit(1); any other exception would be a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_valid_cohort_passes():
    result = invoke("validate", str(MINIMAL))
    assert result.exit_code == 0, result.output
    assert "1 mobilities are valid" in result.output


def test_malformed_json_names_file_line_and_column(make_cohort, tmp_path):
    folder = make_cohort()
    (folder / "mobilities" / "m1.json").write_text('{"mobility_id": "m1",\n  "learner": }', encoding="utf-8")
    result = invoke("generate", str(folder), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "case/mobilities/m1.json: /: is not valid JSON: a value is missing or malformed at line 2, column 14" in result.output
    assert not (tmp_path / "out").exists()


def test_schema_violations_are_all_reported_with_pointers(make_cohort):
    def edit(cohort, mobility):
        mobility["learner"]["gender"] = "robot"
        mobility["period"]["start_date"] = "2027-02-30"
        mobility["learnr"] = {}
        del cohort["units"][0]["title"]

    result = invoke("validate", str(make_cohort(edit)))
    assert result.exit_code == 1
    out = result.output
    assert "case/mobilities/m1.json: /learner/gender: 'robot' is not allowed: use one of" in out
    assert "case/mobilities/m1.json: /period/start_date: '2027-02-30' is not a real calendar date" in out
    assert "('learnr' was unexpected): remove it or check its spelling" in out
    assert "case/cohort.json: /units/0: 'title' is missing" in out
    assert "Traceback" not in out


def test_end_before_start(make_cohort):
    def edit(cohort, mobility):
        mobility["period"]["end_date"] = "2027-02-01"

    result = invoke("validate", str(make_cohort(edit)))
    assert result.exit_code == 1
    assert "/period/end_date: the mobility ends (2027-02-01) before it starts (2027-03-01)" in result.output


def test_path_traversal_mobility_id_is_rejected_and_nothing_written(make_cohort, tmp_path):
    def edit(cohort, mobility):
        mobility["mobility_id"] = "../../x"

    out = tmp_path / "out"
    result = invoke("generate", str(make_cohort(edit)), "--out", str(out))
    assert result.exit_code == 1
    assert "/mobility_id: '../../x' does not match the pattern" in result.output
    assert not out.exists()
    assert not (tmp_path / "x").exists()


def test_unknown_language_on_the_command_line():
    result = invoke("generate", str(MINIMAL), "--lang", "xx")
    assert result.exit_code == 1
    assert "unknown language 'xx'" in result.output and re.search(r"Available: .*\bde\b.*\ben\b", result.output)


def test_unknown_language_in_the_data(make_cohort):
    def edit(cohort, mobility):
        mobility["languages"] = ["en", "tlh"]

    result = invoke("validate", str(make_cohort(edit)))
    assert result.exit_code == 1
    assert "case/mobilities/m1.json: /languages/1: unknown language 'tlh'" in result.output


def test_semantic_rules(make_cohort):
    def edit(cohort, mobility):
        mobility["learner"].pop("guardian")  # the learner is 16 at the start
        mobility["planned_ecvet_points"] = 9
        mobility["assessment"]["dates"] = ["2027-04-30"]
        mobility["units"] = ["pastry", "nope"]
        cohort["persons"].append(dict(cohort["persons"][0]))  # duplicate id

    out = invoke("validate", str(make_cohort(edit))).output
    assert "/learner/guardian: the learner is 16 at the start (2027-03-01), a minor" in out
    assert "/assessment/dates/0: assessment date 2027-04-30 lies outside the mobility" in out
    assert "/units/1: unknown unit 'nope'" in out
    assert "case/cohort.json: /persons/3/id: duplicate id 'anna'" in out


def test_planned_points_must_add_up(make_cohort):
    def edit(cohort, mobility):
        mobility["planned_ecvet_points"] = 9

    out = invoke("validate", str(make_cohort(edit))).output
    assert "/planned_ecvet_points: is 9 but the units' ECVET points add up to 4" in out


def test_missing_cohort_folder_is_a_clear_error(tmp_path):
    result = invoke("validate", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert "no such cohort folder" in result.output


def test_python_dash_m_works_like_ecvet():
    done = subprocess.run([sys.executable, "-m", "pipeline", "validate", str(MINIMAL)],
                          capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    assert "1 mobilities are valid" in done.stdout


def test_one_broken_file_does_not_hide_problems_in_another(make_cohort):
    folder = make_cohort()
    second = json.loads((folder / "mobilities" / "m1.json").read_text(encoding="utf-8"))
    second["mobility_id"] = "m2"
    second["period"]["end_date"] = "2027-01-01"
    (folder / "mobilities" / "m2.json").write_text(json.dumps(second), encoding="utf-8")
    (folder / "mobilities" / "m1.json").write_text("{", encoding="utf-8")
    out = invoke("validate", str(folder)).output
    assert "case/mobilities/m1.json: /: is not valid JSON" in out
    assert "case/mobilities/m2.json: /period/end_date: the mobility ends" in out


def test_a_broken_language_map_is_explained(make_cohort):
    result = invoke("validate", str(make_cohort(lambda c, m: c["units"][0].update(title={"EN": "Pastry"}))))
    assert result.exit_code == 1
    assert ("case/cohort.json: /units/0/title: this object has the wrong shape: 'EN' does not match the pattern"
            in result.output)
    assert "Pastry" not in result.output  # a record's values are not echoed


def test_a_missing_translation_is_a_warning_that_does_not_fail(make_cohort):
    result = invoke("validate", str(make_cohort(lambda c, m: m["period"].update(work_context={"en": "x"}))))
    assert result.exit_code == 0
    assert ("case/mobilities/m1.json: /period/work_context: warning: no 'de' version: the 'en' text is used"
            in result.output)


def test_text_the_forms_cannot_show_is_an_error(make_cohort):
    def edit(cohort, mobility):
        mobility["learner"]["family_name"] = "Li 李"
        mobility["learner"]["email"] = "a\u0000@x.example"
        mobility["additional_information"] = {"en": "Great stay 한", "de": "Toll"}

    out = invoke("validate", str(make_cohort(edit))).output
    assert "/learner/family_name: contains '李' (U+674E), which the forms' font" in out
    assert "/learner/email: contains the control character U+0000: remove it" in out
    assert "/additional_information/en: contains '한' (U+D55C)" in out


def test_deeply_nested_json_is_refused_cleanly(make_cohort):
    folder = make_cohort()
    (folder / "mobilities" / "m1.json").write_text("[" * 100000 + "]" * 100000, encoding="utf-8")
    result = invoke("validate", str(folder))
    assert result.exit_code == 1
    assert "nested too deeply" in result.output


def test_the_cli_starts_without_the_renderers():
    """`ecvet --help` and `ecvet validate` import only what they need (make bench times it)."""
    import subprocess
    import sys

    probe = ("import sys, pipeline.cli; "
             "print(sorted(m for m in ('reportlab', 'pikepdf', 'docxtpl', 'pyhanko', 'pypdf') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr
