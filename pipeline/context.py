"""Build the render context of one form for one mobility in one language.

The context is plain data (a `FormContext`) shared by the DOCX and the PDF renderer, so
both show the same content. It also carries the PDF field names with the JSON pointers
they read back into, and a hash of the agreed content the document shows.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any, TypedDict

from pipeline.formdefs import (
    COMMON_LABELS, CRITERIA_GROUPS, RATING_OPTIONS, SIGNATURE_FIELDS,
    Fill, ForEachUnit, Form, Heading, Note, Ratings, Section, Show, Signature,
)
from pipeline.i18n import Translator


class Row(TypedDict, total=False):
    """One line of a section. `kind` says which other keys are set:

    value: label, value · field: label, name, multiline, lines, tooltip · note: label ·
    heading: label, value · group: label · criterion: nr, label, name, options ·
    signature: label, name (the /Sig field), fields [{label, name, kind}]
    """

    kind: str
    label: str
    value: str
    name: str
    multiline: bool
    lines: int
    tooltip: str
    nr: int
    options: list[dict[str, str]]
    fields: list[dict[str, str]]


class SectionContext(TypedDict):
    number: str
    title: str
    rows: list[Row]


class FormContext(TypedDict):
    form: dict[str, str]
    lang: str
    mobility_id: str
    cohort_id: str
    intro: list[str]
    sections: list[SectionContext]
    labels: dict[str, str]
    field_map: dict[str, str]
    content_hash: str
    footer: str  # identifies the document on every page, in both formats


def text(value: Any, lang: str, primary: str) -> str:
    """A LocText (string or language map) in `lang`, falling back to the primary language."""
    if value is None:
        return ""
    if isinstance(value, dict):
        value = value.get(lang) or value.get(primary) or next(iter(value.values()), "")
    # NFC: a decomposed "é" from some editors must print as one glyph; CRLF from Windows
    # editors is one line break.
    return unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")


def lookup(data: Any, path: str) -> Any:
    for key in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


class _Builder:
    def __init__(self, form: Form, mobility: dict, tr: Translator):
        self.form, self.m, self.tr = form, mobility, tr
        self.lang, self.primary = tr.lang, mobility["primary_language"]
        self.field_map: dict[str, str] = {}

    # -- value formatting ---------------------------------------------------------
    def t(self, value: Any) -> str:
        return text(value, self.lang, self.primary)

    def fmt(self, value: Any, fmt: str) -> str:
        if fmt == "tick":
            return "☒" if value else "☐"
        if value in (None, "", [], {}):
            return ""
        g = self.tr.gettext
        match fmt:
            case "text":
                return self.t(value)
            case "number":
                return self.tr.number(value)
            case "date":
                return self.tr.date(value)
            case "dates":
                return ", ".join(self.tr.date(d) for d in value)
            case "lines":
                return "\n".join(self.t(v) for v in value)
            case "all_languages":
                if isinstance(value, dict):
                    first = [value[self.lang]] if self.lang in value else []
                    return " / ".join(first + [v for k, v in value.items() if k != self.lang])
                return self.t(value)
            case "person":
                return f"{value['given_name']} {value['family_name']}"
            case "gender":
                return g(COMMON_LABELS[value])
            case "granularity":
                return g(COMMON_LABELS[value])
            case "address":
                return self.address(value)
            case "phones":
                return ", ".join(
                    p["number"] + ("" if p.get("kind", "phone") == "phone" else f" ({g(COMMON_LABELS[p['kind']])})")
                    for p in value
                )
            case "organisation":
                return "\n".join(x for x in (self.t(value.get("name")), self.address(value["address"]),
                                             self.fmt(value.get("phones"), "phones"), value.get("email", ""),
                                             value.get("website", "")) if x)
            case "responsible":
                return "\n".join(self.responsible(r) for r in value)
            case "period":
                return (f"{self.tr.date(value['start_date'])} {g(COMMON_LABELS['to'])} "
                        f"{self.tr.date(value['end_date'])} ({self.tr.number(value['weeks'])} "
                        f"{g(COMMON_LABELS['weeks'])})")
            case "nqf":
                return " – ".join(str(x) for x in (value.get("nqf_level"), value.get("nqf_framework")) if x)
            case "unit":
                code = f"{value['code']} – " if value.get("code") else ""
                return code + self.t(value["title"])
            case "outcomes":
                return "\n".join(f"• {g(COMMON_LABELS[o['kind']])}: {self.t(o['text'])}" for o in value)
        raise ValueError(f"unknown format {fmt!r} in the form declaration")

    def address(self, a: dict) -> str:
        country = self.tr.locale.territories.get(a["country"], a["country"])
        city = " ".join(x for x in (a.get("postcode"), a["city"]) if x)
        return ", ".join(x for x in (a["street"], city, a.get("region"), country) if x)

    def responsible(self, r: dict) -> str:
        person = self.fmt(r["person"], "person")
        org = self.t((r.get("organisation") or {}).get("name"))
        return ", ".join(x for x in (person, org, self.t(r.get("role"))) if x)

    # -- rows ---------------------------------------------------------------------
    def name(self, *parts: str) -> str:
        return "_".join((self.form.code,) + parts)

    def rows(self, items: tuple, scope: dict, unit: dict | None = None) -> list[Row]:
        g = self.tr.gettext
        out: list[Row] = []
        for item in items:
            if getattr(item, "when", None) and not lookup(scope, item.when):
                continue
            match item:
                case Show():
                    out.append({"kind": "value", "label": g(item.label),
                                "value": self.fmt(lookup(scope, item.path), item.fmt)})
                case Note():
                    out.append({"kind": "note", "label": g(item.text)})
                case Heading():
                    out.append({"kind": "heading", "label": g(item.label),
                                "value": self.fmt(lookup(scope, item.path), item.fmt)})
                case Fill():
                    parts = (unit["id"], item.key) if unit else (item.key,)
                    name = self.name(*parts)
                    self.field_map[name] = item.maps_to.format(unit=unit["id"] if unit else "")
                    out.append({"kind": "field", "label": g(item.label), "name": name,
                                "multiline": item.kind == "multiline", "lines": item.lines,
                                "tooltip": g(item.label)})
                case Ratings():
                    out += self.ratings(item, unit)
                case Signature():
                    out.append(self.signature(item))
                case ForEachUnit():
                    for u in self.m["units"]:
                        out += self.rows(item.items, {**scope, "unit": u}, u)
                case _:
                    raise TypeError(f"unknown item {item!r} in form {self.form.id}")
        return out

    def ratings(self, item: Ratings, unit: dict) -> list[Row]:
        g = self.tr.gettext
        out: list[Row] = []
        nr = 0
        options = [{"value": v, "label": g(label), "short": g(short)} for v, label, short in RATING_OPTIONS]
        for group in unit["criteria_set"]["groups"]:
            label = self.t(group.get("label")) or g(CRITERIA_GROUPS[group["kind"]])
            out.append({"kind": "group", "label": label})
            for criterion in group["criteria"]:
                nr += 1
                name = self.name(unit["id"], f"c{nr:02d}")
                self.field_map[name] = item.maps_to.format(unit=unit["id"], nr=nr)
                out.append({"kind": "criterion", "nr": nr, "label": self.t(criterion), "name": name,
                            "options": options, "tooltip": f"{nr}. {self.t(criterion)}"})
        return out

    def signature(self, item: Signature) -> Row:
        g = self.tr.gettext
        fields = []
        for key, label, kind in SIGNATURE_FIELDS:
            if key == "role" and not item.with_role:
                continue
            name = self.name(item.party, key)
            self.field_map[name] = f"/signatures/{self.form.code}/{item.party}/{key}"
            fields.append({"label": g(label), "name": name, "kind": kind})
        sig = self.name("sig", item.party)
        self.field_map[sig] = f"/signatures/{self.form.code}/{item.party}/signature"
        return {"kind": "signature", "label": g(item.label), "name": sig, "fields": fields,
                "tooltip": f"{g(item.label)}: {g(COMMON_LABELS['signature'])}"}

    def section(self, s: Section) -> SectionContext | None:
        if s.when and not lookup(self.m, s.when):
            return None
        return {"number": s.number, "title": self.tr.gettext(s.title), "rows": self.rows(s.items, self.m)}


def build_context(form: Form, mobility: dict, tr: Translator) -> FormContext:
    b = _Builder(form, mobility, tr)
    g = tr.gettext
    sections = [s for s in (b.section(s) for s in form.sections) if s]
    agreed = [(s["number"], r.get("label"), r.get("value")) for s in sections for r in s["rows"]
              if r["kind"] in ("value", "heading", "criterion")]
    digest = hashlib.sha256(json.dumps(
        [form.id, form.version, tr.lang, mobility["id"], agreed], ensure_ascii=False, separators=(",", ":")
    ).encode()).hexdigest()
    return {
        "form": {"id": form.id, "code": form.code, "annex": form.annex, "version": form.version,
                 "title": g(form.title), "annex_label": f"{g(COMMON_LABELS['annex'])} {form.annex}"},
        "footer": (f"ECVET · {g(form.title)} · {g(COMMON_LABELS['mobility'])} {mobility['id']} · "
                   f"{tr.lang} · {g(COMMON_LABELS['template'])} {form.version}"),
        "lang": tr.lang,
        "mobility_id": mobility["id"],
        "cohort_id": mobility["cohort_id"],
        "intro": [g(n.text) for n in form.intro],
        "sections": sections,
        "labels": {k: g(v) for k, v in COMMON_LABELS.items()},
        "field_map": b.field_map,
        "content_hash": digest,
    }


__all__ = ["build_context", "FormContext", "Row"]
