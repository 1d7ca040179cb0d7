"""A mobility's results as an unsigned European Learning Model (ELM v3) credential.

The home school issues the credential: it validates and recognises the units, and the
host company's Skills Assessment and Personal Transcript are the evidence behind each
unit (domain research §3.2, "the home institution issues a recognition credential").
One `LearningAchievement` per agreed unit, in the mobility's order:

- `specifiedBy`: the unit as a partial `Qualification` (title, K/S/C learning outcomes,
  planned ECVET points, EQF level);
- `provenBy`: the host's `LearningAssessment` (overall grade, pass/fail, assessor, the
  Annex II grading scheme) with one `hasPart` per criterion carrying its 1–3 rating;
- `influencedBy`: the placement (`LearningActivity`, directed by the host company);
- `awardedBy`: the home school's `AwardingProcess` (date of the recognition decision);
- `creditReceived` (recognised units only) and `entitlesTo` an exemption when decided.

The output is plain data, sealed elsewhere (EDC issuer tools or a DSS service): nothing
here reads the clock or draws random numbers, every id is a URN built from the cohort,
mobility and unit ids, and lists keep the declaration order, so `elm_json` gives the
same bytes for the same input whatever the machine or `PYTHONHASHSEED`.

Shapes follow the ELM v3 samples of `european-commission-empl/European-Learning-Model`
(`Credentials/JSON-LD Examples (ELM v3)/Sample-MC-Annex1-unsigned.jsonld`) and the EDC
application profile (`rdf/ap/edc/edc-ap-context.jsonld`, `EDC-generic-no-cv.ttl`).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError

from pipeline.context import EMPTY, clean, text
from pipeline.formdefs import CRITERIA_GROUPS, RATING_OPTIONS
from pipeline.i18n import languages_of, translator

# The @context of the v3 samples (checked in Sample-CertOfPart-unsigned.jsonld and
# Sample-MC-Annex1-unsigned.jsonld): the W3C VC context, then the EDC profile's.
CONTEXT = ["https://www.w3.org/2018/credentials/v1", "http://data.europa.eu/snb/model/context/edc-ap"]
TYPE = ["VerifiableCredential", "EuropeanDigitalCredential"]
PREFIX = "urn:ecvet-forms"

# The SHACL profile and the "Generic" credential profile, as in the v3 samples.
CREDENTIAL_SCHEMA = {"id": "http://data.europa.eu/snb/model/ap/edc-generic-full", "type": "ShaclValidator2017"}
GENERIC_PROFILE = ("http://data.europa.eu/snb/credential/e34929035b",
                   "http://data.europa.eu/snb/credential/25831c2", "Generic")

# ECVET in the EU "education-credit" vocabulary. Domain research §3.1 could not confirm
# it; the ELM repository's own code list does: xsd/loq/cv/credit-points.xsd enumerates
# `…/education-credit/60b314e826` "European credit system for vocational education and
# training" next to `…/6fcec5c5af` "European Credit Transfer System" (the one the
# samples use). So the EU concept is used, not a project-defined one.
ECVET_FRAMEWORK = ("http://data.europa.eu/snb/education-credit/60b314e826",
                   "http://data.europa.eu/snb/education-credit/25831c2",
                   "European credit system for vocational education and training")

EQF = ("http://data.europa.eu/snb/eqf/{}", "http://data.europa.eu/snb/eqf/25831c2", "Level {}")

# K/S/C as the learning outcome's dc:type. The EU "skill-type" list
# (xsd/loq/cv/skill-types.xsd) has only knowledge and skill; ECVET's third kind,
# competence, gets a project concept so the three stay apart.
SKILL_TYPE_SCHEME = "http://data.europa.eu/snb/skill-type/25831c2"
OUTCOME_KINDS = {
    "knowledge": ("http://data.europa.eu/snb/skill-type/knowledge", SKILL_TYPE_SCHEME, "knowledge"),
    "skill": ("http://data.europa.eu/snb/skill-type/skill", SKILL_TYPE_SCHEME, "skill"),
    "competence": (f"{PREFIX}:concept:skill-type:competence", f"{PREFIX}:concept-scheme:skill-type",
                   "competence"),
}

# gradeStatus wants a concept (pass / fail / other) but no EU vocabulary for it was
# found in the stored ELM sources (the profile says only "a controlled vocabulary"):
# project concepts until one is published.
GRADE_STATUS = {
    status: (f"{PREFIX}:concept:grade-status:{status}", f"{PREFIX}:concept-scheme:grade-status", status)
    for status in ("pass", "fail")
}

LANGUAGE_AUTHORITY = "http://publications.europa.eu/resource/authority/language"
COUNTRY_AUTHORITY = "http://publications.europa.eu/resource/authority/country"
# ISO 639-1 (the form languages) → the EU language authority table's codes.
LANGUAGE_CODES = {
    "bg": "BUL", "cs": "CES", "da": "DAN", "de": "DEU", "el": "ELL", "en": "ENG", "es": "SPA",
    "et": "EST", "fi": "FIN", "fr": "FRA", "ga": "GLE", "hr": "HRV", "hu": "HUN", "is": "ISL",
    "it": "ITA", "lt": "LIT", "lv": "LAV", "mk": "MKD", "mt": "MLT", "nl": "NLD", "no": "NOR",
    "pl": "POL", "pt": "POR", "ro": "RON", "sk": "SLK", "sl": "SLV", "sq": "SQI", "sr": "SRP",
    "sv": "SWE", "tr": "TUR", "uk": "UKR",
}
# ISO 3166 alpha-2 (the addresses) → alpha-3, the EU country table's codes: Erasmus+
# programme and partner countries nearby. Another country keeps its alpha-2 code in a
# project concept rather than a guessed EU URI.
COUNTRY_CODES = {
    "AL": "ALB", "AT": "AUT", "BA": "BIH", "BE": "BEL", "BG": "BGR", "CH": "CHE", "CY": "CYP",
    "CZ": "CZE", "DE": "DEU", "DK": "DNK", "EE": "EST", "ES": "ESP", "FI": "FIN", "FR": "FRA",
    "GB": "GBR", "GR": "GRC", "HR": "HRV", "HU": "HUN", "IE": "IRL", "IS": "ISL", "IT": "ITA",
    "LI": "LIE", "LT": "LTU", "LU": "LUX", "LV": "LVA", "ME": "MNE", "MK": "MKD", "MT": "MLT",
    "NL": "NLD", "NO": "NOR", "PL": "POL", "PT": "PRT", "RO": "ROU", "RS": "SRB", "SE": "SWE",
    "SI": "SVN", "SK": "SVK", "TR": "TUR", "UA": "UKR", "XK": "XKX",
}

RECOGNISED, REFUSED = "recognised", "refused"


@lru_cache(maxsize=None)
def _locale(code: str) -> Locale | None:
    """CLDR data for a language, parsed once per process (None if CLDR has none)."""
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return None


def _concept(uri: str, scheme: str, label: dict[str, str], notation: str | None = None) -> dict:
    out = {"id": uri, "type": "Concept", "inScheme": {"id": scheme, "type": "ConceptScheme"}, "prefLabel": label}
    if notation:
        out["notation"] = notation
    return out


def _points(value: Any) -> str:
    """ELM's `point` is a string: 4 → "4", 4.0 → "4", 2.5 → "2.5"."""
    number = float(value)
    return str(int(number)) if number.is_integer() else format(number, "g")


