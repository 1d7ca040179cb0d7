"""After the mobility, on the demo: generate → fill with an independent tool (PyMuPDF) and
sign with pyHanko → ingest → check → recognise → status, report, ledger, ELM; and each
rule of `ecvet check` broken on its own, finding exactly that."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyhanko")

from pipeline.fields import field_specs  # noqa: E402
from pipeline.formdefs import FORMS  # noqa: E402
from pipeline.generate import generate  # noqa: E402
from pipeline.i18n import NC_, translator  # noqa: E402
from pipeline.load import load_cohort  # noqa: E402
from pipeline.read.archive import ingest  # noqa: E402
from pipeline.recognition.decisions import current, read_all  # noqa: E402
from pipeline.recognition.evidence import MobilityEvidence, gather  # noqa: E402
from pipeline.recognition.ledger import ledger  # noqa: E402
from pipeline.recognition.passrules import propose  # noqa: E402
from pipeline.recognition.recognise import Decider, RecognitionError, decide, decide_all_proposed  # noqa: E402
from pipeline.recognition.rules import check_mobility  # noqa: E402
from pipeline.resolve import resolve  # noqa: E402
from tests.conftest import DEMO, ROOT, pdftotext, squash  # noqa: E402
from tests.test_docx import docx_text  # noqa: E402
from tests.fillers import FILLERS  # noqa: E402
from tests.test_read_signatures import sign  # noqa: E402
from tests.test_signing import make_certificates  # noqa: E402

DECIDER = Decider("Anna Berger, class teacher", "Peter Huber, head of department")
RATINGS = ("3", "2", "2", "3", "1", "2", "3")


def values_for(form: str, mobility: dict) -> dict[str, str]:
    """What a host types: every field of the form, from the field rule."""
    end = dt.date.fromisoformat(mobility["period"]["end_date"]).strftime("%d/%m/%Y")
    points = {u["id"]: u.get("ecvet_points") for u in mobility["units"]}
    values = {}
    for i, spec in enumerate(field_specs(FORMS[form], mobility)):
        if spec.type == "rating":
            values[spec.name] = RATINGS[i % len(RATINGS)]
        elif spec.type == "date":
            values[spec.name] = end
        elif spec.type == "points":
            unit = spec.pointer.split("/")[3]
            values[spec.name] = str(points[unit] or 0)
        elif spec.type == "multiline":
            values[spec.name] = "Πολύ καλή δουλειά – Ștefan ț ş, Жукова."
        elif spec.type == "text":
            values[spec.name] = {"name": "Γιώργος Παπαδόπουλος", "role": "Σεφ", "place": "Αθήνα"}.get(
                spec.pointer.rsplit("/", 1)[1], "Ελένη")
    return values


def points(unit: str) -> float:
    """A demo unit's agreed ECVET points (the transcript filled in above gives the same)."""
    data = json.loads((DEMO / "cohort.json").read_text(encoding="utf-8"))
    return next(u["ecvet_points"] for u in data["units"] if u["id"] == unit)


@pytest.fixture(scope="module")
def returned(tmp_path_factory) -> dict:
    """The demo with every form returned filled and signed by every party it needs."""
    base = tmp_path_factory.mktemp("after")
    cohort = base / "demo"
    shutil.copytree(DEMO, cohort, ignore=shutil.ignore_patterns("returned", "recognition"))
    out = base / "outputs"
    generate(cohort, out, langs=["en"], formats=["pdf"])
    pki = make_certificates()
    mail = base / "mail"
    mail.mkdir()
    loaded, _ = load_cohort(cohort)
    for source in loaded.mobilities:
        mobility = resolve(loaded, source)
        for form in FORMS:
            filled = mail / f"{mobility['id']}-{form}-filled.pdf"
            FILLERS["pymupdf"](out / "demo" / mobility["id"] / f"{form}.en.pdf", filled, values_for(form, mobility))
            for spec in (s for s in field_specs(FORMS[form], mobility) if s.type == "signature"):
                signed = filled.with_name(f"{filled.stem}+{spec.party}.pdf")
                sign(filled, signed, spec.name, pki)
                filled.unlink()
                filled = signed
            filled.rename(mail / f"{mobility['id']}-{form}.pdf")
    done = ingest(cohort, [mail])
    assert [d.outcome for d in done] == ["stored"] * len(done) == ["stored"] * 21
    return {"cohort": cohort, "out": out, "mail": mail, "base": base}


@pytest.fixture
def cohort_copy(returned, tmp_path) -> Path:
    """A fresh copy of the returned cohort, for tests that record decisions."""
    folder = tmp_path / "demo"
    shutil.copytree(returned["cohort"], folder)
    return folder


