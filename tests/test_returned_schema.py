"""forms/schema/returned.schema.json describes exactly what `ecvet read` prints and `ecvet ingest` stores."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import subprocess

import pytest
from jsonschema import Draft202012Validator

from pipeline.generate import generate
from pipeline.paths import SCHEMA_DIR
from pipeline.read.agreed import CohortView, compare
from pipeline.read.document import read_path
from tests.conftest import MINIMAL
from tests.fillers import FILLERS
from tests.test_schema import walk

SCHEMA = json.loads((SCHEMA_DIR / "returned.schema.json").read_text(encoding="utf-8"))
FORMS = ("learning-agreement", "skills-assessment", "personal-transcript")

SA_VALUES = {
    "sa_pastry_c01": "2",
    "sa_pastry_c02": "not_assessed",
    "sa_pastry_c03": "3",
    "sa_pastry_comments": "Ștefan\nΕλένη",
    "sa_supervisor_name": "Anna Berger",
    "sa_supervisor_role": "Head pastry chef",
    "sa_supervisor_place": "Innsbruck",
    "sa_supervisor_date": "09/04/2027",
}
PT_VALUES = {
    "pt_pastry_achieved": "Choux pastry, tarts\nand plated desserts",
    "pt_pastry_points": "2,5",
    "pt_testing": "Observation at work",
    "pt_result": "Passed",
    "pt_host_name": "Anna Berger",
    "pt_host_place": "Innsbruck",
    "pt_host_date": "10/04/2027",
    "pt_learner_name": "Maria P.",
    "pt_learner_date": "not a date",  # a problem, and null in the data
}


def validator() -> Draft202012Validator:
    return Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors_of(result: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(result)]


def undocumented(schema: dict) -> list[str]:
    """Properties (tests.test_schema's check), pattern properties and $defs entries without a description."""
    missing = [path for path, prop in walk(schema) if not prop.get("description")]

    def more(node, path=""):
        if isinstance(node, dict):
            for key in ("patternProperties", "$defs"):
                for name, sub in node.get(key, {}).items():
                    if not sub.get("description"):
                        missing.append(f"{path}/{key}/{name}")
            for key, value in node.items():
                more(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                more(value, f"{path}/{i}")

    more(schema)
    return missing


def test_schema_is_valid_and_everything_is_described():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"].endswith("/returned.schema.json")
    assert SCHEMA["title"] and SCHEMA["description"]
    assert not undocumented(SCHEMA)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, dict]:
    """Read results of the three unfilled forms, the filled SA and PT (pdftk), and an FDF export."""
    out = tmp_path_factory.mktemp("returned")
    generate(MINIMAL, out)
    folder = out / "minimal" / "m1"
    files = {f"{form} (unfilled)": folder / f"{form}.en.pdf" for form in FORMS}
    for form, values in (("skills-assessment", SA_VALUES), ("personal-transcript", PT_VALUES)):
        filled = out / f"{form}.filled.pdf"
        FILLERS["pdftk"](folder / f"{form}.en.pdf", filled, values)
        files[f"{form} (filled)"] = filled
    fdf = out / "skills-assessment.fdf"
    subprocess.run([shutil.which("pdftk"), str(files["skills-assessment (filled)"]), "generate_fdf", "output",
                    str(fdf)], check=True, capture_output=True, timeout=120)
    files["skills-assessment (fdf)"] = fdf
    return {label: read_path(path) for label, path in files.items()}


def test_read_results_validate(results):
    view = CohortView.load(MINIMAL)
    for label, result in results.items():
        assert not errors_of(result), (label, errors_of(result)[:5])
        compared = copy.deepcopy(result)  # as `ecvet read --cohort` prints it
        compare(compared, view)
        assert compared["document"]["agreed_content_matches"] is True, label
        assert not errors_of(compared), (label, errors_of(compared)[:5])


def test_filled_values_are_what_the_schema_describes(results):
    sa = results["skills-assessment (filled)"]["data"]
    assert sa["assessments"]["pastry"]["ratings"] == {"1": 2, "2": "not_assessed", "3": 3, "4": None, "5": None}
    assert sa["signatures"]["sa"]["supervisor"]["date"] == "2027-04-09"
    pt = results["personal-transcript (filled)"]
    assert pt["data"]["transcript"]["achieved"]["pastry"]["ecvet_points"] == 2.5
    assert pt["data"]["signatures"]["pt"]["learner"]["date"] is None
    assert any(p["field"] == "pt_learner_date" and p["severity"] == "error" for p in pt["problems"])
    assert results["skills-assessment (fdf)"]["document"]["format"] == "fdf"
    assert results["skills-assessment (fdf)"]["document"]["pages_unchanged"] is None


def test_an_ingested_result_validates(results):
    stored = copy.deepcopy(results["personal-transcript (filled)"])
    stored["ingested_at"] = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()  # as archive.py
    assert not errors_of(stored)
    stored["ingested_at"] = "2027-04-10T10:15:00+02:00"  # not UTC
    assert errors_of(stored)


def _broken(result: dict, edit) -> dict:
    broken = copy.deepcopy(result)
    edit(broken)
    return broken


@pytest.mark.parametrize("case, edit", [
    ("rating 4", lambda r: r["data"]["assessments"]["pastry"]["ratings"].__setitem__("1", 4)),
    ("rating '2' as text", lambda r: r["data"]["assessments"]["pastry"]["ratings"].__setitem__("1", "2")),
    ("severity info", lambda r: r["problems"][0].__setitem__("severity", "info")),
    ("sha256 too short", lambda r: r["source"].__setitem__("sha256", r["source"]["sha256"][:-1])),
    ("sha256 upper case", lambda r: r["source"].__setitem__("sha256", r["source"]["sha256"].upper())),
    ("unknown data key", lambda r: r["data"].__setitem__("comments", "x")),
    ("unknown top-level key", lambda r: r.__setitem__("extra", 1)),
    ("bad unit id", lambda r: r["data"]["assessments"].__setitem__("Pastry", r["data"]["assessments"]["pastry"])),
    ("date not ISO", lambda r: r["data"]["signatures"]["sa"]["supervisor"].__setitem__("date", "09/04/2027")),
    ("coverage unknown", lambda r: r["signatures"][0].__setitem__("coverage", "whole")),
    ("format pdfa", lambda r: r["document"].__setitem__("format", "pdfa")),
])
def test_wrong_results_fail(results, case, edit):
    good = results["skills-assessment (filled)"]
    assert not errors_of(good)
    assert errors_of(_broken(good, edit)), case
