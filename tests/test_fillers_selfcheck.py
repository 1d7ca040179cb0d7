"""Self-check of tests/fillers.py: every independent filler stores every value it is given.

Each filler fills the Skills Assessment with text in every script a host may type and a
rating in every radio group; the result is read back with pikepdf alone (not with the tool
that wrote it) and must hold exactly those values.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from fillers import FILLERS

RATINGS = {
    "sa_pastry_c01": "1",
    "sa_pastry_c02": "2",
    "sa_pastry_c03": "3",
    "sa_pastry_c04": "not_assessed",
    "sa_pastry_c05": "2",
}
TEXTS = {
    # multi-line, every script: Turkish, Polish, Romanian (comma below), Czech, Greek, Cyrillic
    "sa_pastry_comments": (
        "İyi iş çıkardı; ışık, şeker, ğ — Türkçe.\n"
        "Łódź: żółć, źdźbło, ćma.\n"
        "Brașov: știe, țară (ș ț U+0219 U+021B).\n"
        "Řeřicha, věc.\n"
        "Ελληνικά: πολύ καλή δουλειά.\n"
        "Кириллица: очень хорошо, ёж & <tags> \"quotes\" 'apos'"
    ),
    "sa_supervisor_name": "Ayşe Yılmaz-Żółkiewska",
    "sa_supervisor_role": "Σεφ ζαχαροπλαστικής / Шеф-кондитер",
    "sa_supervisor_place": "Timișoara, Țara Bârsei — Hradec Králové, Třebíč",
    "sa_supervisor_date": "2025-06-30",
}
VALUES = {**RATINGS, **TEXTS}
SIZE_WARNING = re.compile(r"reported number of objects \((\d+)\) is not one plus the highest object number \((\d+)\)")


def _text(obj) -> str:
    return str(obj).replace("\r\n", "\n").replace("\r", "\n")


def read_back(path: Path) -> dict[str, list[str]]:
    """Field name -> the stored value(s), read with pikepdf alone.

    A text field gives str(/V). A radio group gives up to two readings, either of which
    counts: the parent's /V (a name, or a string as some tools write it), and the
    on-state of the kid whose /AS is not /Off (the one a viewer shows as selected).
    """
    found: dict[str, list[str]] = {}
    with pikepdf.open(path) as pdf:
        for field in pdf.Root.AcroForm.Fields:
            name = str(field.get("/T", ""))
            if field.get("/FT") == "/Btn" and "/Kids" in field:
                readings = []
                value = field.get("/V")
                if isinstance(value, pikepdf.Name) and value != "/Off":
                    readings.append(str(value)[1:])
                elif isinstance(value, pikepdf.String) and str(value) not in ("", "Off"):
                    readings.append(str(value))
                on = [str(k.AS)[1:] for k in field.Kids if k.get("/AS", pikepdf.Name.Off) != "/Off"]
                assert len(on) <= 1, f"{path.name}: {name} has several buttons on: {on}"
                readings += on
                if readings:
                    found[name] = readings
            elif "/V" in field:
                found[name] = [_text(field.V)]
    return found


@pytest.fixture(scope="module")
def skills_assessment(minimal_out: Path) -> Path:
    return next(minimal_out.glob("*/skills-assessment.en.pdf"))


@pytest.mark.parametrize("tool", list(FILLERS))
def test_filler_stores_every_value(tool: str, skills_assessment: Path, tmp_path: Path) -> None:
    dst = tmp_path / f"filled-{tool}.pdf"
    FILLERS[tool](skills_assessment, dst, dict(VALUES))

    stored = read_back(dst)
    for name, value in VALUES.items():
        assert value in stored.get(name, []), f"{tool}: {name}"
    # the filler left the rest alone: the hidden document id and the unsigned signature
    with pikepdf.open(skills_assessment) as pdf:
        original = {str(f.T): str(f.V) for f in pdf.Root.AcroForm.Fields if "/V" in f}
    assert stored["ecvet_document"] == [original["ecvet_document"]]
    assert "sa_sig_supervisor" not in stored

    qpdf = shutil.which("qpdf")
    if qpdf:
        check = subprocess.run([qpdf, "--check", str(dst)], capture_output=True, text=True, timeout=120)
        # exit 3: warnings only (qpdf still reads the file); 2: errors
        assert check.returncode in (0, 3), f"{tool}: qpdf --check\n{check.stdout}{check.stderr}"
        warnings = [line for line in check.stderr.splitlines() if line.startswith("WARNING")]
        if tool == "pypdf" and len(warnings) == 1 and SIZE_WARNING.search(warnings[0]):
            # pypdf's incremental writer gives its appended xref stream the next object
            # number (and counts it in /Size) but leaves that object out of the stream's
            # own /Index, so qpdf sees /Size = highest listed object + 2. Values are all
            # stored (checked above); readers, qpdf included, open the file.
            pytest.xfail(f"pypdf incremental save: xref stream omits its own entry ({warnings[0]})")
        assert check.returncode == 0, f"{tool}: qpdf --check warns\n{check.stdout}{check.stderr}"
