"""Firefox's PDF engine, pdf.js, sees the same fields, values and text (tests/js)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from tests.conftest import require_tool, run, squash

JS = Path(__file__).resolve().parent / "js"


def pdfjs(path: Path) -> dict:
    node = shutil.which("node")
    if not node or not (JS / "node_modules" / "pdfjs-dist").is_dir():
        pytest.skip("pdf.js is not installed: install Node.js, then npm install --prefix tests/js")
    done = subprocess.run([node, str(JS / "fields.mjs"), str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_pdfjs_sees_every_field_and_the_printed_text(minimal_out):
    path = minimal_out / "m1" / "skills-assessment.en.pdf"
    seen = pdfjs(path)
    with pikepdf.open(path) as pdf:
        names = {str(f.T) for f in pdf.Root.AcroForm.Fields}
    assert set(seen["fields"]) == names
    buttons = [o for o in seen["fields"]["sa_pastry_c01"] if o["type"] == "radiobutton"]
    assert [b["exportValues"] for b in buttons] == ["1", "2", "3", "not_assessed"]
    assert all(b["value"] == "Off" for b in buttons)
    assert seen["fields"]["sa_sig_supervisor"][0]["type"] == "signature"
    assert "Ελένη Žáková-Łukasik" in squash(" ".join(seen["pages"]))


def test_pdfjs_reads_what_pdftk_filled(minimal_out, tmp_path):
    require_tool("pdftk")
    xfdf = tmp_path / "v.xfdf"
    xfdf.write_text('<?xml version="1.0" encoding="UTF-8"?><xfdf xmlns="http://ns.adobe.com/xfdf/"><fields>'
                    '<field name="sa_pastry_c05"><value>1</value></field>'
                    '<field name="sa_supervisor_place"><value>Θεσσαλονίκη</value></field>'
                    "</fields></xfdf>", encoding="utf-8")
    filled = tmp_path / "filled.pdf"
    run("pdftk", str(minimal_out / "m1" / "skills-assessment.en.pdf"), "fill_form", str(xfdf), "output",
        str(filled), "replacement_font", str(Path("forms/fonts/DejaVuSans.ttf").resolve()))
    fields = pdfjs(filled)["fields"]
    assert {o["value"] for o in fields["sa_pastry_c05"] if o["type"] == "radiobutton"} == {"1"}
    assert fields["sa_supervisor_place"][0]["value"] == "Θεσσαλονίκη"
