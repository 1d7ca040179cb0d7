"""Hostile or broken input ends in one clear line per problem (file, JSON pointer, what is
wrong, how to fix it) and exit status 1: never a traceback, never a hang.

Each folder in fixtures/bad-input/ holds the files that differ from the minimal cohort
(a mobilities/m1.json or a cohort.json) and is named for the failure. Pipes, devices,
links, oversized files and editor leftovers are made by the tests themselves."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import load
from pipeline.cli import main
from tests.conftest import MINIMAL, ROOT

BAD = Path(__file__).resolve().parent / "fixtures" / "bad-input"
M1 = "case/mobilities/m1.json"


def cohort(tmp_path: Path, case: str | None = None) -> Path:
    """The minimal cohort with the fixture's files laid over it."""
    folder = tmp_path / "case"
    shutil.copytree(MINIMAL, folder)
    if case:
        shutil.copytree(BAD / case, folder, dirs_exist_ok=True)
    return folder


def invoke(*args: str, code: int = 1) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    # A user error exits through SystemExit(1); any other exception would be a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def validate(folder: Path, code: int = 1) -> str:
    return invoke("validate", folder, code=code)


def no_python_wording(out: str) -> None:
    for phrase in ("Expecting", "enclosed in double quotes", "starting at at", "delimiter"):
        assert phrase not in out


