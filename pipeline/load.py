"""Read a cohort folder and check every file against the published JSON Schemas.

Every problem in every file is collected before anything fails, so a coordinator fixes
them all in one pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from pipeline.errors import InputError, Problem
from pipeline.paths import SCHEMA_DIR

COHORT_FILE = "cohort.json"
MOBILITY_DIR = "mobilities"


@dataclass
class SourceFile:
    """One parsed input file, with the name used in messages."""

    path: Path
    name: str
    data: dict[str, Any]


@dataclass
class Cohort:
    folder: Path
    cohort: SourceFile
    mobilities: list[SourceFile] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.cohort.data.get("cohort_id", self.folder.name))

    @property
    def name(self) -> str:
        """The folder's name: `inputs/demo` writes to `outputs/demo`."""
        return self.folder.resolve().name


@lru_cache(maxsize=None)
def validator(kind: str) -> Draft202012Validator:
    """A compiled validator for `cohort` or `mobility`, built once per process."""
    schema = json.loads((SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def pointer(path: Any) -> str:
    """RFC 6901 JSON pointer for a jsonschema error path."""
    return "".join(
        "/" + str(part).replace("~", "~0").replace("/", "~1") for part in path
    )


def describe(error: ValidationError) -> str:
    """A schema error rewritten as what is wrong and how to fix it."""
    v = error.validator
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"'{missing}' is missing: add it (see the schema's description of this object)"
    if v == "additionalProperties":
        return f"{error.message}: remove it or check its spelling"
    if v == "format" and error.validator_value == "date":
        return f"{error.instance!r} is not a real calendar date: write it as YYYY-MM-DD"
    if v == "propertyNames":
        return f"{error.instance!r}: a key does not match {error.validator_value.get('pattern', '')}"
    if v == "pattern":
        return (
            f"{error.instance!r} does not match the pattern {error.validator_value}: "
            "use only the characters the pattern allows"
        )
    if v == "enum":
        options = ", ".join(repr(o) for o in error.validator_value)
        return f"{error.instance!r} is not allowed: use one of {options}"
    if v == "type":
        return f"{error.instance!r} is not of type {error.validator_value}: change its type"
    if v in {"oneOf", "anyOf"}:
        return f"{error.instance!r} has the wrong shape: {_best_context(error)}"
    return error.message


def _best_context(error: ValidationError) -> str:
    """The branch the user most likely meant: not the one that merely has another type."""
    if error.context:
        meant = [e for e in error.context if e.validator != "type"] or list(error.context)
        deepest = max(meant, key=lambda e: len(e.absolute_path))
        where = "".join(f"['{p}']" if isinstance(p, str) else f"[{p}]" for p in deepest.relative_path)
        return f"{where + ': ' if where else ''}{describe(deepest)}"
    return error.message


def schema_problems(kind: str, source: SourceFile) -> list[Problem]:
    errors = sorted(validator(kind).iter_errors(source.data), key=lambda e: list(map(str, e.absolute_path)))
    return [Problem(source.name, pointer(e.absolute_path), describe(e)) for e in errors]


def read_json(path: Path, name: str, problems: list[Problem]) -> SourceFile | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, "", f"is not UTF-8 text ({exc.reason}): save it as UTF-8"))
        return None
    except OSError as exc:
        problems.append(Problem(name, "", f"cannot be read: {exc.strerror}"))
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(name, "", f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
        )
        return None
    except RecursionError:
        problems.append(Problem(name, "", "is nested too deeply to be a mobility or cohort file"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(name, "", "must contain one JSON object ({ ... })"))
        return None
    return SourceFile(path, name, data)


def load_cohort(folder: Path) -> tuple[Cohort | None, list[Problem]]:
    """Parse and schema-check the cohort file and every mobility file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such cohort folder. A cohort is a folder like inputs/demo/.")
    cohort_path = folder / COHORT_FILE
    if not cohort_path.is_file():
        raise InputError(f"{folder}: has no {COHORT_FILE}. Put the learners' shared data there.")
    problems: list[Problem] = []
    label = lambda p: str(p.relative_to(folder.parent)) if folder.parent != p else str(p)  # noqa: E731
    cohort_file = read_json(cohort_path, label(cohort_path), problems)
    if cohort_file:
        problems += schema_problems("cohort", cohort_file)
    mobility_paths = sorted((folder / MOBILITY_DIR).glob("*.json"))
    if not mobility_paths:
        problems.append(
            Problem(label(folder), "", f"has no mobility files: add {MOBILITY_DIR}/<mobility-id>.json")
        )
    mobilities = []
    for path in mobility_paths:
        source = read_json(path, label(path), problems)
        if source:
            problems += schema_problems("mobility", source)
            mobilities.append(source)
    if cohort_file is None:
        return None, problems
    return Cohort(folder, cohort_file, mobilities), problems
