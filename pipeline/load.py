"""Read a cohort folder and check every file against the published JSON Schemas.

Every problem in every file is collected before anything fails, so a coordinator fixes
them all in one pass. Input is untrusted: only regular files inside the cohort folder
are opened (a named pipe would hang the run, a device or a link to /etc/passwd is not a
mobility), each at most `MAX_FILE_BYTES`, and JSON that Python accepts but the format
does not (NaN, duplicate keys, unpaired surrogates, endless integers) is refused with
its line, in plain words.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from pipeline import __version__
from pipeline.errors import InputError, Problem
from pipeline.paths import SCHEMA_DIR

COHORT_FILE = "cohort.json"
MOBILITY_DIR = "mobilities"
SCHEMA_VERSION = 1  # the input format this version of the tool reads
# A cohort or mobility file is a few kilobytes (the demo's largest is under 20 kB); a
# larger one is a mistake (a PDF or a log renamed .json) and is not read into memory.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_SHOWN = 60  # characters of a value echoed in a message: enough to recognise it, never a record
# Files an editor, an archive tool or macOS leaves beside the mobilities: never data.
JUNK_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}


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


# --- schema validation --------------------------------------------------------------

def _ecma_pattern(pattern: str) -> str:
    """The schema's ECMA-262 regex for Python: there `$` (without the m flag) matches only
    at the very end, while Python's `$` also matches before a final newline, so "m1\\n"
    would pass `^[a-z0-9]+$` and become a folder and a PDF field name."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "$" and not in_class:
            ch = r"\Z"
        out.append(ch)
        i += 1
    return "".join(out)


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(_ecma_pattern(pattern))


def _pattern(validator, pattern, instance, schema):  # noqa: ARG001 - jsonschema's signature
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, {"pattern": _pattern})


