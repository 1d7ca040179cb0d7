"""Build the render context of one form for one mobility in one language.

The context is plain data (a `FormContext`) shared by the DOCX and the PDF renderer, so
both show the same content. It also carries the field specs (`pipeline.fields`: PDF
names, JSON pointers, value types) and the document identity, whose content hash is
computed from the agreed data, not from translated labels, so a catalog fix does not
make a returned form look altered.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any, TypedDict

from pipeline.fields import FieldSpec, field_specs, fill_spec, lookup, rating_specs, signature_specs, when_holds
from pipeline.formdefs import (
    COMMON_LABELS, CRITERIA_GROUPS, RATING_OPTIONS, SIGNATURE_FIELDS,
    Fill, ForEachUnit, Form, Heading, Note, Ratings, Section, Show, Signature,
)
from pipeline.i18n import PAIR, SECONDARY, Translator, combine, languages_of, plain
from pipeline.identity import DocumentIdentity


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
    type: str  # a field's value type (text, multiline, date, points)
    unit: str  # the id of the unit the row belongs to, for rows repeated per unit


class SectionContext(TypedDict):
    number: str
    title: str
    rows: list[Row]


class FormContext(TypedDict):
    form: dict[str, str]
    lang: str
    mobility_id: str
    cohort_id: str
    intro: list[str]  # notes for every format
    pdf_intro: list[str]  # instructions for filling the PDF in (not on paper)
    sections: list[SectionContext]
    labels: dict[str, str]
    fields: list[FieldSpec]  # every form field, from the one field rule
    field_map: dict[str, str]  # PDF field name → JSON pointer of the returned data
    identity: DocumentIdentity
    generated_on: str | None  # the cohort's issue date (data, not the clock), or None
    footer: str  # identifies the document on every page, in both formats


EMPTY = "—"  # an agreed value that was left empty, so a blank does not look forgotten


def clean(value: str) -> str:
    """NFC (a decomposed "é" from some editors prints as one glyph) and one kind of line
    break (CRLF from Windows editors): every printed and hashed text goes through this."""
    return unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")


def text(value: Any, lang: str, primary: str) -> str:
    """A LocText (string or language map) in `lang`, falling back to the primary language;
    for a pair `de+en`, both languages' texts when the data has both and they differ."""
    if value is None:
        return ""
    if isinstance(value, dict):
        if PAIR in lang:
            first, second = (value.get(code) for code in languages_of(lang))
            shown = first or value.get(primary) or next(iter(value.values()), "")
            return clean(str(shown)) + (SECONDARY + clean(str(second)) if first and second and second != first else "")
        value = value.get(lang) or value.get(primary) or next(iter(value.values()), "")
    return clean(str(value))


class _Builder:
    def __init__(self, form: Form, mobility: dict, tr: Translator):
        self.form, self.m, self.tr = form, mobility, tr
        self.lang, self.primary = tr.lang, mobility["primary_language"]

    # -- value formatting ---------------------------------------------------------
    def t(self, value: Any) -> str:
        return text(value, self.lang, self.primary)

    def fmt(self, value: Any, fmt: str) -> str:
        return clean(self._fmt(value, fmt))

    def _fmt(self, value: Any, fmt: str) -> str:
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
                return self.tr.date(str(value)[:10])  # a date, or the day of a timestamp
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
                return g(COMMON_LABELS["period"]).format(start=self.tr.date(value["start_date"]),
                                                         end=self.tr.date(value["end_date"]),
                                                         duration=self.tr.duration(value["days"]))
            case "nqf":
                return " – ".join(str(x) for x in (value.get("nqf_level"), value.get("nqf_framework")) if x)
            case "unit":
                code = f"{value['code']} – " if value.get("code") else ""
                return code + self.t(value["title"])
            case "decision":
                return g(COMMON_LABELS[value])
            case "proposal":
                return f"{g(COMMON_LABELS[value['result']])}: {value['reason']}"
            case "consequences":
                return "\n".join(g(COMMON_LABELS[c]) for c in value)
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
    def rows(self, items: tuple, scope: dict, unit: dict | None = None) -> list[Row]:
        g = self.tr.gettext
        out: list[Row] = []
        for item in items:
            if not when_holds(item, scope):
                continue
            match item:
                case Show():
                    out.append({"kind": "value", "label": g(item.label),
                                "value": self.fmt(lookup(scope, item.path), item.fmt) or EMPTY})
                case Note():
                    out.append({"kind": "note", "label": g(item.text)})
                case Heading():
                    out.append({"kind": "heading", "label": g(item.label),
                                "value": self.fmt(lookup(scope, item.path), item.fmt)})
                case Fill():
                    spec = fill_spec(self.form, item, unit)
                    out.append({"kind": "field", "label": g(item.label), "name": spec.name, "type": spec.type,
                                "multiline": item.kind == "multiline", "lines": item.lines,
                                "tooltip": plain(g(item.label))})
                case Ratings():
                    out += self.ratings(item, unit)
                case Signature():
                    out.append(self.signature(item))
                case ForEachUnit():
                    for u in self.m["units"]:
                        unit_rows = self.rows(item.items, {**scope, "unit": u}, u)
                        for row in unit_rows:  # so a layout can keep a unit's rows together
                            row["unit"] = u["id"]
                        out += unit_rows
                case _:
                    raise TypeError(f"unknown item {item!r} in form {self.form.id}")
        return out

    def ratings(self, item: Ratings, unit: dict) -> list[Row]:
        g = self.tr.gettext
        out: list[Row] = []
        nr = 0
        options = [{"value": v, "label": g(label), "short": g(short)} for v, label, short in RATING_OPTIONS]
        specs = rating_specs(self.form, item, unit)
        for group in unit["criteria_set"]["groups"]:
            label = self.t(group.get("label")) or g(CRITERIA_GROUPS[group["kind"]])
            out.append({"kind": "group", "label": label})
            for criterion in group["criteria"]:
                name = specs[nr].name
                nr += 1
                out.append({"kind": "criterion", "nr": nr, "label": self.t(criterion), "name": name,
                            "options": options, "tooltip": plain(f"{nr}. {self.t(criterion)}")})
        return out

    def signature(self, item: Signature) -> Row:
        g = self.tr.gettext
        org = lookup(self.m, item.org) if item.org else None
        label = g(item.label)
        if org:
            country = self.tr.locale.territories.get(org["address"]["country"], org["address"]["country"])
            label = combine("{}: {}, {}", label, self.t(org.get("name")), country)
        *specs, sig = signature_specs(self.form, item)
        labels = {key: label for key, label, _kind in SIGNATURE_FIELDS}
        fields = [{"label": g(labels[s.pointer.rsplit("/", 1)[1]]), "name": s.name, "kind": s.type}
                  for s in specs]
        return {"kind": "signature", "label": label, "name": sig.name, "fields": fields,
                "tooltip": plain(f"{g(item.label)}: {g(COMMON_LABELS['signature'])}")}

    def section(self, s: Section) -> SectionContext | None:
        title = self.tr.gettext(s.title)
        if not when_holds(s, self.m):
            if not s.otherwise:
                return None
            return {"number": s.number, "title": title, "rows": [{"kind": "note", "label": self.tr.gettext(s.otherwise)}]}
        return {"number": s.number, "title": title, "rows": self.rows(s.items, self.m)}