# 1. Regular files only -------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_named_pipe_is_refused_without_hanging(tmp_path):
    folder = cohort(tmp_path)
    os.mkfifo(folder / "mobilities" / "m2.json")
    done = subprocess.run([sys.executable, "-m", "pipeline", "validate", str(folder)], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "case/mobilities/m2.json: /: is a named pipe (FIFO), not a file" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("target", ["/dev/zero", "/etc/passwd"])
def test_a_link_out_of_the_cohort_folder_is_refused(tmp_path, target):
    if not Path(target).exists():
        pytest.skip(f"{target} does not exist here")
    folder = cohort(tmp_path)
    (folder / "mobilities" / "m2.json").symlink_to(target)
    out = validate(folder)
    assert f"case/mobilities/m2.json: /: is a link to {Path(target).resolve()}, outside the cohort folder" in out
    assert "copy the file into the cohort folder" in out


def test_a_link_inside_the_cohort_folder_is_read(tmp_path):
    folder = cohort(tmp_path)
    (folder / "m1.json").write_bytes((folder / "mobilities" / "m1.json").read_bytes())
    (folder / "mobilities" / "m1.json").unlink()
    (folder / "mobilities" / "m1.json").symlink_to(folder / "m1.json")
    assert "1 mobilities are valid" in validate(folder, code=0)


def test_a_device_is_refused(tmp_path):
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null")
    folder = cohort(tmp_path)
    # a link inside the folder to a link to the device: the device is what is refused
    (folder / "null").symlink_to("/dev/null")
    (folder / "mobilities" / "m2.json").symlink_to(folder / "null")
    out = validate(folder)
    assert "case/mobilities/m2.json: /: is a link to /dev/null, outside the cohort folder" in out


def test_a_device_is_not_opened():
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null")
    assert load._read_bytes(Path("/dev/null"), (Path("/dev"),)).startswith("is a device, not a file")


def test_a_folder_named_json_is_refused(tmp_path):
    folder = cohort(tmp_path)
    (folder / "mobilities" / "m2.json").mkdir()
    assert "case/mobilities/m2.json: /: is a folder, not a file" in validate(folder)


def test_a_file_over_the_size_limit_is_not_read(tmp_path):
    folder = cohort(tmp_path)
    with open(folder / "mobilities" / "m2.json", "wb") as big:
        big.truncate(load.MAX_FILE_BYTES + 1)  # sparse: no 5 MB written
    out = validate(folder)
    assert "case/mobilities/m2.json: /: is 5.0 MB" in out
    assert f"files over {load.MAX_FILE_BYTES // 1024 // 1024} MB are not read" in out


def test_a_cohort_json_that_is_a_pipe_is_refused(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this system")
    folder = cohort(tmp_path)
    (folder / "cohort.json").unlink()
    os.mkfifo(folder / "cohort.json")
    done = subprocess.run([sys.executable, "-m", "pipeline", "validate", str(folder)], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "case/cohort.json: /: is a named pipe (FIFO), not a file" in done.stdout + done.stderr


# 2. JSON parsing -------------------------------------------------------------------

@pytest.mark.parametrize("case, expected", [
    ("nan", f"{M1}: /planned_ecvet_points: NaN is not a number in JSON: write a number, or null if there is "
            "none (line 15)"),
    ("infinity", f"{M1}: /planned_ecvet_points: -Infinity is not a number in JSON"),
    ("duplicate-key", f"{M1}: /units: the key 'units' appears twice in this object (only the last one would "
                      "count): keep one (line 15)"),
    ("huge-integer", f"{M1}: /planned_ecvet_points: a number with 5000 digits: write a number of normal size"),
    ("lone-surrogate", f"{M1}: /learner/guardian/relationship/en: contains \\ud800, half of a UTF-16 "
                       "surrogate pair without its other half"),
])
def test_json_python_accepts_but_the_format_refuses(tmp_path, case, expected):
    out = validate(cohort(tmp_path, case))
    assert expected in out
    assert "(line " in out


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    assert "1 mobilities are valid" in validate(cohort(tmp_path, "utf8-bom"), code=0)


@pytest.mark.parametrize("case, expected", [
    ("trailing-comma", f"{M1}: /: is not valid JSON: a trailing comma before '}}' at line 16, column 120: "
                       "remove the comma at the end of line 16"),
    ("missing-quote", f"{M1}: /: is not valid JSON: a closing quote \" is missing in the text before line 6, "
                      "column 89"),
    ("truncated", f"{M1}: /: is not valid JSON: the file ends at line 14, column 3 before the data is "
                  "complete"),
])
def test_syntax_errors_in_plain_words(tmp_path, case, expected):
    out = validate(cohort(tmp_path, case))
    assert expected in out
    no_python_wording(out)


@pytest.mark.parametrize("text, expected", [
    ("", "is empty"),
    ("{'a': 1}", "single quotes at line 1, column 2"),
    ('{"a": True}', "True at line 1, column 7: write true, false or null in lower case"),
    ('{"a": 1, // note\n}', "a comment at line 1, column 10: JSON has no comments"),
    ('{"a": "C:\\Users"}', "a backslash at line 1, column 10 starts no known escape"),
    ('{"a": 1}}', "more follows the end of the JSON object at line 1, column 9"),
    ('{"a": "x" "b": 1}', "a comma is missing at line 1, column 11"),
    ('{"a": "x\n}', "a text in double quotes runs past the end of line 1: add its closing quote"),
    ("\ufeff\ufeff{}", "a second byte order mark at line 1, column 1"),
])
def test_other_syntax_errors_in_plain_words(tmp_path, text, expected):
    folder = cohort(tmp_path)
    (folder / "mobilities" / "m1.json").write_text(text, encoding="utf-8")
    out = validate(folder)
    assert f"{M1}: /: is not valid JSON: {expected}" in out or f"{M1}: /: {expected}" in out
    no_python_wording(out)


def test_utf16_is_explained(tmp_path):
    folder = cohort(tmp_path)
    path = folder / "mobilities" / "m1.json"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    assert f"{M1}: /: is saved as UTF-16" in validate(folder)


# 3. Which files are read -----------------------------------------------------------

def test_an_upper_case_suffix_is_read(tmp_path):
    assert "2 mobilities are valid" in validate(cohort(tmp_path, "upper-case-suffix"), code=0)


def test_editor_and_macos_leftovers_are_named_not_read(tmp_path):
    folder = cohort(tmp_path)
    mobilities = folder / "mobilities"
    (mobilities / "._m1.json").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
    (mobilities / ".#m1.json").symlink_to("user@host.1234:1700000000")  # Emacs' lock: a dangling link
    (mobilities / "m1.json~").write_text("{", encoding="utf-8")
    (mobilities / ".m1.json.swp").write_bytes(b"b0VIM 9.0")
    (mobilities / "notes.txt").write_text("to do", encoding="utf-8")
    out = validate(folder, code=0)
    assert "1 mobilities are valid" in out
    assert "case/mobilities/._m1.json: /: warning: is not read: a macOS metadata file" in out
    for name in (".#m1.json", "m1.json~", ".m1.json.swp"):
        assert f"case/mobilities/{name}: /: warning: is not read: an editor's lock or backup file" in out
    assert "case/mobilities/notes.txt: /: warning: is not read: mobility files end in .json" in out


# 4. Whole-string patterns ----------------------------------------------------------

@pytest.mark.parametrize("case, expected", [
    ("id-with-newline", f"{M1}: /mobility_id: 'm1\\n' does not match the pattern"),
    ("language-with-newline", f"{M1}: /languages/0: 'en\\n' does not match the pattern"),
    ("country-with-newline", "case/cohort.json: /organisations/0/address/country: 'AT\\n' does not match"),
])
def test_a_trailing_newline_does_not_pass_a_pattern(tmp_path, case, expected):
    out = validate(cohort(tmp_path, case))
    assert expected in out
    assert "it ends with a line break or space: remove it" in out


def test_patterns_mean_the_whole_string_like_in_ecmascript():
    assert load._ecma_pattern("^[a-z]{2,3}$") == r"^[a-z]{2,3}\Z"
    assert load._ecma_pattern(r"^[$\]]\$$") == r"^[$\]]\$\Z"


# 5. Every text that validates also renders -----------------------------------------

def test_long_criteria_and_outcomes_render(tmp_path):
    out = tmp_path / "out"
    result = invoke("generate", cohort(tmp_path, "long-texts"), "--out", out, code=0)
    assert "1 mobilities, 12 documents" in result  # 3 forms x 2 formats x en, de
    assert list((out / "case").rglob("skills-assessment.*.pdf"))


def test_a_heading_text_over_its_limit_is_a_schema_error(tmp_path):
    out = validate(cohort(tmp_path, "unit-title-too-long"))
    assert "case/cohort.json: /units/0/title: this object has the wrong shape: ['en']: is 700 characters long, " \
           "at most 200 fit on the forms" in out


def test_docx_template_markers_in_data_come_out_exactly(tmp_path):
    out = tmp_path / "out"
    invoke("generate", cohort(tmp_path, "docx-literal-markers"), "--out", out, "--format", "docx",
           "--form", "learning-agreement", "--lang", "en", code=0)
    document = next((out / "case").rglob("learning-agreement.en.docx"))
    xml = zipfile.ZipFile(io.BytesIO(document.read_bytes())).read("word/document.xml").decode("utf-8")
    assert "Menu codes use {_{ dish }_} and {_% if %_} and the {{dish}} placeholder" in xml


# 6. No personal data in messages ---------------------------------------------------

def test_a_wrong_type_does_not_print_the_record(tmp_path):
    out = validate(cohort(tmp_path, "learner-not-an-object"))
    assert f"{M1}: /learner: is a list [ … ], but must be an object {{ … }}: change its type" in out
    for personal in ("Ελένη", "Žáková", "2010-05-01", "eleni@learner.example", "+43 660"):
        assert personal not in out


def test_an_echoed_value_is_cut_short(tmp_path):
    folder = cohort(tmp_path)
    path = folder / "mobilities" / "m1.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"gender": "female"', '"gender": "' + "x" * 500 + '"'),
                    encoding="utf-8")
    out = validate(folder)
    line = next(line for line in out.splitlines() if "/learner/gender" in line)
    assert "'" + "x" * 59 + "…' is not allowed" in line
    assert "x" * 61 not in line


# 7. One error per unknown language -------------------------------------------------

def test_an_unknown_language_is_one_error_not_a_warning_per_text(tmp_path):
    out = validate(cohort(tmp_path, "unknown-language"))
    assert f"{M1}: /languages/1: unknown language 'tlh'" in out
    assert "'tlh' version" not in out
    assert [line for line in out.splitlines() if line.startswith("case/")] == [
        line for line in out.splitlines() if "/languages/1" in line]


# 8. schema_version -----------------------------------------------------------------

def test_a_newer_schema_version_says_what_to_do(tmp_path):
    out = validate(cohort(tmp_path, "schema-version-2"))
    assert (f"{M1}: /schema_version: the file is written in input format version 2, but this ecvet-forms "
            in out)
    assert "reads input format version 1 only: update ecvet-forms" in out
    assert out.count("case/") == 1  # not also every difference of format 2


# 9. Exit status 1 for usage errors -------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["validate", "--bogus"], "No such option '--bogus'"),
    (["validate"], "Missing argument 'COHORT'"),
    (["generate", str(MINIMAL), "--form", "nope"], "Invalid value for '--form'"),
    (["i18n", "status", "--bogus"], "No such option '--bogus'"),
    (["no-such-command"], "No such command 'no-such-command'"),
])
def test_usage_errors_exit_1(args, message):
    assert message in invoke(*args, code=1)


