"""Raw fields + the document's field specs → the returned data and its problems.

Each spec says where a value goes (a JSON pointer) and what it must be: text exactly as
typed (line breaks made LF), a date as ISO (`dates`: never guessed), ECVET points as a
number, a rating as 1–3 or "not_assessed", a signature field as signed or not. Every
field of the form appears in the data, `null` when empty, so a missing answer is visible.
Where the raw fields disagree (a radio group's `/V` against its kids' `/AS`), the value
used and the conflict are both reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.fields import FieldSpec
from pipeline.identity import IDENTITY_FIELD, MANIFEST_FIELD
from pipeline.read.dates import DateNotUnderstood, parse_typed_date
from pipeline.read.pdf_fields import RawField

ERROR, WARNING = "error", "warning"
OFF = "Off"
POINTS = re.compile(r"^\s*(\d{1,4})(?:[.,](\d{1,2}))?\s*$")
OWN_FIELDS = {IDENTITY_FIELD, MANIFEST_FIELD}
PARTIES = {"home": "sending organisation", "host": "host organisation", "guardian": "parent or guardian",
           "intermediary": "intermediary organisation"}


@dataclass
class Mapped:
    data: dict[str, Any] = field(default_factory=dict)
    problems: list[dict[str, str]] = field(default_factory=list)

    def problem(self, severity: str, field_name: str, message: str) -> None:
        self.problems.append({"severity": severity, "field": field_name, "message": message})


def set_pointer(data: dict[str, Any], pointer: str, value: Any) -> None:
    """Set `value` at an RFC 6901 pointer, creating objects on the way."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def typed_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value if value.strip() else None


def _rating(spec: FieldSpec, raws: list[RawField], out: Mapped) -> str | None:
    """The chosen export value of a radio group, from wherever the filler left it."""
    declared: list[str] = []  # values written as /V (group, kids, Preview's kid field)
    shown: list[str] = []  # on-states of kids whose /AS is on
    for raw in raws:
        if raw.value not in (None, "", OFF):
            declared.append(raw.value.removeprefix("/"))
        for w in raw.widgets:
            if w.own_value not in (None, "", OFF):
                declared.append(w.own_value.removeprefix("/"))
            if w.state not in (None, OFF):
                shown.append(w.state)
    values, states = sorted(set(declared)), sorted(set(shown))
    if len(values) > 1:
        out.problem(ERROR, spec.name, f"the field holds several ratings ({', '.join(values)}); "
                                      "ask the host which one is meant")
        return None
    if values and states and states != values:
        out.problem(WARNING, spec.name, f"the stored value is {values[0]} but the button shown selected is "
                                        f"{', '.join(states)}; used the stored value {values[0]}")
    if values:
        return values[0]
    if len(states) > 1:
        out.problem(ERROR, spec.name, f"several buttons are shown selected ({', '.join(states)}) and no value "
                                      "is stored; ask the host which one is meant")
        return None
    return states[0] if states else None


def _value(spec: FieldSpec, raws: list[RawField], lang: str, out: Mapped) -> Any:
    if spec.type == "signature":
        return any(r.signed for r in raws)
    if spec.type == "rating":
        chosen = _rating(spec, raws, out)
        if chosen is None:
            return None
        if chosen not in spec.options:
            out.problem(ERROR, spec.name, f"the rating {chosen!r} is not on the scale "
                                          f"({', '.join(spec.options)})")
            return None
        return int(chosen) if chosen.isdigit() else chosen
    typed = typed_text(next((r.value for r in raws if r.value is not None), None))
    if typed is None:
        return None
    if spec.type == "date":
        return _date(spec, typed, lang, out)
    if spec.type == "points":
        match = POINTS.match(typed)
        if not match:
            out.problem(ERROR, spec.name, f"{typed[:40]!r} is not a number of ECVET points: write e.g. 4 or 2.5")
            return None
        whole, fraction = match.groups()
        return int(whole) if not fraction or not fraction.strip("0") else float(f"{whole}.{fraction}")
    return typed


def _date(spec: FieldSpec, typed: str, lang: str, out: Mapped) -> str | None:
    """An ISO date from what was typed, read in the form's language (each of a pair's)."""
    first_error = None
    for code in lang.split("+"):
        try:
            return parse_typed_date(typed, code).isoformat()
        except DateNotUnderstood as exc:
            first_error = first_error or exc
    out.problem(ERROR, spec.name, f"date not understood: {first_error}")
    return None


def map_fields(raw: dict[str, RawField], specs: list[FieldSpec], lang: str, export: bool = False) -> Mapped:
    """The returned data of one document, with a problem for every doubt. An `export`
    (XFDF, FDF) carries values only: its signature fields are unsigned by nature."""
    out = Mapped()
    used: set[str] = set()
    for spec in specs:
        # `x`, plus what a Preview save makes of a radio group (`x.x`, a kid with its own
        # /T) and fields that appear twice (`x#n`).
        names = [n for n in raw if n == spec.name or n.startswith(f"{spec.name}.") or n.startswith(f"{spec.name}#")]
        used.update(names)
        raws = [raw[n] for n in names]
        if export and spec.type == "signature":
            set_pointer(out.data, spec.pointer, False)
            continue
        if not raws:
            out.problem(ERROR, spec.name, "the field is missing from the returned form; it was removed or "
                                          "renamed after we sent it")
            set_pointer(out.data, spec.pointer, None)
            continue
        if any(n != spec.name for n in names) and spec.type == "rating":
            out.problem(WARNING, spec.name, "the radio group was restructured by the program that saved it "
                                            "(macOS Preview does this); its value was recovered, please check it")
        before = len(out.problems)
        value = _value(spec, raws, lang, out)
        set_pointer(out.data, spec.pointer, value)
        understood = not any(p["field"] == spec.name for p in out.problems[before:])
        if spec.required and value in (None, False) and understood:
            # A signature block may be signed in another return; an assessment left blank cannot.
            severity = WARNING if spec.pointer.startswith("/signatures/") else ERROR
            what = "not signed" if spec.type == "signature" else "left empty"
            out.problem(severity, spec.name, f"{what}: the {PARTIES.get(spec.party, spec.party)} must complete it")
    if export and any(s.type == "signature" for s in specs):
        out.problem(WARNING, "", "exported form data carries no signatures: the signed PDF is the evidence")
    for name in sorted(set(raw) - used - OWN_FIELDS):
        out.problem(WARNING, name, "a field that is not part of this form (added after we sent it); ignored")
    return out