def _moment(value: str) -> dt.datetime:
    """An ISO date or date-time, comparable (a naive one is taken as UTC)."""
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _datetime(value: str | None) -> str | None:
    """ELM dates are xsd:dateTime: the calendar day (of a date, or of a date-time in its
    own offset) at midnight UTC, as in the samples' `…T00:00:00Z` style."""
    if not value:
        return None
    day = dt.date.fromisoformat(value) if len(value) == 10 else dt.datetime.fromisoformat(value).date()
    return f"{day.isoformat()}T00:00:00Z"


class _Builder:
    def __init__(self, mobility: dict, assessment: dict | None, transcript: dict | None,
                 decisions: list[dict], lang: str):
        self.m = mobility
        self.codes = languages_of(lang)
        self.primary = mobility["primary_language"]
        self.cohort, self.mob = mobility["cohort_id"], mobility["id"]
        self.sa = (assessment or {}).get("assessments") or {}
        self.supervisor = (((assessment or {}).get("signatures") or {}).get("sa") or {}).get("supervisor") or {}
        self.pt = (transcript or {}).get("transcript") or {}
        self.pt_host = (((transcript or {}).get("signatures") or {}).get("pt") or {}).get("host") or {}
        self.decisions: dict[str, dict] = {}
        for decision in sorted(decisions, key=lambda d: (d.get("seq") or 0, d.get("recorded_at") or "")):
            if decision.get("mobility") in (None, self.mob):
                self.decisions[decision["unit"]] = decision  # the latest per unit wins

    # -- values ---------------------------------------------------------------------
    def urn(self, kind: str, *parts: str) -> str:
        return ":".join((PREFIX, kind, self.cohort, self.mob, *parts))

    def loc(self, value: Any) -> dict[str, str]:
        """A language map in the output languages. A LocText lacking them falls back to
        the primary language (or its first entry), tagged with the language it is in; a
        plain string (a name, a text typed into a form) is tagged with the output language."""
        if value is None or value == "" or value == {}:
            return {}
        if isinstance(value, dict):
            out = {code: text(value, code, self.primary) for code in self.codes if value.get(code)}
            if not out:
                code = self.primary if value.get(self.primary) else next(k for k, v in value.items() if v)
                out = {code: text(value, code, self.primary)}
            return out
        return {self.codes[0]: clean(str(value))}

    def tr(self, message: str) -> dict[str, str]:
        return {code: translator(code).gettext(message) for code in self.codes}

    def note(self, value: Any) -> dict:
        return {"type": "Note", "noteLiteral": self.loc(value)}

    def language(self, code: str) -> dict:
        return self._coded(code, "languages", LANGUAGE_CODES, LANGUAGE_AUTHORITY, "language")

    def country(self, code: str) -> dict:
        return self._coded(code, "territories", COUNTRY_CODES, COUNTRY_AUTHORITY, "country")

    def _coded(self, code: str, names: str, table: dict, authority: str, kind: str) -> dict:
        """A language or country as a concept of the EU authority table (or ours, for a code
        it lacks), labelled with CLDR's name of it in each output language."""
        labels = {out: getattr(_locale(out), names, {}).get(code, code) if _locale(out) else code
                  for out in self.codes}
        if code in table:
            return _concept(f"{authority}/{table[code]}", authority, labels, kind)
        return _concept(f"{PREFIX}:concept:{kind}:{code}", f"{PREFIX}:concept-scheme:{kind}", labels)

    # -- agents -----------------------------------------------------------------------
    def organisation(self, org: dict) -> dict:
        """An organisation's public identity: legal name, address, website (EDC requires
        a location with a country). No phone numbers or contact persons."""
        address = org.get("address") or {}
        full = ", ".join(clean(str(address[k])) for k in ("street", "postcode", "city") if address.get(k))
        out: dict[str, Any] = {
            "id": f"{PREFIX}:organisation:{self.cohort}:{org['id']}",
            "type": "Organisation",
            "legalName": self.loc(org.get("name")),
            "location": {
                "id": f"{PREFIX}:location:{self.cohort}:{org['id']}",
                "type": "Location",
                "address": {
                    "id": f"{PREFIX}:address:{self.cohort}:{org['id']}",
                    "type": "Address",
                    "countryCode": self.country(address.get("country") or "ZZ"),
                    **({"fullAddress": {"type": "Note", "noteLiteral": {self.codes[0]: full}}} if full else {}),
                },
            },
        }
        if org.get("website"):
            out["homepage"] = {"type": "WebResource", "contentURL": org["website"]}
        return out

    def assessors(self) -> list[dict]:
        """Who assessed: the supervisor who signed the Skills Assessment, else the
        assessors agreed in the Learning Agreement. Names and employer only."""
        host = self.organisation(self.m["organisations"]["host_company"])
        name = (self.supervisor.get("name") or "").strip()
        if name:
            person = {"id": self.urn("person", "sa-supervisor"), "type": "Person",
                      "fullName": self.loc(name), "memberOf": host["id"]}  # the activity's directedBy
            return [person]
        out = []
        for nr, assessor in enumerate((self.m.get("assessment") or {}).get("assessors") or [], 1):
            p = assessor.get("person") or {}
            full = " ".join(clean(str(p[k])) for k in ("given_name", "family_name") if p.get(k))
            if not full:
                continue
            person: dict[str, Any] = {
                "id": f"{PREFIX}:person:{self.cohort}:{p['id']}" if p.get("id") else self.urn("person", f"assessor{nr}"),
                "type": "Person", "fullName": self.loc(full),
            }
            if p.get("given_name"):
                person["givenName"] = self.loc(p["given_name"])
            if p.get("family_name"):
                person["familyName"] = self.loc(p["family_name"])
            if assessor.get("organisation"):
                person["memberOf"] = self.organisation(assessor["organisation"])["id"]
            out.append(person)
        return out

    # -- dates ------------------------------------------------------------------------
    def valid_from(self) -> str:
        """The latest recognition decision, else the host's transcript signature, else the
        end of the placement: always a date from the data, never the clock."""
        recognised = [d for d in self.decisions.values() if d.get("decision") == RECOGNISED and d.get("recorded_at")]
        if recognised:
            latest = max(recognised, key=lambda d: (_moment(d["recorded_at"]), d.get("seq") or 0))
            return _datetime(latest["recorded_at"])  # type: ignore[return-value]
        return _datetime(self.pt_host.get("date")) or _datetime(self.m["period"]["end_date"])  # type: ignore[return-value]

    # -- one unit -----------------------------------------------------------------------
    def specification(self, unit: dict) -> dict:
        q = self.m.get("qualification") or {}
        spec: dict[str, Any] = {
            "id": f"{PREFIX}:unit:{self.cohort}:{unit['id']}",
            "type": "Qualification",
            "title": self.loc(unit.get("title")),
            "isPartialQualification": True,
            "learningOutcome": [
                {
                    "id": f"{PREFIX}:unit:{self.cohort}:{unit['id']}:outcome:{nr}",
                    "type": "LearningOutcome",
                    "title": self.loc(outcome.get("text")),
                    **({"dcType": _concept(*OUTCOME_KINDS[outcome["kind"]][:2], {"en": outcome["kind"]})}
                       if outcome.get("kind") in OUTCOME_KINDS else {}),
                }
                for nr, outcome in enumerate(unit.get("learning_outcomes") or [], 1)
            ],
        }
        if unit.get("code"):
            spec["identifier"] = {"id": f"{PREFIX}:unit:{self.cohort}:{unit['id']}:code", "type": "Identifier",
                                  "notation": unit["code"], "schemeName": "unit code"}
        if unit.get("ecvet_points") is not None:
            spec["creditPoint"] = self.credit(f"{PREFIX}:unit:{self.cohort}:{unit['id']}:credit", unit["ecvet_points"])
        if q.get("eqf_level") is not None:
            uri, scheme, label = EQF
            spec["eqfLevel"] = _concept(uri.format(q["eqf_level"]), scheme, {"en": label.format(q["eqf_level"])})
        if q.get("title"):
            spec["isPartOf"] = {"id": f"{PREFIX}:qualification:{self.cohort}:{q['id']}", "type": "Qualification",
                                "title": self.loc(q["title"]), "isPartialQualification": False}
        return spec

    def credit(self, id_: str, points: Any) -> dict:
        uri, scheme, label = ECVET_FRAMEWORK
        return {"id": id_, "type": "CreditPoint", "framework": _concept(uri, scheme, {"en": label}),
                "point": _points(points)}

    def grading_scheme(self) -> dict:
        """Annex II's scale, in the form's words: 1 satisfactory / 2 good / 3 very good;
        n/a not assessed."""
        title = {}
        for code in self.codes:
            g = translator(code).gettext
            scale = " / ".join(g(label) for value, label, _ in RATING_OPTIONS if value != "not_assessed")
            na = [g(label) for value, label, _ in RATING_OPTIONS if value == "not_assessed"]
            title[code] = "; ".join([scale, *na])
        return {"id": f"{PREFIX}:grading-scheme:annex-ii", "type": "GradingScheme", "title": title}

    def status(self, unit_id: str) -> str | None:
        decision = self.decisions.get(unit_id)
        if decision and decision.get("decision") in (RECOGNISED, REFUSED):
            return "pass" if decision["decision"] == RECOGNISED else "fail"
        result = ((decision or {}).get("proposal") or {}).get("result")
        return result if result in GRADE_STATUS else None

    def grade(self, unit_id: str) -> dict:
        """The transcript's overall result for a recognised unit (it is about the whole
        stay, so a refused unit does not carry it), else the pass rule's proposal, else "—"."""
        decision = self.decisions.get(unit_id) or {}
        if self.pt.get("assessment_result") and decision.get("decision") != REFUSED:
            return self.note(self.pt["assessment_result"])
        proposal = decision.get("proposal") or {}
        if proposal.get("result"):
            reason = proposal.get("reason")
            return self.note(f"{proposal['result']}: {reason}" if reason else proposal["result"])
        return self.note(EMPTY)

    def criteria(self, unit: dict, awarding: str) -> list[dict]:
        """One sub-assessment per Annex II criterion, numbered 1… across the groups as on
        the form, with the rating given (1, 2, 3, "n/a") or "—" when none was chosen."""
        ratings = (self.sa.get(unit["id"]) or {}).get("ratings") or {}
        na = {code: translator(code).gettext(short) for value, _, short in RATING_OPTIONS
              if value == "not_assessed" for code in self.codes}
        out, nr = [], 0
        for group in (unit.get("criteria_set") or {}).get("groups") or []:
            group_label = self.loc(group.get("label")) or (
                self.tr(CRITERIA_GROUPS[group["kind"]]) if group.get("kind") in CRITERIA_GROUPS else {})
            for criterion in group.get("criteria") or []:
                nr += 1
                rating = ratings.get(str(nr))
                if rating in (1, 2, 3):
                    literal = {code: str(rating) for code in self.codes}
                elif rating == "not_assessed":
                    literal = na
                else:
                    literal = {code: EMPTY for code in self.codes}
                part: dict[str, Any] = {
                    "id": self.urn("assessment", unit["id"], f"criterion:{nr}"),
                    "type": "LearningAssessment",
                    "title": {code: f"{nr}. {t}" for code, t in self.loc(criterion).items()},
                    "grade": {"type": "Note", "noteLiteral": literal},
                    "awardedBy": awarding,
                }
                if group_label:
                    part["description"] = group_label
                out.append(part)
        return out

    def assessment(self, unit: dict, awarding: str) -> dict:
        unit_id = unit["id"]
        comments = (self.sa.get(unit_id) or {}).get("comments")
        method = self.pt.get("testing_details") or (self.m.get("assessment") or {}).get("method")
        out: dict[str, Any] = {
            "id": self.urn("assessment", unit_id),
            "type": "LearningAssessment",
            "title": self.tr("Skills Assessment"),
            "grade": self.grade(unit_id),
            "assessedBy": self.assessors(),
            "specifiedBy": {
                "id": self.urn("assessment-spec", unit_id),
                "type": "LearningAssessmentSpecification",
                "title": self.tr("Skills Assessment"),
                "gradingScheme": self.grading_scheme(),
                **({"description": self.loc(method)} if method else {}),
            },
            "hasPart": self.criteria(unit, awarding),
            "awardedBy": awarding,
        }
        status = self.status(unit_id)
        if status:
            out["gradeStatus"] = _concept(*GRADE_STATUS[status][:2], {"en": status})
        if comments:
            out["description"] = self.loc(comments)
        if self.supervisor.get("date"):
            out["dateIssued"] = _datetime(self.supervisor["date"])  # dc:issued in the EDC context
        return out

    def activity(self) -> dict:
        """The placement, one for all units (same id and content in each achievement), so
        it is awarded by a process of the whole mobility rather than of one unit."""
        period = self.m["period"]
        host = self.m["organisations"]["host_company"]
        out: dict[str, Any] = {
            "id": self.urn("activity"),
            "type": "LearningActivity",
            "title": {code: f"{translator(code).gettext('Mobility stay')} – {text(host.get('name'), code, self.primary)}"
                      for code in self.codes},
            "temporal": {"id": self.urn("period"), "type": "PeriodOfTime",
                         "startDate": _datetime(period["start_date"]), "endDate": _datetime(period["end_date"])},
            "directedBy": self.organisation(host),
            "awardedBy": {"id": self.urn("awarding"), "type": "AwardingProcess",
                          "awardingBody": self.organisation(self.m["organisations"]["home"])},
        }
        if period.get("work_context"):
            out["description"] = self.loc(period["work_context"])
        return out

    def achievement(self, unit: dict) -> dict:
        unit_id = unit["id"]
        decision = self.decisions.get(unit_id) or {}
        awarding_id = self.urn("awarding", unit_id)
        awarding: dict[str, Any] = {
            "id": awarding_id,
            "type": "AwardingProcess",
            "awardingBody": self.organisation(self.m["organisations"]["home"]),
            "used": self.urn("assessment", unit_id),
        }
        if decision.get("decision") in (RECOGNISED, REFUSED) and decision.get("recorded_at"):
            awarding["awardingDate"] = _datetime(decision["recorded_at"])
        if decision.get("method"):
            awarding["description"] = self.loc(decision["method"])
        out: dict[str, Any] = {
            "id": self.urn("achievement", unit_id),
            "type": "LearningAchievement",
            "title": self.loc(unit.get("title")),
            "specifiedBy": self.specification(unit),
            "provenBy": self.assessment(unit, awarding_id),
            "influencedBy": self.activity(),
            "awardedBy": awarding,
        }
        achieved = ((self.pt.get("achieved") or {}).get(unit_id) or {}).get("outcomes")
        if achieved:
            out["description"] = self.loc(achieved)
        if decision.get("decision") == RECOGNISED and decision.get("ecvet_points") is not None:
            out["creditReceived"] = self.credit(self.urn("credit", unit_id), decision["ecvet_points"])
        if decision.get("decision") == RECOGNISED and "exemption" in (decision.get("consequence") or []):
            out["entitlesTo"] = {
                "id": self.urn("entitlement", unit_id, "exemption"),
                "type": "LearningEntitlement",
                "title": {"en": f"Exemption: {unit.get('code') or unit_id}"},
                "description": self.loc(unit.get("title")),
                "awardedBy": awarding_id,
                "limitOrganisation": self.organisation(self.m["organisations"]["home"])["id"],  # the issuer
            }
        return out

    # -- the credential ----------------------------------------------------------------
    def credential(self) -> dict:
        learner = self.m["learner"]
        subject: dict[str, Any] = {
            "id": self.urn("person", "learner"),
            "type": "Person",
            "givenName": self.loc(learner.get("given_name")),
            "familyName": self.loc(learner.get("family_name")),
            "fullName": self.loc(" ".join(clean(str(learner[k])) for k in ("given_name", "family_name")
                                          if learner.get(k))),
            "hasClaim": [self.achievement(unit) for unit in self.m.get("units") or []],
        }
        if learner.get("date_of_birth"):
            subject["dateOfBirth"] = _datetime(learner["date_of_birth"])
        languages = [self.language(code) for code in self.codes]
        display: dict[str, Any] = {
            "id": self.urn("display"),
            "type": "DisplayParameter",
            "title": self.tr("Validation and recognition"),
            "language": languages,
            "primaryLanguage": languages[0],
            # One individual display per language; the rendered page images an EDC
            # viewer shows are added by the sealing tool, not here.
            "individualDisplay": [
                {"id": self.urn("display", code), "type": "IndividualDisplay", "language": concept}
                for code, concept in zip(self.codes, languages)
            ],
        }
        q = (self.m.get("qualification") or {}).get("title")
        if q:
            display["description"] = self.loc(q)
        uri, scheme, label = GENERIC_PROFILE
        return {
            "@context": list(CONTEXT),
            "id": f"{PREFIX}:credential:{self.cohort}:{self.mob}",
            "type": list(TYPE),
            "credentialProfiles": _concept(uri, scheme, {"en": label}),
            "credentialSchema": dict(CREDENTIAL_SCHEMA),
            "issuer": self.organisation(self.m["organisations"]["home"]),
            "validFrom": self.valid_from(),
            "credentialSubject": subject,
            "displayParameter": display,
        }


def elm_credential(mobility: dict, assessment: dict | None, transcript: dict | None,
                   decisions: list[dict], lang: str) -> dict:
    """Unsigned, deterministic ELM v3 JSON-LD (a dict; json.dumps(sort_keys=True) of it is stable)."""
    return _Builder(mobility, assessment, transcript, decisions, lang).credential()


def elm_json(mobility: dict, assessment: dict | None, transcript: dict | None,
             decisions: list[dict], lang: str) -> str:
    """The credential as UTF-8 JSON text with sorted keys, ending in a newline."""
    credential = elm_credential(mobility, assessment, transcript, decisions, lang)
    return json.dumps(credential, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