def read_report_in_chromium(page: Path, tmp_path: Path) -> None:
    """The real report, opened by a browser: 7 learners, every one recognised."""
    from tests.test_report import DomReader, run_chromium

    reader = DomReader()
    reader.feed(run_chromium("--dump-dom", page.resolve().as_uri(), profile=tmp_path / "profile"))
    assert reader.summary["data-learners"] == "7" and reader.summary["data-recognised"] == "7"
    assert {r["data-stage"] for r in reader.rows} == {"recognised"} and len(reader.rows) == 7


def ecvet(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


def test_the_whole_after_mobility_path(returned, cohort_copy, tmp_path):
    cohort = cohort_copy
    # check: complete and signed evidence has no error
    checked = ecvet("check", cohort)
    assert checked.returncode == 0, checked.stdout[-2000:]
    assert "7 mobilities checked: 0 error(s)" in checked.stdout
    assert checked.stdout.count("PROPOSAL ") == 11 and "PROPOSAL gr01-duernberger u_cold_kitchen: pass" in checked.stdout
    # status before deciding: every mobility signed
    status = ecvet("status", cohort, "--out", returned["out"])
    assert status.returncode == 0 and status.stdout.count(" signed ") >= 7
    # recognise one unit by hand, then the rest as proposed
    one = ecvet("recognise", cohort, "gr01-duernberger", "--unit", "u_cold_kitchen", "--decision", "recognised",
                "--validated-by", DECIDER.validated_by, "--recognised-by", DECIDER.recognised_by)
    assert one.returncode == 0 and "#1 gr01-duernberger u_cold_kitchen: recognised" in one.stdout, one.stderr
    rest = ecvet("recognise", cohort, "--all-proposed", "--validated-by", DECIDER.validated_by,
                 "--recognised-by", DECIDER.recognised_by)
    assert rest.returncode == 0 and "10 decision(s) recorded." in rest.stdout, rest.stdout + rest.stderr
    decisions = current(read_all(cohort)[0])
    assert len(decisions) == 11 and {d["decision"] for d in decisions.values()} == {"recognised"}
    # status and report show every learner recognised
    status = ecvet("status", cohort, "--out", returned["out"])
    assert status.stdout.count(" recognised ") >= 7, status.stdout
    report = ecvet("report", cohort, "--out", returned["out"])
    assert report.returncode == 0, report.stderr
    csv_text = (returned["out"] / "demo" / "status.csv").read_text(encoding="utf-8-sig")
    assert csv_text.count("recognised") >= 7
    assert "28 recognition record file(s)" in report.stdout  # 7 learners × 2 languages × PDF and DOCX
    record_pdf = returned["out"] / "demo" / "gr01-duernberger" / "recognition-record.de.pdf"
    record_text = squash(pdftotext(record_pdf))
    de = translator("de")
    for label in ("Recognition record", "Exemption from this unit at home", "ECVET points credited"):
        assert squash(de.gettext(label)) in record_text and label not in record_text, label
    assert DECIDER.validated_by in record_text and DECIDER.recognised_by in record_text
    assert squash(de.gettext(NC_("recognition", "Recognised"))) in record_text
    docx = squash(docx_text(record_pdf.with_suffix(".docx")))
    assert DECIDER.recognised_by in docx and squash(de.gettext("Recognition record")) in docx
    read_report_in_chromium(returned["out"] / "demo" / "status.html", tmp_path)
    # the ledger credits every recognised unit's points once
    inputs = cohort.parent
    rows, notes = ledger(inputs)
    assert not notes and len(rows) == 7
    gr01 = next(r for r in rows if r.mobility == "gr01-duernberger")
    assert gr01.units == ["u_cold_kitchen", "u_hot_kitchen"] and gr01.this_mobility == points("u_cold_kitchen") + \
        points("u_hot_kitchen")
    printed = ecvet("ledger", inputs)
    assert printed.returncode == 0 and "gr01-duernberger" in printed.stdout
    # ELM export: valid, deterministic JSON-LD
    first = ecvet("export-elm", cohort, "gr01-duernberger")
    second = ecvet("export-elm", cohort, "gr01-duernberger")
    assert first.returncode == 0 and first.stdout == second.stdout
    json.loads(first.stdout)


def test_corrections_keep_history_and_the_ledger_never_double_counts(cohort_copy):
    cohort = cohort_copy
    decide(cohort, "gr01-duernberger", ["u_cold_kitchen"], "recognised", DECIDER)
    decide(cohort, "gr01-duernberger", ["u_cold_kitchen"], "recognised", DECIDER)  # recognised twice
    decide(cohort, "gr01-duernberger", ["u_cold_kitchen"], "refused", DECIDER, reason="evidence re-examined")
    decide(cohort, "gr01-duernberger", ["u_cold_kitchen"], "recognised", DECIDER)  # corrected back
    history, broken = read_all(cohort)
    assert [d["decision"] for d in history] == ["recognised", "recognised", "refused", "recognised"]
    assert [d["supersedes"] for d in history] == [None, 1, 2, 3] and not broken
    rows, _ = ledger(cohort.parent)
    gr01 = next(r for r in rows if r.mobility == "gr01-duernberger")
    assert gr01.units == ["u_cold_kitchen"] and gr01.this_mobility == points("u_cold_kitchen")  # once, not 3 times


def test_a_refusal_needs_a_reason_and_errors_block_recognition(cohort_copy):
    with pytest.raises(RecognitionError, match="needs its reason"):
        decide(cohort_copy, "gr01-duernberger", ["u_cold_kitchen"], "refused", DECIDER)
    archive = cohort_copy / "returned" / "gr01-duernberger" / "skills-assessment"
    shutil.rmtree(archive)  # the Skills Assessment was never returned
    with pytest.raises(RecognitionError, match="cannot be recognised while ecvet check finds errors"):
        decide(cohort_copy, "gr01-duernberger", ["u_cold_kitchen"], "recognised", DECIDER)
    assert read_all(cohort_copy) == ([], [])


def test_a_decision_cut_short_by_a_crash_is_skipped_not_merged(cohort_copy):
    decide(cohort_copy, "gr01-duernberger", ["u_cold_kitchen"], "recognised", DECIDER)
    log = cohort_copy / "recognition" / "decisions.jsonl"
    with log.open("ab") as handle:
        handle.write(b'{"seq": 2, "mobility": "gr01-duern')  # a torn append
    decide(cohort_copy, "gr01-duernberger", ["u_hot_kitchen"], "recognised", DECIDER)
    decisions, broken = read_all(cohort_copy)
    assert [d["unit"] for d in decisions] == ["u_cold_kitchen", "u_hot_kitchen"]
    assert len(broken) == 1 and "line 2" in broken[0]


def test_two_recognise_commands_at_once_lose_nothing(cohort_copy):
    args = ["--validated-by", DECIDER.validated_by, "--recognised-by", DECIDER.recognised_by,
            "--decision", "recognised"]
    procs = [subprocess.Popen([sys.executable, "-m", "pipeline", "recognise", str(cohort_copy), mobility, *args],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for mobility in ("gr01-duernberger", "es01-konstantinou", "pl01-moesslacher", "tr01-dogan")]
    assert all(p.wait(timeout=300) == 0 for p in procs)
    decisions, _ = read_all(cohort_copy)
    assert sorted(d["seq"] for d in decisions) == list(range(1, 9))


def test_the_ledger_caps_at_the_qualification_total(cohort_copy):
    data = json.loads((cohort_copy / "cohort.json").read_text(encoding="utf-8"))
    for qualification in data["qualifications"]:
        qualification["ecvet_points_total"] = 10
    (cohort_copy / "cohort.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    decide(cohort_copy, "gr01-duernberger", [], "recognised", DECIDER)
    [row] = [r for r in ledger(cohort_copy.parent)[0] if r.mobility == "gr01-duernberger"]
    assert row.new_total == 10 and "capped" in row.notes[0]


# --- each rule broken on its own -------------------------------------------------------


@pytest.fixture(scope="module")
def baseline(returned) -> MobilityEvidence:
    view, evidence = gather(returned["cohort"])
    ev = next(e for e in evidence if e.id == "pl01-moesslacher")  # a minor: the guardian signs too
    assert check_mobility(ev, None) == []
    return ev


def broken(baseline: MobilityEvidence, change) -> list:
    ev = MobilityEvidence(copy.deepcopy(baseline.mobility), copy.deepcopy(baseline.returns))
    change(ev)
    return [(f.rule, f.severity, f.form, f.field) for f in check_mobility(ev, None)]


def latest(ev: MobilityEvidence, form: str) -> dict:
    return ev.returns[form][-1]


def sig(ev: MobilityEvidence, form: str, field: str) -> dict:
    return next(s for s in latest(ev, form)["signatures"] if s["field"] == field)


def first_unit(ev: MobilityEvidence) -> str:
    return ev.mobility["units"][0]["id"]


def test_rule_returned(baseline):
    assert broken(baseline, lambda ev: ev.returns.pop("personal-transcript")) == [
        ("returned", "error", "personal-transcript", "")]


def test_rule_signed_guardian_of_a_minor(baseline):
    def unsign(ev):
        sig(ev, "learning-agreement", "la_sig_guardian").update(signed=False)
    assert broken(baseline, unsign) == [("signed", "error", "learning-agreement", "la_sig_guardian")]


def test_rule_signatures_intact(baseline):
    def resaved(ev):
        sig(ev, "skills-assessment", "sa_sig_supervisor").update(intact=False)
    assert broken(baseline, resaved) == [
        ("signatures_intact", "error", "skills-assessment", "sa_sig_supervisor"),
        ("signed", "error", "skills-assessment", "sa_sig_supervisor")]


def test_rule_agreed_content(baseline):
    def changed(ev):
        latest(ev, "learning-agreement")["document"]["agreed_content_matches"] = False
    assert broken(baseline, changed) == [("agreed_content", "error", "learning-agreement", "")]


def test_rule_units_assessed(baseline):
    def unrated(ev):
        latest(ev, "skills-assessment")["data"]["assessments"][first_unit(ev)]["ratings"]["3"] = None
    unit = first_unit(baseline)
    assert broken(baseline, unrated) == [("units_assessed", "error", "skills-assessment", f"sa_{unit}_c03")]


def test_rule_assessment_dates(baseline):
    def early(ev):
        latest(ev, "skills-assessment")["data"]["signatures"]["sa"]["supervisor"]["date"] = "2020-01-01"
    assert broken(baseline, early) == [("assessment_dates", "error", "skills-assessment", "sa_supervisor_date")]


def test_rule_assessor_named(baseline):
    def anonymous(ev):
        latest(ev, "skills-assessment")["data"]["signatures"]["sa"]["supervisor"]["name"] = None
    assert broken(baseline, anonymous) == [("assessor_named", "error", "skills-assessment", "sa_supervisor_name")]


def test_rule_transcript_consistent(baseline):
    def empty(ev):
        latest(ev, "personal-transcript")["data"]["transcript"]["achieved"][first_unit(ev)]["outcomes"] = None
    unit = first_unit(baseline)
    assert broken(baseline, empty) == [
        ("transcript_consistent", "error", "personal-transcript", f"pt_{unit}_achieved")]


def test_rule_transcript_against_failing_ratings(baseline):
    def failing(ev):
        ratings = latest(ev, "skills-assessment")["data"]["assessments"][first_unit(ev)]["ratings"]
        ratings["1"] = "not_assessed"  # a health and safety criterion: the default pass rules fail
    unit = first_unit(baseline)
    assert broken(baseline, failing) == [
        ("transcript_consistent", "warning", "personal-transcript", f"pt_{unit}_points")]


def test_rule_points_within_plan(baseline):
    def inflated(ev):
        latest(ev, "personal-transcript")["data"]["transcript"]["achieved"][first_unit(ev)]["ecvet_points"] = 99
    unit = first_unit(baseline)
    assert broken(baseline, inflated) == [("points_within_plan", "error", "personal-transcript", f"pt_{unit}_points")]


def test_rule_returned_forms_read(baseline):
    def bad_date(ev):
        latest(ev, "personal-transcript")["problems"].append(
            {"severity": "error", "field": "pt_host_date", "message": "date not understood: '4/19/2027' ..."})
    assert broken(baseline, bad_date) == [("returned_forms_read", "error", "personal-transcript", "pt_host_date")]


# --- pass rules as data ------------------------------------------------------------------


def test_pass_rules_propose_a_result_with_its_reason(baseline):
    unit = baseline.mobility["units"][0]
    ratings = dict(latest(baseline, "skills-assessment")["data"]["assessments"][unit["id"]]["ratings"])
    assert propose(unit, ratings, None).result == "pass"
    strict = {"minimum_rating": 3}
    proposal = propose(unit, ratings, strict)
    assert proposal.result == "fail" and "rated below 3" in proposal.reason
    assert propose(unit, ratings, {"minimum_average": {"all": 1.5}}).reason.startswith("average of all criteria")
    ratings["1"] = None
    assert propose(unit, ratings, None).result == "undecided"


def test_pass_rules_in_the_cohort_file_decide_all_proposed(cohort_copy):
    data = json.loads((cohort_copy / "cohort.json").read_text(encoding="utf-8"))
    data["pass_rules"] = {"minimum_rating": 3}
    (cohort_copy / "cohort.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    outcome = decide_all_proposed(cohort_copy, DECIDER)
    refused = [d for d in outcome.recorded if d["decision"] == "refused"]
    assert refused and all(d["reason"].startswith("pass rules: criteria") for d in refused)