def _agreed(value: Any, lang: str, primary: str) -> Any:
    """Agreed data as the document shows it, language maps resolved, texts cleaned."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        if value and primary in value and all(isinstance(v, str) for v in value.values()) \
                and all(len(k) <= 3 for k in value):
            return text(value, lang, primary)  # a LocText map
        return {k: _agreed(v, lang, primary) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_agreed(v, lang, primary) for v in value]
    return value


def _agreed_values(form: Form, items: tuple, scope: dict) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if not when_holds(item, scope):
            continue
        match item:
            case Show() | Heading():
                out.append([item.path, lookup(scope, item.path)])
            case Ratings():
                out.append(["criteria", scope["unit"]["criteria_set"]["groups"]])
            case ForEachUnit():
                for u in scope["units"]:
                    out += _agreed_values(form, item.items, {**scope, "unit": u})
    return out


def content_hash(form: Form, mobility: dict, lang: str, specs: list[FieldSpec]) -> str:
    """SHA-256 of what the school agreed in this document: the declaration's values from the
    mobility (in `lang`) and the field specs. Translator-free, so `ecvet read --cohort`
    can recompute it from the cohort data with the document's declaration version."""
    agreed = [[s.number, _agreed_values(form, s.items, mobility)]
              for s in form.sections if when_holds(s, mobility)]
    payload = [form.id, form.version, lang, mobility["id"],
               _agreed(agreed, lang, mobility["primary_language"]),
               [spec.as_manifest_row() for spec in specs]]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, separators=(",", ":"),
                                     default=str).encode()).hexdigest()


def build_context(form: Form, mobility: dict, tr: Translator) -> FormContext:
    specs = field_specs(form, mobility)  # raises on duplicate names before anything renders
    b = _Builder(form, mobility, tr)
    g = tr.gettext
    sections = [s for s in (b.section(s) for s in form.sections) if s]
    identity = DocumentIdentity(mobility=mobility["id"], cohort=mobility["cohort_id"], form=form.id,
                                lang=tr.lang, version=form.version,
                                content=content_hash(form, mobility, tr.lang, specs))
    return {
        "form": {"id": form.id, "code": form.code, "annex": form.annex, "version": form.version,
                 "title": g(form.title), "annex_label": g(COMMON_LABELS["annex"]).format(number=form.annex)},
        "footer": g(COMMON_LABELS["footer"]).format(form=g(form.title), mobility=mobility["id"], lang=tr.lang,
                                                    version=form.version),
        "lang": tr.lang,
        "mobility_id": mobility["id"],
        "cohort_id": mobility["cohort_id"],
        "intro": [g(n.text) for n in form.intro if not n.pdf_only],
        "pdf_intro": [g(n.text) for n in form.intro if n.pdf_only],
        "sections": sections,
        "labels": {k: g(v) for k, v in COMMON_LABELS.items()},
        "fields": specs,
        "field_map": {s.name: s.pointer for s in specs},
        "identity": identity,
        "generated_on": mobility.get("issued_on"),
    }


__all__ = ["build_context", "FormContext", "Row"]
