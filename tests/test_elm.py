"""The ELM v3 (European Digital Credential) export of a mobility's recognised units."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.load import load_cohort
from pipeline.recognition.elm import elm_credential, elm_json
from pipeline.resolve import resolve

ROOT = Path(__file__).resolve().parent.parent
LANG = "en"

# Ratings as returned in the Skills Assessment: every kind of value the form can give.
RATINGS = {"1": 3, "2": 2, "3": 1, "4": "not_assessed", "5": None, "6": 2, "7": 3, "8": 3,
           "9": 2, "10": 2, "11": 1, "12": 3, "13": 2}


def build_inputs() -> tuple[dict, dict, dict, list[dict]]:
    """The demo's first mobility with two more units (copies of its unit under new ids),
    so one unit is recognised, one refused and one still undecided."""
    cohort, _ = load_cohort(ROOT / "inputs" / "demo")
    mobility = resolve(cohort, cohort.mobilities[0])
    first = mobility["units"][0]
    for uid, code, title, points in (("u_refused", "KO-98", "Refused unit", 4), ("u_open", "KO-99", "Open unit", 2)):
        unit = copy.deepcopy(first)
        unit.update(id=uid, code=code, title={"en": title, "de": title + " (de)"}, ecvet_points=points)
        mobility["units"].append(unit)
    assessment = {
        "assessments": {
            first["id"]: {"ratings": dict(RATINGS), "comments": "Very reliable at the grill station."},
            "u_refused": {"ratings": {"1": 1, "2": 1}, "comments": None},
        },
        "signatures": {"sa": {"supervisor": {"name": "Maria Dimitrova", "role": "Head chef", "place": "Smolyan",
                                             "date": "2027-03-31", "signed": True}}},
    }
    transcript = {
        "transcript": {
            "achieved": {first["id"]: {"outcomes": "Prepared regional dishes at the hot station.", "ecvet_points": 8}},
            "testing_details": "Observation and a final practical task.",
            "assessment_result": "Passed – good",
        },
        "signatures": {"pt": {"host": {"name": "Ivan Petrov", "date": "2027-04-02", "signed": True},
                              "learner": {"name": "Daniela Stoyanova", "date": "2027-04-02", "signed": False}}},
    }
    decisions = [
        {"seq": 3, "recorded_at": "2027-04-20T10:00:00+00:00", "mobility": mobility["id"], "unit": first["id"],
         "decision": "recognised", "validated_by": "Anna Berger, class teacher",
         "recognised_by": "Peter Huber, head of department", "method": "Review of the Skills Assessment",
         "consequence": ["exemption", "transcript"], "reason": None, "ecvet_points": 8,
         "proposal": {"result": "pass", "reason": "every criterion rated 1 or better"}},
        {"seq": 4, "recorded_at": "2027-04-21T09:30:00+00:00", "mobility": mobility["id"], "unit": "u_refused",
         "decision": "refused", "validated_by": "Anna Berger, class teacher",
         "recognised_by": "Peter Huber, head of department", "method": "Review of the Skills Assessment",
         "consequence": [], "reason": "Too few criteria assessed", "ecvet_points": 4,
         "proposal": {"result": "fail", "reason": "criteria 3–13 not rated"}},
    ]
    return mobility, assessment, transcript, decisions


def render() -> str:
    return elm_json(*build_inputs(), LANG)


@pytest.fixture(scope="module")
def inputs():
    return build_inputs()


@pytest.fixture(scope="module")
def cred(inputs) -> dict:
    return json.loads(elm_json(*inputs, LANG))


def claims(cred: dict) -> dict[str, dict]:
    return {c["id"].rsplit(":", 1)[1]: c for c in cred["credentialSubject"]["hasClaim"]}


def test_valid_json_and_stable_in_process(inputs):
    first = elm_json(*inputs, LANG)
    assert json.loads(first)["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    assert first.endswith("}\n")
    assert elm_json(*copy.deepcopy(inputs), LANG) == first
    assert json.dumps(elm_credential(*inputs, LANG), ensure_ascii=False, indent=2, sort_keys=True) + "\n" == first


def test_byte_identical_across_hash_seeds():
    script = f"import sys; sys.path.insert(0, {str(ROOT / 'tests')!r}); import test_elm; " \
             "sys.stdout.buffer.write(test_elm.render().encode('utf-8'))"
    outputs = []
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                              timeout=120, check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].decode("utf-8") == render()


def test_credential_envelope(cred, inputs):
    mobility = inputs[0]
    assert cred["@context"] == ["https://www.w3.org/2018/credentials/v1", "http://data.europa.eu/snb/model/context/edc-ap"]
    assert cred["id"] == f"urn:ecvet-forms:credential:{mobility['cohort_id']}:{mobility['id']}"
    home = mobility["organisations"]["home"]
    assert cred["issuer"]["id"] == f"urn:ecvet-forms:organisation:{mobility['cohort_id']}:{home['id']}"
    assert cred["issuer"]["legalName"] == {"en": home["name"]}
    assert cred["displayParameter"]["primaryLanguage"]["id"].endswith("/language/ENG")
    subject = cred["credentialSubject"]
    assert subject["type"] == "Person"
    assert subject["givenName"] == {"en": mobility["learner"]["given_name"]}
    assert subject["familyName"] == {"en": mobility["learner"]["family_name"]}
    assert subject["dateOfBirth"].startswith(mobility["learner"]["date_of_birth"])


def test_valid_from_comes_from_the_data_never_the_clock(inputs):
    mobility, assessment, transcript, decisions = inputs
    today = dt.date.today().isoformat()
    # the latest recognised decision (the later refusal does not count)
    assert elm_credential(*inputs, LANG)["validFrom"] == "2027-04-20T00:00:00Z"
    # no decision yet: the host's transcript signature; no transcript: the end of the placement
    assert elm_credential(mobility, assessment, transcript, [], LANG)["validFrom"] == "2027-04-02T00:00:00Z"
    assert elm_credential(mobility, assessment, None, [], LANG)["validFrom"] == \
        f"{mobility['period']['end_date']}T00:00:00Z"
    assert today not in elm_json(*inputs, LANG)


def test_one_achievement_per_unit_in_order(cred, inputs):
    mobility = inputs[0]
    hc = cred["credentialSubject"]["hasClaim"]
    assert [c["type"] for c in hc] == ["LearningAchievement"] * len(mobility["units"])
    assert [c["id"].rsplit(":", 1)[1] for c in hc] == [u["id"] for u in mobility["units"]]
    for claim, unit in zip(hc, mobility["units"]):
        assert claim["title"] == {"en": unit["title"]["en"]}
        spec = claim["specifiedBy"]
        assert spec["type"] == "Qualification" and spec["isPartialQualification"] is True
        assert spec["title"] == {"en": unit["title"]["en"]}
        assert [o["title"]["en"] for o in spec["learningOutcome"]] == [o["text"]["en"] for o in unit["learning_outcomes"]]
        assert spec["creditPoint"]["point"] == str(unit["ecvet_points"])
        assert spec["eqfLevel"]["id"] == f"http://data.europa.eu/snb/eqf/{mobility['qualification']['eqf_level']}"
        activity = claim["influencedBy"]
        assert activity["temporal"]["startDate"].startswith(mobility["period"]["start_date"])
        assert activity["temporal"]["endDate"].startswith(mobility["period"]["end_date"])
        assert activity["directedBy"]["id"].endswith(":" + mobility["organisations"]["host_company"]["id"])
        assert claim["awardedBy"]["awardingBody"]["id"] == cred["issuer"]["id"]
        assert claim["awardedBy"]["used"] == claim["provenBy"]["id"]


def test_ratings_per_criterion_equal_the_input(cred, inputs):
    mobility = inputs[0]
    unit = mobility["units"][0]
    parts = claims(cred)[unit["id"]]["provenBy"]["hasPart"]
    criteria = [c for g in unit["criteria_set"]["groups"] for c in g["criteria"]]
    assert len(parts) == len(criteria) == len(RATINGS)
    shown = {"not_assessed": "n/a", None: "—"}
    for nr, (part, criterion) in enumerate(zip(parts, criteria), 1):
        assert part["id"].endswith(f":criterion:{nr}")
        assert part["title"]["en"] == f"{nr}. {criterion['en']}"
        rating = RATINGS[str(nr)]
        assert part["grade"]["noteLiteral"]["en"] == shown.get(rating, str(rating))


def test_assessment_grade_status_and_assessor(cred):
    by_unit = claims(cred)
    recognised, refused, open_ = by_unit["u_hot_kitchen"], by_unit["u_refused"], by_unit["u_open"]
    assert recognised["provenBy"]["grade"]["noteLiteral"] == {"en": "Passed – good"}
    assert recognised["provenBy"]["gradeStatus"]["prefLabel"] == {"en": "pass"}
    assert refused["provenBy"]["gradeStatus"]["prefLabel"] == {"en": "fail"}
    assert "gradeStatus" not in open_["provenBy"]
    assert recognised["provenBy"]["assessedBy"][0]["fullName"] == {"en": "Maria Dimitrova"}
    assert "1 – satisfactory" in recognised["provenBy"]["specifiedBy"]["gradingScheme"]["title"]["en"]


def test_credit_and_exemption_only_for_recognised_units(cred):
    by_unit = claims(cred)
    credit = by_unit["u_hot_kitchen"]["creditReceived"]
    assert credit["point"] == "8"
    assert credit["framework"]["id"] == "http://data.europa.eu/snb/education-credit/60b314e826"
    assert "creditReceived" not in by_unit["u_refused"] and "creditReceived" not in by_unit["u_open"]
    assert by_unit["u_hot_kitchen"]["entitlesTo"]["type"] == "LearningEntitlement"
    assert "entitlesTo" not in by_unit["u_refused"] and "entitlesTo" not in by_unit["u_open"]
    assert by_unit["u_hot_kitchen"]["awardedBy"]["awardingDate"] == "2027-04-20T00:00:00Z"
    assert "awardingDate" not in by_unit["u_open"]["awardedBy"]


def test_no_contact_data_of_the_learner(cred, inputs):
    learner = inputs[0]["learner"]

    def keys(node):
        if isinstance(node, dict):
            for k, v in node.items():
                yield k
                yield from keys(v)
        elif isinstance(node, list):
            for v in node:
                yield from keys(v)

    subject = {k: v for k, v in cred["credentialSubject"].items() if k != "hasClaim"}
    assert not {"address", "email", "phone", "contactPoint", "gender", "location"} & set(keys(subject))
    text = json.dumps(cred, ensure_ascii=False)
    leaks = [learner["email"], learner["address"]["street"], *(p["number"] for p in learner.get("phones", []))]
    assert not [leak for leak in leaks if leak in text]
