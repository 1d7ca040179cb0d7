"""`ecvet read`: forms filled by independent tools read back exactly, in every script;
broken, hostile and oddly saved returns get the right diagnosis and no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest

from pipeline.read.batch import read_files
from pipeline.read.document import UnreadableFile, read_path
from tests.conftest import MINIMAL, ROOT, require_tool, run
from tests.corpus import CASES, good_form
from tests.fillers import FILLERS

# Turkish, Polish, Romanian (comma below), Czech, Greek and Cyrillic, mixed in fields.
SA_VALUES = {
    "sa_pastry_c01": "1", "sa_pastry_c02": "2", "sa_pastry_c03": "3", "sa_pastry_c04": "not_assessed",
    "sa_pastry_c05": "2",
    "sa_pastry_comments": "Şule İnce: çok iyi.\nȘtefan Țurcanu – ș ț\nŘeřicha ěšč · Ελένη · Жукова",
    "sa_supervisor_name": "Łukasz Żółć-Ğüneş",
    "sa_supervisor_role": "Шеф-кондитер",
    "sa_supervisor_place": "Θεσσαλονίκη",
    "sa_supervisor_date": "09.04.2027",
}
SA_EXPECTED = {
    "assessments": {"pastry": {
        "ratings": {"1": 1, "2": 2, "3": 3, "4": "not_assessed", "5": 2},
        "comments": SA_VALUES["sa_pastry_comments"],
    }},
    "signatures": {"sa": {"supervisor": {
        "name": "Łukasz Żółć-Ğüneş", "role": "Шеф-кондитер", "place": "Θεσσαλονίκη", "date": "2027-04-09",
        "signed": False,
    }}},
}
PT_VALUES = {
    "pt_pastry_achieved": "Πατισερί: σφολιάτα\nТесто · Ciasto francuskie ż ł · Ș ț",
    "pt_pastry_points": "4",
    "pt_testing": "Praktická zkouška, ř ě",
    "pt_result": "Başarılı — İyi",
    "pt_host_name": "Γιώργος Παπαδόπουλος", "pt_host_role": "Σεφ", "pt_host_place": "Αθήνα",
    "pt_host_date": "9 April 2027",
    "pt_learner_name": "Иван Петров", "pt_learner_place": "București", "pt_learner_date": "2027-04-10",
}
PT_EXPECTED = {
    "transcript": {
        "achieved": {"pastry": {"outcomes": PT_VALUES["pt_pastry_achieved"], "ecvet_points": 4}},
        "testing_details": "Praktická zkouška, ř ě", "assessment_result": "Başarılı — İyi",
    },
    "signatures": {"pt": {
        "host": {"name": "Γιώργος Παπαδόπουλος", "role": "Σεφ", "place": "Αθήνα", "date": "2027-04-09",
                 "signed": False},
        "learner": {"name": "Иван Петров", "place": "București", "date": "2027-04-10", "signed": False},
    }},
}


@pytest.mark.parametrize("tool", sorted(FILLERS))
@pytest.mark.parametrize("form,values,expected", [
    ("skills-assessment", SA_VALUES, SA_EXPECTED),
    ("personal-transcript", PT_VALUES, PT_EXPECTED),
])
def test_values_filled_by_another_tool_read_back_exactly(tool, form, values, expected, minimal_out, tmp_path):
    filled = tmp_path / f"{form}.{tool}.pdf"
    FILLERS[tool](minimal_out / "m1" / f"{form}.en.pdf", filled, values)
    result = read_path(filled)
    assert result["data"] == expected
    assert result["document"]["pages_unchanged"] is True
    assert result["document"]["mobility"] == "m1" and result["document"]["form"] == form
    assert not [p for p in result["problems"] if p["severity"] == "error"], result["problems"]


def test_read_command_prints_one_object_per_file_and_compares_with_the_cohort(minimal_out, tmp_path):
    filled = tmp_path / "sa.pdf"
    FILLERS["pdftk"](minimal_out / "m1" / "skills-assessment.en.pdf", filled, SA_VALUES)
    original = filled.read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "read", str(filled), str(minimal_out / "m1" / "learning-agreement.de.pdf"),
         "--cohort", str(MINIMAL)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["data"] == SA_EXPECTED
    assert first["source"] == {"file": "sa.pdf", "size": len(original),
                               "sha256": __import__("hashlib").sha256(original).hexdigest()}
    assert first["document"]["agreed_content_matches"] is True
    assert second["document"]["lang"] == "de" and second["document"]["agreed_content_matches"] is True
    assert filled.read_bytes() == original  # never written to


def test_agreed_content_that_changed_since_sending_is_reported(minimal_out, make_cohort, tmp_path):
    changed = make_cohort(lambda cohort, m: m["learner"].update(email="other@example.org"))
    result = next(read_files([minimal_out / "m1" / "learning-agreement.en.pdf"], cohort=_view(changed))).result
    assert result["document"]["agreed_content_matches"] is False
    assert any("differs from the cohort's data" in p["message"] for p in result["problems"])


def test_a_form_of_another_cohort_is_reported(minimal_out, make_cohort):
    other = make_cohort(lambda cohort, m: cohort.update(cohort_id="another-cohort"))
    result = next(read_files([minimal_out / "m1" / "personal-transcript.en.pdf"], cohort=_view(other))).result
    assert any("belongs to cohort 'test-minimal'" in p["message"] for p in result["problems"])


def _view(folder: Path):
    from pipeline.read.agreed import CohortView

    return CohortView.load(folder)


def test_dates_and_points_as_people_type_them(minimal_out, tmp_path):
    filled = tmp_path / "pt.pdf"
    FILLERS["pdftk"](minimal_out / "m1" / "personal-transcript.en.pdf", filled, {
        "pt_pastry_points": "2,5", "pt_host_date": "4/19/2027", "pt_learner_date": "9/4/27",
    })
    result = read_path(filled)
    assert result["data"]["transcript"]["achieved"]["pastry"]["ecvet_points"] == 2.5
    assert result["data"]["signatures"]["pt"]["host"]["date"] is None
    assert result["data"]["signatures"]["pt"]["learner"]["date"] is None
    messages = {p["field"]: p["message"] for p in result["problems"]}
    assert "month/day/year" in messages["pt_host_date"]
    assert "year in full" in messages["pt_learner_date"]
    assert "left empty" in messages["pt_testing"]


def test_radio_values_from_wherever_the_filler_left_them(minimal_out, tmp_path):
    good = minimal_out / "m1" / "skills-assessment.en.pdf"
    expected = {"preview_radio": ("2", 2), "radio_string_value": ("1", 3), "radio_kid_as_only": ("4", 1),
                "radio_conflict": ("3", 3)}
    for case, (nr, rating) in expected.items():
        result = read_path(CASES[case](good, tmp_path / f"{case}.pdf"))
        assert result["data"]["assessments"]["pastry"]["ratings"][nr] == rating, case
    conflict = read_path(tmp_path / "radio_conflict.pdf")["problems"]
    assert any(p["field"] == "sa_pastry_c03" and "shown selected is 1" in p["message"] for p in conflict)
    preview = read_path(tmp_path / "preview_radio.pdf")["problems"]
    assert any(p["field"] == "sa_pastry_c02" and "Preview" in p["message"] for p in preview)


def test_utf16_and_pdfdocencoding_values_without_appearances(minimal_out, tmp_path):
    path = CASES["utf16_and_pdfdoc_values"](minimal_out / "m1" / "personal-transcript.en.pdf", tmp_path / "u.pdf")
    data = read_path(path)["data"]
    assert data["transcript"]["testing_details"] == "Ștefan Çelik – Ελένη Жукова\nline two"
    assert data["signatures"]["pt"]["host"]["place"] == "Köln"


UNREADABLE = {
    "zero_bytes": "is empty",
    "garbage": "is not a PDF",
    "png_named_pdf": "is a PNG image",
    "truncated": "damaged or incomplete",
    "head_zeroed": "damaged",
    "encrypted": "protected with a password",
    "flattened_pdftk": "has no form fields (it was the learning-agreement of mobility m1)",
    "flattened_fields_removed": "has no form fields",
    "scanned": "printed and scanned",
    "decompression_bomb": "memory",
}


def test_broken_and_hostile_files_get_a_diagnosis_within_seconds(minimal_out, tmp_path):
    paths = []
    for case in list(UNREADABLE) + ["javascript", "xfa", "deep_nesting", "reference_loop", "owner_password_only"]:
        paths.append(CASES[case](minimal_out / "m1" / f"{good_form(case)}.en.pdf", tmp_path / f"{case}.pdf"))
    started = time.monotonic()
    outcomes = {o.path.stem: o for o in read_files(paths)}
    assert time.monotonic() - started < 60
    for case, phrase in UNREADABLE.items():
        assert outcomes[case].result is None and phrase in outcomes[case].error, (case, outcomes[case].error)
        assert "Traceback" not in outcomes[case].error
    warned = {case: " ".join(p["message"] for p in outcomes[case].result["problems"]) for case in ("javascript", "xfa")}
    assert "JavaScript (never run)" in warned["javascript"] and "XFA" in warned["xfa"]
    for case in ("deep_nesting", "reference_loop", "owner_password_only"):
        assert outcomes[case].result is not None, (case, outcomes[case].error)


def test_read_command_exit_status_and_one_line_per_unreadable_file(minimal_out, tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    done = subprocess.run([sys.executable, "-m", "pipeline", "read", str(empty),
                           str(minimal_out / "m1" / "skills-assessment.en.pdf")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"{empty}: is empty (0 bytes): ask the host to send the PDF file "
                                                "they saved again"]
    assert len(done.stdout.splitlines()) == 1  # the good file is still read


def test_pages_edited_without_a_signature_are_reported(minimal_out, tmp_path):
    good = minimal_out / "m1" / "learning-agreement.en.pdf"
    for case in ("page_edited_unsigned", "page_edited_incremental"):
        result = read_path(CASES[case](good, tmp_path / f"{case}.pdf"))
        assert result["document"]["pages_unchanged"] is False
        assert any("printed pages were changed" in p["message"] for p in result["problems"])


def test_xfdf_and_fdf_exports_read_like_the_pdf(minimal_out, tmp_path):
    require_tool("pdftk")
    filled = tmp_path / "sa.pdf"
    FILLERS["pdftk"](minimal_out / "m1" / "skills-assessment.en.pdf", filled, SA_VALUES)
    fdf = tmp_path / "sa.fdf"
    run("pdftk", str(filled), "generate_fdf", "output", str(fdf))
    assert read_path(fdf)["data"] == SA_EXPECTED
    assert read_path(fdf)["document"]["format"] == "fdf"
    xfdf = tmp_path / "sa.xfdf"
    with pikepdf.open(filled) as pdf:
        fields = {str(f.T): f for f in pdf.Root.AcroForm.Fields}
        body = "".join(
            f'<field name="{n}"><value>{_xml(str(f.V)[1:] if isinstance(f.V, pikepdf.Name) else str(f.V))}'
            f"</value></field>" for n, f in fields.items() if "/V" in f and f.get("/FT") != "/Sig")
    xfdf.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<xfdf xmlns="http://ns.adobe.com/xfdf/" '
                    f'xml:space="preserve"><fields>{body}</fields></xfdf>', encoding="utf-8")
    result = read_path(xfdf)
    assert result["data"] == SA_EXPECTED and result["document"]["format"] == "xfdf"


def _xml(text: str) -> str:
    """Acrobat's way: markup escaped, non-ASCII as character references, CR line breaks."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "\r")
    return "".join(c if ord(c) < 128 else f"&#x{ord(c):X};" for c in text).replace("\r", "&#xD;")


def test_a_form_made_by_another_tool_is_refused(tmp_path):
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(tmp_path / "plain.pdf")
    with pytest.raises(UnreadableFile, match="has no form fields"):
        read_path(tmp_path / "plain.pdf")