@lru_cache(maxsize=None)
def validator(kind: str) -> Draft202012Validator:
    """A compiled validator for `cohort` or `mobility`, built once per process."""
    schema = json.loads((SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8"))
    return _Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def pointer(path: Any) -> str:
    """RFC 6901 JSON pointer for a jsonschema error path."""
    return "".join(
        "/" + str(part).replace("~", "~0").replace("/", "~1") for part in path
    )


def shown(value: Any) -> str:
    """A value as a message may echo it: a short text or number, never a whole record
    (an error on /learner must not print the learner's name, birth date and phone)."""
    if isinstance(value, dict):
        return "an object { … }"
    if isinstance(value, list):
        return "a list [ … ]"
    if isinstance(value, str):
        return repr(value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN - 1] + "…")
    return json.dumps(value)


TYPE_NAMES = {"object": "an object { … }", "array": "a list [ … ]", "string": 'a text in double quotes "…"',
              "integer": "a whole number", "number": "a number", "boolean": "true or false", "null": "null"}


def _type_name(value: Any) -> str:
    for name, kind in (("boolean", bool), ("object", dict), ("array", list), ("string", str),
                       ("integer", int), ("number", float)):
        if isinstance(value, kind):
            return TYPE_NAMES[name]
    return TYPE_NAMES["null"]


def describe(error: ValidationError) -> str:
    """A schema error rewritten as what is wrong and how to fix it, echoing at most a
    short value (`shown`)."""
    v, value, expected = error.validator, error.instance, error.validator_value
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"'{missing}' is missing: add it (see the schema's description of this object)"
    if v == "additionalProperties":
        known, patterns = error.schema.get("properties", {}), error.schema.get("patternProperties", {})
        extra = [k for k in value if k not in known and not any(re.search(p, k) for p in patterns)]
        names = ", ".join(shown(k) for k in extra[:5]) + (", …" if len(extra) > 5 else "")
        guesses = [(k, difflib.get_close_matches(k, list(known), n=1, cutoff=0.7)) for k in extra[:5]]
        hints = "".join(f"; {shown(k)} is not allowed here: did you mean {shown(match[0])}?"
                        for k, match in guesses if match)
        return (f"Additional properties are not allowed ({names} {'was' if len(extra) == 1 else 'were'} "
                f"unexpected): remove it or check its spelling{hints}")
    if v == "format" and expected == "date":
        return f"{shown(value)} is not a real calendar date: write it as YYYY-MM-DD"
    if v == "format":
        return f"{shown(value)} is not a valid {expected}: correct it"
    if v == "propertyNames":
        return f"{shown(value)}: a key does not match {expected.get('pattern', '')}"
    if v == "pattern":
        why = (" (it contains a line break: write it on one line)" if "\n" in value.strip() or "\r" in value.strip()
               else " (it ends with a line break or space: remove it)" if value != value.strip() else "")
        return (f"{shown(value)} does not match the pattern {expected}{why}: "
                "use only the characters the pattern allows")
    if v == "enum":
        options = ", ".join(repr(o) for o in expected)
        return f"{shown(value)} is not allowed: use one of {options}"
    if v == "const":
        return f"{shown(value)} is not allowed here: write {json.dumps(expected)}"
    if v == "type":
        wanted = " or ".join(TYPE_NAMES.get(t, t) for t in ([expected] if isinstance(expected, str) else expected))
        return f"is {_type_name(value)}, but must be {wanted}: change its type"
    if v in {"oneOf", "anyOf"}:
        what = ("this object" if isinstance(value, dict) else "this list" if isinstance(value, list)
                else shown(value))
        return f"{what} has the wrong shape: {_best_context(error)}"
    if v == "minLength":
        return "is empty: write the text or remove the key" if expected == 1 else (
            f"is shorter than {expected} characters: complete it")
    if v == "maxLength":
        return (f"is {len(value)} characters long, at most {expected} fit on the forms: shorten it "
                "(see the schema's description of this key)")
    if v in {"minItems", "minProperties"}:
        return "is empty: add at least one entry" if expected == 1 else f"needs at least {expected} entries"
    if v in {"maxItems", "maxProperties"}:
        return f"has {len(value)} entries, at most {expected} are allowed: remove some"
    if v == "uniqueItems":
        return "lists an entry twice: remove the repetition"
    if v in {"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"}:
        word = {"minimum": "at least", "exclusiveMinimum": "more than", "maximum": "at most",
                "exclusiveMaximum": "less than"}[v]
        return f"{shown(value)} is out of range: it must be {word} {expected:g}"
    return _capped(error.message)


def _capped(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _best_context(error: ValidationError) -> str:
    """The branch the user most likely meant: not the one that merely has another type."""
    if error.context:
        meant = [e for e in error.context if e.validator != "type"] or list(error.context)
        deepest = max(meant, key=lambda e: len(e.absolute_path))
        where = "".join(f"[{shown(p)}]" if isinstance(p, str) else f"[{p}]" for p in deepest.relative_path)
        return f"{where + ': ' if where else ''}{describe(deepest)}"
    return _capped(error.message)


def schema_problems(kind: str, source: SourceFile) -> list[Problem]:
    version = source.data.get("schema_version")
    if version != SCHEMA_VERSION and "schema_version" in source.data:
        return [Problem(source.name, "/schema_version", _version_message(version))]
    errors = sorted(validator(kind).iter_errors(source.data), key=lambda e: list(map(str, e.absolute_path)))
    return [Problem(source.name, pointer(e.absolute_path), describe(e)) for e in errors]


def _version_message(version: Any) -> str:
    reads = f"this ecvet-forms ({__version__}) reads input format version {SCHEMA_VERSION} only"
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        return (f"the file is written in input format version {version}, but {reads}: update ecvet-forms "
                f"to a version that reads format {version}, or write the file in format {SCHEMA_VERSION} "
                "(forms/schema/ describes it) and set schema_version to 1")
    return f"{shown(version)} is not an input format version; {reads}: set schema_version to {SCHEMA_VERSION}"


# --- opening files safely -----------------------------------------------------------

def _kind_of(mode: int) -> str:
    return ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a folder" if stat.S_ISDIR(mode) else "not a regular file")


def _read_bytes(path: Path, inside: tuple[Path, ...]) -> bytes | str:
    """The file's bytes, or why it is not read: it must be (a link to) a regular file
    inside the cohort folder, at most MAX_FILE_BYTES. Checked before opening (opening a
    FIFO blocks, opening a device may do anything), and again on the open descriptor."""
    target = path.resolve()
    if path.is_symlink() and not any(target.is_relative_to(root) for root in inside):
        return (f"is a link to {target}, outside the cohort folder: copy the file into the cohort "
                "folder instead of linking to it")
    try:
        before = os.stat(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror}): check the file and its permissions"
    if not stat.S_ISREG(before.st_mode):
        return f"is {_kind_of(before.st_mode)}, not a file: only regular .json files are read; remove it"
    if before.st_size > MAX_FILE_BYTES:
        return _too_big(before.st_size)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        return f"cannot be read ({exc.strerror}): check the file and its permissions"
    with os.fdopen(fd, "rb") as handle:
        now = os.fstat(handle.fileno())
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
            return "was replaced while being read: run again"
        data = handle.read(MAX_FILE_BYTES + 1)
    return _too_big(len(data)) if len(data) > MAX_FILE_BYTES else data


def _too_big(size: int) -> str:
    return (f"is {size / 1024 / 1024:.1f} MB: a cohort or mobility file is a few kilobytes, and files over "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB are not read (so a wrong file, such as a PDF or a log "
            "renamed .json, cannot exhaust memory): check that this is the right file")


# --- parsing JSON strictly ----------------------------------------------------------

class _Bad:
    """A value JSON allows Python to parse but the input format refuses; kept in place
    during parsing so that it can be reported with its pointer and line."""

    def __init__(self, why: str):
        self.why = why


class _Object(dict):
    """A JSON object that remembers the keys it had twice."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object()
    obj.duplicates = []
    for key, value in pairs:
        if key in obj:
            obj.duplicates.append(key)
        obj[key] = value
    return obj


def _constant(name: str) -> _Bad:
    return _Bad(f"{name} is not a number in JSON: write a number, or null if there is none")


def _int(text: str) -> int | _Bad:
    digits = len(text.lstrip("-"))
    if digits > 100:
        return _Bad(f"a number with {digits} digits: write a number of normal size")
    return int(text)


def _float(text: str) -> float | _Bad:
    value = float(text)
    if math.isinf(value):
        return _Bad(f"{_capped(text, 30)} is too large a number: write a number of normal size")
    return value


def _strict_loads(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_object, parse_constant=_constant, parse_int=_int,
                      parse_float=_float)


SURROGATE = re.compile(r"[\ud800-\udfff]")


def _value_problems(data: Any, ptr: str = "") -> Iterator[tuple[str, str]]:
    """(pointer, what is wrong) for every refused value, in document order."""
    if isinstance(data, _Bad):
        yield ptr, data.why
    elif isinstance(data, str):
        bad = SURROGATE.search(data)
        if bad:
            yield ptr, (f"contains \\u{ord(bad.group()):04x}, half of a UTF-16 surrogate pair without its "
                        "other half (no character): remove it, or write the character itself")
    elif isinstance(data, dict):
        for key in getattr(data, "duplicates", []):
            yield _join(ptr, key), (f"the key {shown(key)} appears twice in this object (only the last one would "
                                    "count): keep one")
        for key, value in data.items():
            if SURROGATE.search(key):
                yield _join(ptr, key), "this key contains half of a UTF-16 surrogate pair: correct the key"
            yield from _value_problems(value, _join(ptr, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _value_problems(value, f"{ptr}/{i}")


def _join(ptr: str, key: str) -> str:
    return f"{ptr}/{key.replace('~', '~0').replace('/', '~1')}"


TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+|\s+', re.S)


def _lines(text: str) -> dict[str, list[int]]:
    """The line of every member and item, by pointer (a key given twice: each line), from
    a walk over the tokens of a text that already parsed."""
    lines: dict[str, list[int]] = {}
    stack: list[list] = []  # per open container: [pointer, is_object, next index or key]
    line, expect_key = 1, False
    for match in TOKEN.finditer(text):
        token = match.group()
        if token[0].isspace():
            line += token.count("\n")
            continue
        top = stack[-1] if stack else None
        if top and top[1] and expect_key and token[0] == '"':
            top[2] = json.loads(token)
            lines.setdefault(_join(top[0], top[2]), []).append(line)
            expect_key = False
            continue
        if token in "]}":
            stack.pop()
            continue
        if token == ",":
            if top and not top[1]:
                top[2] += 1
            expect_key = bool(top and top[1])
            continue
        if token == ":":
            continue
        here = "" if top is None else _join(top[0], top[2]) if top[1] else f"{top[0]}/{top[2]}"
        if top is not None and not top[1]:
            lines.setdefault(here, []).append(line)
        if token in "{[":
            stack.append([here, token == "{", 0])
            expect_key = token == "{"
        line += token.count("\n")
    return lines


def _syntax_error(text: str, exc: json.JSONDecodeError) -> str:
    """A JSON syntax error in plain words: where, the likely cause and the fix."""
    pos, msg = exc.pos, exc.msg
    where = f"line {exc.lineno}, column {exc.colno}"
    if not text.strip():
        return "is empty: it must contain one JSON object { … }"
    before = text[:pos].rstrip()
    prev = before[-1:] if before else ""
    char = text[pos:pos + 1]
    if pos >= len(text.rstrip()) or msg.startswith("Unterminated string"):
        if msg.startswith("Unterminated string"):
            return (f"the text in double quotes at {where} never ends: add its closing quote \" (if the file "
                    "was cut off, save it again completely)")
        return (f"the file ends at {where} before the data is complete (an unclosed {{ or [): it may have "
                "been cut off; check that every { has its } and every [ its ]")
    if prev == "," and char in "}]":
        line_of_comma = text.count("\n", 0, len(before)) + 1
        return (f"a trailing comma before '{char}' at {where}: remove the comma at the end of line "
                f"{line_of_comma} (JSON allows no comma after the last entry)")
    if msg.startswith("Unexpected UTF-8 BOM"):
        return f"a second byte order mark at {where}: save the file again as plain UTF-8"
    if msg.startswith("Invalid control character"):
        if char == "\n":
            return (f"a text in double quotes runs past the end of line {exc.lineno}: add its closing quote \" "
                    "(or write a line break inside a text as \\n)")
        return f"a tab or control character inside a text at {where}: write a tab as \\t, or remove it"
    if msg.startswith("Invalid \\escape") or msg.startswith("Invalid \\u"):
        return (f"a backslash at {where} starts no known escape: write a backslash as \\\\ (e.g. in Windows "
                "paths), or use \\n, \\t, \\\" or \\uXXXX")
    if msg.startswith("Extra data"):
        return (f"more follows the end of the JSON object at {where}: a file holds one object {{ … }}; "
                "remove what follows (a stray } or a second object?)")
    if text.startswith("//", pos) or text.startswith("/*", pos):
        return f"a comment at {where}: JSON has no comments; remove it"
    if char == "'":
        return f"single quotes at {where}: JSON texts and keys are written in double quotes \"…\""
    if msg.startswith(("Expecting ','", "Expecting ':'")) and (char.isalnum() or char == "_"):
        # `"city": "Graz, "country"`: the text ran on to the next quote, then a bare word
        return (f"a closing quote \" is missing in the text before line {exc.lineno}, column {exc.colno} "
                "(the text ran on into what follows): add it where the text ends")
    if msg.startswith("Expecting property name"):
        return f"a key without double quotes at {where}: write every key in double quotes, like \"name\":"
    if msg.startswith("Expecting ':'"):
        return (f"a ':' is missing at {where}: write a key, a colon and its value (\"key\": value); or a "
                "quote \" is missing in the text before it")
    if msg.startswith("Expecting ','"):
        return (f"a comma is missing at {where} (between two entries), or a quote \" is missing in "
                "the text before it")
    if msg.startswith("Expecting value"):
        word = re.match(r"[A-Za-z_]+", text[pos:pos + 40])
        if word and word.group() in {"True", "False", "None", "TRUE", "FALSE", "NULL", "Null"}:
            return f"{word.group()} at {where}: write true, false or null in lower case"
        if word:
            return (f"the word {shown(word.group())} at {where} is not in double quotes: write texts as "
                    "\"…\" (values are texts in quotes, numbers, true, false, null, { … } or [ … ])")
        return (f"a value is missing or malformed at {where}: write a text in double quotes, a number, "
                "true, false, null, { … } or [ … ]")
    return f"{_capped(msg, 80)} at {where}"


def read_json(path: Path, name: str, problems: list[Problem], inside: tuple[Path, ...] = ()) -> SourceFile | None:
    """Parse one file; on any problem append it to `problems` and return None."""
    if not inside:
        inside = (path.parent.resolve(),)
    raw = _read_bytes(path, inside)
    if isinstance(raw, str):
        problems.append(Problem(name, "", raw))
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append(Problem(name, "", "is saved as UTF-16 ('Unicode' in Windows Notepad): save it as UTF-8"))
        return None
    if raw.startswith(b"\xef\xbb\xbf"):  # a byte order mark, as Windows Notepad writes: harmless
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(name, "", f"is not UTF-8 text ({exc.reason} at line {line}): save it as UTF-8"))
        return None
    try:
        data = _strict_loads(text)
        refused = list(_value_problems(data))
    except json.JSONDecodeError as exc:
        problems.append(Problem(name, "", f"is not valid JSON: {_syntax_error(text, exc)}"))
        return None
    except RecursionError:
        problems.append(Problem(name, "", "is nested too deeply to be a mobility or cohort file"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(name, "", f"must contain one JSON object {{ … }}, not {_type_name(data)}"))
        return None
    if refused:
        lines = _lines(text)
        for ptr, why in refused:
            found = lines.get(ptr, [])
            line = found[-1] if "appears twice" in why else found[0] if found else None
            problems.append(Problem(name, ptr, f"{why} (line {line})" if line else why))
        return None
    return SourceFile(path, name, data)


# --- the cohort folder --------------------------------------------------------------

EDITOR_LEFTOVERS = re.compile(r"(~|\.swp|\.swo|\.swx|\.bak|\.orig|\.tmp|#)$|^\.#|^#|^~\$", re.I)


def mobility_files(folder: Path, label) -> tuple[list[Path], list[Problem]]:
    """The mobility files to read (`*.json`, any case of the suffix), and a warning for
    every other entry of mobilities/ (a macOS `._x.json`, an editor's lock or backup,
    a folder), so that nothing is skipped silently."""
    directory = folder / MOBILITY_DIR
    paths: list[Path] = []
    notes: list[Problem] = []
    if not directory.is_dir():
        return paths, notes
    for entry in sorted(directory.iterdir()):
        name = entry.name
        note = lambda why: notes.append(Problem(label(entry), "", why, warning=True))  # noqa: E731
        if name in JUNK_FILES:
            continue
        if name.startswith("._"):
            note("is not read: a macOS metadata file (from a copy or a zip made on a Mac), not a mobility; "
                 "delete it")
        elif EDITOR_LEFTOVERS.search(name):
            note("is not read: an editor's lock or backup file; delete it once the editor is closed")
        elif name.startswith("."):
            note("is not read: a hidden file; rename it without the leading '.' if it is a mobility")
        elif name.lower().endswith(".json"):
            paths.append(entry)
        elif entry.is_dir() and not entry.is_symlink():
            note("is not read: a folder; put mobility files directly into mobilities/")
        else:
            note("is not read: mobility files end in .json; rename it if it is one")
    return paths, notes


def load_cohort(folder: Path) -> tuple[Cohort | None, list[Problem]]:
    """Parse and schema-check the cohort file and every mobility file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such cohort folder. A cohort is a folder like inputs/demo/.")
    cohort_path = folder / COHORT_FILE
    if not os.path.lexists(cohort_path):
        raise InputError(f"{folder}: has no {COHORT_FILE}. Put the learners' shared data there.")
    inside = (folder.resolve(), (folder / MOBILITY_DIR).resolve())
    problems: list[Problem] = []
    label = lambda p: str(p.relative_to(folder.parent)) if folder.parent != p else str(p)  # noqa: E731
    cohort_file = read_json(cohort_path, label(cohort_path), problems, inside)
    if cohort_file:
        problems += schema_problems("cohort", cohort_file)
    mobility_paths, notes = mobility_files(folder, label)
    problems += notes
    if not mobility_paths:
        problems.append(
            Problem(label(folder), "", f"has no mobility files: add {MOBILITY_DIR}/<mobility-id>.json")
        )
    mobilities = []
    for path in mobility_paths:
        source = read_json(path, label(path), problems, inside)
        if source:
            problems += schema_problems("mobility", source)
            mobilities.append(source)
    if cohort_file is None:
        return None, problems
    return Cohort(folder, cohort_file, mobilities), problems
