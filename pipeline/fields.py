"""The field rule: which form fields a document has, and where each one's value goes.

One translator-free function of (versioned form declaration, resolved mobility) yields
every `FieldSpec`: the PDF field name, the JSON pointer of its value in the returned
data, its value type, who fills it and whether it must be filled. The PDF renderer
builds its fields from these specs, the context uses the same per-item rules for its
rows, and the generated PDF records the specs (`manifest`) so that read-back maps a
returned form with the rule of the version it was made with, however old.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Iterator

from pipeline.errors import PipelineError
from pipeline.formdefs import (
    RATING_OPTIONS, SIGNATURE_FIELDS, Fill, ForEachUnit, Form, Ratings, Section, Signature,
)

# Value types of the returned data.
TYPES = ("text", "multiline", "date", "points", "rating", "signature")
RATING_VALUES = tuple(value for value, _label, _short in RATING_OPTIONS)
# Signature-block fields a signing party must complete (the role is optional).
REQUIRED_SIGNATURE_KEYS = {"name", "place", "date"}
MANIFEST_VERSION = 1
# The pointers a declaration can produce: a manifest read from a returned file is
# untrusted, and a pointer outside these would put values anywhere in the data.
POINTER = re.compile(
    r"/(assessments/[a-z][a-z0-9_]{0,39}/(ratings/[1-9][0-9]{0,3}|comments)"
    r"|transcript/(achieved/[a-z][a-z0-9_]{0,39}/(outcomes|ecvet_points)|testing_details|assessment_result)"
    r"|signatures/[a-z]{2}/[a-z_]{1,20}/(name|role|place|date|signed))"
)


class DuplicateFieldName(PipelineError):
    def __init__(self, form: str, name: str):
        super().__init__(
            f"form '{form}': two fields would be named '{name}'. Unit ids must be unique and a "
            "declaration must not repeat a field key: rename one of them."
        )


@dataclass(frozen=True)
class FieldSpec:
    """One form field: its PDF name, the JSON pointer of its value, its value type,
    who fills it and whether it must be filled; `options` are a rating's export values."""

    name: str
    pointer: str
    type: str
    party: str
    required: bool
    options: tuple[str, ...] = ()

    def as_manifest_row(self) -> list[Any]:
        row: list[Any] = [self.name, self.pointer, self.type, self.party, int(self.required)]
        return row + [list(self.options)] if self.options else row


def _name(form: Form, *parts: str) -> str:
    return "_".join((form.code, *parts))


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path of the resolved view (`organisations.host.name`), or None."""
    for key in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def when_holds(item: Any, scope: dict) -> bool:
    """Whether a declaration item's `when` condition holds in `scope`: a dotted path that
    must have a value, or `!path` that must not."""
    condition = getattr(item, "when", None)
    if not condition:
        return True
    negate = condition.startswith("!")
    return bool(lookup(scope, condition.lstrip("!"))) != negate


# -- one rule per declaration item (the context calls these for its rows) ---------------
def fill_spec(form: Form, item: Fill, unit: dict | None) -> FieldSpec:
    parts = (unit["id"], item.key) if unit else (item.key,)
    return FieldSpec(_name(form, *parts), item.maps_to.format(unit=unit["id"] if unit else ""),
                     item.kind, item.by, item.required)


def rating_specs(form: Form, item: Ratings, unit: dict) -> list[FieldSpec]:
    """One radio group per criterion, numbered 1… through the unit's criteria groups."""
    count = sum(len(group["criteria"]) for group in unit["criteria_set"]["groups"])
    return [
        FieldSpec(_name(form, unit["id"], f"c{nr:02d}"), item.maps_to.format(unit=unit["id"], nr=nr),
                  "rating", item.by, True, RATING_VALUES)
        for nr in range(1, count + 1)
    ]


def signature_specs(form: Form, item: Signature) -> list[FieldSpec]:
    """The block's name/role/place/date fields, then the /Sig field itself."""
    base = f"/signatures/{form.code}/{item.party}"
    specs = [
        FieldSpec(_name(form, item.party, key), f"{base}/{key}", kind, item.party,
                  key in REQUIRED_SIGNATURE_KEYS)
        for key, _label, kind in SIGNATURE_FIELDS
        if key != "role" or item.with_role
    ]
    return specs + [FieldSpec(_name(form, "sig", item.party), f"{base}/signed", "signature", item.party, True)]


# -- the whole form ---------------------------------------------------------------------
def _walk(form: Form, items: tuple, scope: dict, unit: dict | None) -> Iterator[FieldSpec]:
    for item in items:
        if not when_holds(item, scope):
            continue
        match item:
            case Fill():
                yield fill_spec(form, item, unit)
            case Ratings():
                yield from rating_specs(form, item, unit)
            case Signature():
                yield from signature_specs(form, item)
            case ForEachUnit():
                for u in scope["units"]:
                    yield from _walk(form, item.items, {**scope, "unit": u}, u)


def field_specs(form: Form, mobility: dict) -> list[FieldSpec]:
    """Every field of `form` (a versioned declaration) for one resolved mobility."""
    specs: list[FieldSpec] = []
    seen: set[str] = set()
    for section in form.sections:
        if not isinstance(section, Section) or not when_holds(section, mobility):
            continue
        for spec in _walk(form, section.items, mobility, None):
            if spec.name in seen:
                raise DuplicateFieldName(form.id, spec.name)
            seen.add(spec.name)
            specs.append(spec)
    return specs


def manifest(specs: list[FieldSpec]) -> str:
    """The specs as one compact JSON line, stored in the PDF (hidden field `ecvet_fields`):
    {"manifest": 1, "fields": [[name, pointer, type, party, required, [options]?], ...]}."""
    return json.dumps({"manifest": MANIFEST_VERSION, "fields": [s.as_manifest_row() for s in specs]},
                      ensure_ascii=True, separators=(",", ":"))


class ManifestError(ValueError):
    """The field manifest in a document cannot be understood."""


def parse_manifest(text: str) -> list[FieldSpec]:
    try:
        data = json.loads(text)
        if data.get("manifest") != MANIFEST_VERSION:
            raise ManifestError(f"manifest version {data.get('manifest')!r} is not supported")
        specs = []
        for row in data["fields"]:
            name, pointer, kind, party, required = row[:5]
            options = tuple(row[5]) if len(row) > 5 else ()
            if kind not in TYPES or not all(isinstance(x, str) for x in (name, pointer, party, *options)):
                raise ManifestError(f"field row {str(row)[:80]} is malformed")
            if not POINTER.fullmatch(pointer):
                raise ManifestError(f"field {name[:40]!r} points to {pointer[:80]!r}, which no form has")
            specs.append(FieldSpec(name, pointer, kind, party, bool(required), options))
        return specs
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ManifestError(str(exc)) from exc


def spec_dicts(specs: list[FieldSpec]) -> list[dict[str, Any]]:
    return [asdict(s) for s in specs]
