"""Hostile returned files: each is diagnosed within 5 s and 500 MB, never written to, and
`ecvet ingest` refuses it or stores its bytes unchanged. Plus a short fuzz run (tests/fuzz.py).

Run with -s to see the table of outcomes, times and the reading child's peak memory.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline.read.archive import RETURNED
from tests.conftest import ROOT
from tests.corpus import CASES, HUGE_JUNK, MANY_FIELDS, good_form, make_huge_file

MEMORY_MB, SECONDS = 500, 5.0
SLACK = 1.5  # seconds for starting and ending the child on top of its deadline

# case -> ("error", phrase in the message) or ("result", phrase in some problem, or "" for any result)
EXPECTED = {
    "encrypted": ("error", "protected with a password"),
    "owner_password_only": ("result", ""),
    "object_loop": ("result", ""),
    "reference_loop": ("result", ""),
    "field_tree_cycle": ("result", "not part of this form"),
    "deep_nesting": ("result", ""),
    "decompression_bomb": ("error", f"more than {MEMORY_MB} MB of memory"),
    "javascript": ("result", "JavaScript (never run)"),
    "xfa": ("result", "XFA"),
    "many_fields": ("result", "not part of this form"),
    "bad_utf16_values": ("result", "not valid text"),
    "huge_file": ("error", f"is {HUGE_JUNK >> 20} MB, more than any returned form"),
}

# One case per process, so RUSAGE_CHILDREN's peak is the reading child's own.
MEASURE = textwrap.dedent("""
    import json, resource, sys, time, traceback
    from pathlib import Path
    from pipeline.read.batch import read_files
    from pipeline.read.sandbox import Sandbox

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    out = {}
    try:
        with Sandbox(memory=int(sys.argv[2]) << 20, seconds=float(sys.argv[3])) as box:
            outcome = next(read_files([Path(sys.argv[1])], sandbox=box))
        out["error"] = outcome.error
        out["problems"] = None if outcome.result is None else [p["message"] for p in outcome.result["problems"]]
    except BaseException:
        out["escaped"] = traceback.format_exc()
    out["seconds"] = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out["child_mb"] = after / 1024 if after > before else None  # kB on Linux
    print(json.dumps(out))