def test_help_and_version_exit_0():
    assert "Usage:" in invoke("--help", code=0)
    assert "Usage:" in invoke("validate", "--help", code=0)
    assert "ecvet, version" in invoke("--version", code=0)


def test_usage_error_exit_1_from_the_command_line():
    done = subprocess.run([sys.executable, "-m", "pipeline", "generate", str(MINIMAL), "--format", "odt"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1
    assert "Invalid value for '--format'" in done.stderr


# 10. The corpus: one folder per case, checked through `generate` -------------------

def generate_refused(tmp_path: Path, case: str) -> str:
    """`ecvet generate` on the case: exit status 1, and not one document written."""
    out = tmp_path / "out"
    result = invoke("generate", cohort(tmp_path, case), "--out", out, code=1)
    assert "nothing was written" in result
    assert not out.exists() or not [p for p in out.rglob("*") if p.is_file()]
    return result


C = "case/cohort.json"


@pytest.mark.parametrize("case, expected", [
    # an unknown key: the closest allowed key is suggested
    ("unknown-key-learner", f"{M1}: /: Additional properties are not allowed ('learnre' was unexpected): remove it "
                            "or check its spelling; 'learnre' is not allowed here: did you mean 'learner'?"),
    ("unknown-key-start-date", f"{M1}: /period: Additional properties are not allowed ('start_dte' was unexpected): "
                               "remove it or check its spelling; 'start_dte' is not allowed here: did you mean "
                               "'start_date'?"),
    # Windows device names: the id becomes a folder name
    *[(f"reserved-id-{name.lower()}", f"{M1}: /mobility_id: '{name}' is a reserved device name on Windows: the "
                                      "mobility id becomes a folder name, which Windows cannot create or open; "
                                      "choose another id") for name in ("CON", "nul", "com1")],
    # path-like ids never pass the schema's pattern
    *[(case, f"{M1}: /mobility_id: '{mid}' does not match the pattern ^[A-Za-z0-9][A-Za-z0-9_-]{{0,63}}$: use only "
             "the characters the pattern allows")
      for case, mid in (("path-id-parent", "../x"), ("path-id-slash", "a/b"), ("path-id-hidden", ".hidden"))],
    # types, references, ids, dates, minors
    ("points-as-text", f"{C}: /units/0/ecvet_points: is a text in double quotes \"…\", but must be a number or "
                       "null: change its type"),
    ("unknown-unit", f"{M1}: /units/1: unknown unit 'sauces': use the id of one defined in cohort.json (pastry)"),
    ("duplicate-unit-id", f"{C}: /units/1/id: duplicate id 'pastry': ids must be unique within units"),
    ("impossible-date", f"{M1}: /period/start_date: '2027-02-30' is not a real calendar date: write it as "
                        "YYYY-MM-DD"),
    ("end-before-start", f"{M1}: /period/end_date: the mobility ends (2027-02-26) before it starts (2027-03-01): "
                         "swap or correct the dates"),
    ("minor-without-guardian", f"{M1}: /learner/guardian: the learner is 16 at the start (2027-03-01), a minor: "
                               "add a guardian with name, address, phone and e-mail (they sign the LA)"),
    # characters the documents cannot show: refused, never a silent wrong glyph
    ("control-character-bell", f"{M1}: /period/work_context/en: contains the control character U+0007: remove it"),
    ("control-character-escape", f"{C}: /units/0/title/en: contains the control character U+001B: remove it"),
    ("emoji-in-name", f"{M1}: /learner/given_name: contains '👍' (U+1F44D), which the forms' font (DejaVu Sans: "
                      "Latin, Greek, Cyrillic) cannot print: replace it or transliterate the text"),
    # malformed JSON: line and column
    ("single-quotes", f"{M1}: /: is not valid JSON: single quotes at line 5, column 102: JSON texts and keys are "
                      "written in double quotes \"…\""),
    ("comment", f"{M1}: /: is not valid JSON: a comment at line 14, column 3: JSON has no comments; remove it"),
    ("unquoted-key", f"{M1}: /: is not valid JSON: a key without double quotes at line 15, column 3: write every "
                     "key in double quotes, like \"name\":"),
    ("python-true", f"{M1}: /: is not valid JSON: True at line 15, column 12: write true, false or null in lower "
                    "case"),
])
def test_the_corpus_case_is_refused_with_its_message(tmp_path, case, expected):
    out = generate_refused(tmp_path, case)
    assert expected in out.splitlines(), out
    no_python_wording(out)


def test_an_unknown_key_far_from_any_allowed_one_gets_no_guess(tmp_path):
    folder = cohort(tmp_path)
    path = folder / "mobilities" / "m1.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"units": ["pastry"],', '"units": ["pastry"], "zzz": 1,'),
                    encoding="utf-8")
    out = validate(folder)
    assert f"{M1}: /: Additional properties are not allowed ('zzz' was unexpected): remove it or check its " \
           "spelling" in out.splitlines()
    assert "did you mean" not in out


@pytest.mark.parametrize("mid", ["CON", "Con", "aux", "PRN", "LPT9", "com9"])
def test_every_spelling_of_a_device_name_is_refused(tmp_path, mid):
    folder = cohort(tmp_path)
    path = folder / "mobilities" / "m1.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"mobility_id": "m1"', f'"mobility_id": "{mid}"'),
                    encoding="utf-8")
    assert f"{M1}: /mobility_id: '{mid}' is a reserved device name on Windows" in validate(folder)