""")


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture(scope="module")
def hostile(minimal_out, tmp_path_factory):
    """{case: path}, the 100 MB file deleted afterwards."""
    folder = tmp_path_factory.mktemp("hostile")
    paths = {}
    for case in EXPECTED:
        good = minimal_out / "m1" / f"{good_form(case)}.en.pdf"
        build = make_huge_file if case == "huge_file" else CASES[case]
        paths[case] = build(good, folder / f"{case}.pdf")
    yield paths
    for path in paths.values():
        path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def measured(hostile):
    """{case: (outcome, sha256 before, sha256 after)}, and the table printed."""
    rows = {}
    for case, path in hostile.items():
        before = _sha(path)
        done = subprocess.run([sys.executable, "-c", MEASURE, str(path), str(MEMORY_MB), str(SECONDS)],
                              capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert done.returncode == 0, (case, done.stderr[-2000:])
        rows[case] = (json.loads(done.stdout.splitlines()[-1]), before, _sha(path))
    lines = [f"{'case':22} {'outcome':64} {'s':>6} {'MB':>6}"]
    for case, (out, _, _) in rows.items():
        if out.get("escaped"):
            what = "ESCAPED " + out["escaped"].strip().splitlines()[-1]
        elif out["error"]:
            what = "refused: " + out["error"]
        else:
            hint = EXPECTED[case][1]
            shown = next((p for p in out["problems"] if hint and hint in p), out["problems"][0] if out["problems"] else "")
            what = f"result, {len(out['problems'])} problems: {shown}"
        mb = "?" if out["child_mb"] is None else f"{out['child_mb']:.0f}"
        lines.append(f"{case:22} {what[:64]:64} {out['seconds']:6.2f} {mb:>6}")
    print("\n" + "\n".join(lines))
    return rows


@pytest.mark.parametrize("case", list(EXPECTED))
def test_each_hostile_file_is_diagnosed_within_5_s_and_500_mb(measured, case):
    out, _, _ = measured[case]
    assert "escaped" not in out, out.get("escaped")
    kind, phrase = EXPECTED[case]
    if kind == "error":
        assert out["error"] and phrase in out["error"], out
    else:
        assert out["error"] is None, out["error"]
        assert out["problems"], "a hostile file read without any problem"
        assert any(phrase in p for p in out["problems"]), out["problems"][:5]
    for text in [out["error"] or "", *(out["problems"] or [])]:
        assert "error in ecvet-forms" not in text and "Traceback" not in text
    assert out["seconds"] < SECONDS + SLACK, out["seconds"]
    if out["child_mb"] is not None:
        assert out["child_mb"] <= MEMORY_MB


@pytest.mark.parametrize("case", list(EXPECTED))
def test_reading_never_writes_the_file(measured, case):
    _, before, after = measured[case]
    assert before == after


def test_many_fields_are_each_reported_once(measured):
    problems = measured["many_fields"][0]["problems"]
    assert sum("not part of this form" in p for p in problems) == MANY_FIELDS


def test_ingest_refuses_each_or_stores_its_bytes_unchanged(hostile, make_cohort):
    cohort = make_cohort()
    shas = {case: _sha(path) for case, path in hostile.items()}
    done = subprocess.run([sys.executable, "-m", "pipeline", "ingest", str(cohort), *map(str, hostile.values())],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert "Traceback" not in done.stderr and "error in ecvet-forms" not in done.stderr, done.stderr[-3000:]
    refused = {case for case, path in hostile.items() if f"{path}: " in done.stderr}
    archive = cohort / RETURNED
    stored = {}
    for original in archive.rglob("original.*"):
        folder = original.parent
        assert not folder.name.startswith(".staging-"), "a staging folder was left behind"
        assert (folder / "read.json").is_file()
        assert _sha(original) == folder.name  # content-addressed, bytes unchanged
        stored[folder.name] = original
    for case, sha in shas.items():
        assert (case in refused) != (sha in stored), (case, case in refused, sha in stored)
        assert _sha(hostile[case]) == sha  # the input was never written to
    assert {c for c, (kind, _) in EXPECTED.items() if kind == "error"} <= refused
    assert not list(archive.glob(".staging-*"))
    print(f"\ningest: {len(stored)} stored, refused: {', '.join(sorted(refused))}")


def test_fuzz_smoke():
    """A few hundred mutants of real returns (fixed seed): none crashes the reader."""
    from tests.fuzz import fuzz

    # A case count, not a time budget, so a loaded CI machine runs the same cases.
    stats = fuzz(seconds=300, seed=20270409, max_cases=300, log=lambda *a: None)
    print("\n" + stats.summary(20270409))
    assert stats.cases == 300, stats.summary(20270409)
    assert not stats.crashes, stats.summary(20270409)


# ---------------------------------------------------------------- what the fuzzer found (fixed)


def _plain(good: Path) -> bytes:
    """The good form saved without object streams or compression, so bytes can be edited."""
    import io

    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(good) as pdf:
        pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable,
                 stream_decode_level=pikepdf.StreamDecodeLevel.generalized)
    return out.getvalue()


FDF_HEAD = b"%FDF-1.2\n1 0 obj\n<< /FDF << /Fields "
FDF_TAIL = b" >> >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
FOUND = {
    # pikepdf raises UnicodeDecodeError for str() of a name that is not UTF-8
    "ft_name_not_utf8": lambda good: _plain(good).replace(b"/FT /Tx", b"/FT /Tx#ff", 1),
    # ... and of a string with a UTF-8 BOM followed by invalid UTF-8
    "value_utf8_bom_invalid": lambda good: _plain(good).replace(b"/FT /Tx", b"/FT /Tx /V <efbbbfff28>", 1),
    # ElementTree raises LookupError for an unknown declared encoding
    "xfdf_unknown_encoding": lambda good: b'<?xml version="1.0" encoding="UTF-33"?>\n<xfdf/>',
    # pypdf's parser asks the FDF object table for .strict (duplicate key) and .xref (no endstream)
    "fdf_duplicate_key": lambda good: FDF_HEAD + b"[<< /T (a) /T (b) /V (x) >>]" + FDF_TAIL,
    "fdf_stream_without_end": lambda good: FDF_HEAD + b"[] >> /Length 3 >>\nstream\nabcdef\nendobj\n",
    # /Fields that is not an array: TypeError while walking; a huge /Length: LimitReachedError
    "fdf_fields_number": lambda good: FDF_HEAD + b"5" + FDF_TAIL,
    "fdf_huge_length": lambda good: FDF_HEAD + b"[] >> /Length 99999999999 >>\nstream\nx\nendstream\nendobj\n",
    "fdf_length_not_a_number": lambda good: b"%FDF-1.2\n2 0 obj\n<< /A 1 >>\nendobj\n" + FDF_HEAD
    + b"[] >> /Length 2 0 R >>\nstream\nabc\nendstream\nendobj\n",
}


@pytest.mark.parametrize("case", list(FOUND))
def test_what_the_fuzzer_found_is_diagnosed(case, minimal_out, tmp_path):
    from pipeline.read.batch import read_files

    path = tmp_path / f"{case}.{'xfdf' if 'xfdf' in case else 'fdf' if 'fdf' in case else 'pdf'}"
    path.write_bytes(FOUND[case](minimal_out / "m1" / "learning-agreement.en.pdf"))
    outcome = next(read_files([path]))
    assert outcome.error is not None or outcome.result["problems"]
    assert "error in ecvet-forms" not in (outcome.error or ""), outcome.error