@pytest.mark.parametrize("mid", ["console", "nul1", "com10", "con-1", "m1"])
def test_ids_that_only_resemble_a_device_name_pass(tmp_path, mid):
    folder = cohort(tmp_path)
    path = folder / "mobilities" / "m1.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"mobility_id": "m1"', f'"mobility_id": "{mid}"'),
                    encoding="utf-8")
    assert "1 mobilities are valid" in validate(folder, code=0)


SPECIAL = """& < > " ' {{ }} {% %} {_{ }_}"""
# which text of the special-characters fixture each English document shows
SHOWN_IN = {
    "learning-agreement": ("Name", "School", "Unit", "Outcome"),
    "personal-transcript": ("Name", "Unit", "Outcome"),
    "skills-assessment": ("Name", "School", "Unit", "Criterion"),
}


def _docx_text(path: Path) -> str:
    import docx  # python-docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_special_characters_in_every_kind_of_text_render_exactly(tmp_path):
    folder = cohort(tmp_path, "special-characters")
    assert "1 mobilities are valid" in validate(folder, code=0)
    out = tmp_path / "out"
    assert "1 mobilities, 12 documents" in invoke("generate", folder, "--out", out, code=0)
    have_pdftotext = shutil.which("pdftotext") is not None
    for form, labels in SHOWN_IN.items():
        texts = {"docx": _docx_text(out / "case" / "m1" / f"{form}.en.docx")}
        if have_pdftotext:
            texts["pdf"] = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(out / "case" / "m1" /
                                           f"{form}.en.pdf"), "-"], capture_output=True, text=True,
                                          check=True, timeout=120).stdout
        for kind, text in texts.items():
            flat = " ".join(text.split())  # a long value may wrap
            for label in labels:
                assert f"{label} {SPECIAL} en" in flat, (form, kind, label)
            for escaped in ("&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#x27;"):
                assert escaped not in flat, (form, kind, escaped)
