"""The status report: the page as a browser reads and prints it, and the CSV as Excel reads it.

Chromium (Debian `chromium`, installed by .ci/run for the tests only) loads status.html
from the file system: `--dump-dom` gives the DOM it built, `--print-to-pdf` what it prints.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.recognition.report import STAGES, report_csv, report_html, write_report
from tests.conftest import require_tool, run

EVIL = 'Léa "Lou" <script>alert(1)</script> & Söhne'

DOCS = "../../outputs/demo"
RETURNED = "../../inputs/demo/returned"


def _form(generated=("de", "en"), returns=0, signed_by=(), errors=0, warnings=0, mobility="", form="", docs=True):
    return {
        "generated": list(generated),
        "returns": returns,
        "signed_by": list(signed_by),
        "errors": errors,
        "warnings": warnings,
        "documents": [f"{DOCS}/{mobility}/{form}.{lang}.pdf" for lang in generated] if docs else [],
        "returned": [f"{RETURNED}/{mobility}/{form}/{i:064x}/original.pdf" for i in range(1, returns + 1)],
    }


ROWS = [
    {
        "mobility": "gr01-duernberger", "learner": "Anaïs Dürnberger", "host": "Ξενοδοχείο Αιγαίο",
        "country": "GR", "stage": "signed",
        "forms": {
            "learning-agreement": _form(returns=1, signed_by=["learner", "home", "host"],
                                        mobility="gr01-duernberger", form="learning-agreement"),
            "skills-assessment": _form(returns=2, signed_by=["supervisor"], errors=1, warnings=3,
                                       mobility="gr01-duernberger", form="skills-assessment"),
        },
        "units": [{"unit": "ko04", "title": "KO-04 – Cold kitchen", "proposal": "pass",
                   "proposal_reason": "all health and safety criteria rated; no rating below 1",
                   "decision": None, "points": None}],
        "findings": [
            {"severity": "error", "form": "skills-assessment", "field": "sa_ko04_c03",
             "message": "criterion 3 is not rated: ask the supervisor to rate it or mark it n/a"},
            {"severity": "warning", "form": "skills-assessment", "field": "sa_comments",
             "message": "the comments box is empty"},
        ],
    },
    {
        "mobility": "fr02-evil", "learner": EVIL, "host": "Café <b>Rive</b> & Fils", "country": "FR",
        "stage": "recognised",
        "forms": {f: _form(generated=["fr"], returns=1, signed_by=["home", "host"], mobility="fr02-evil", form=f)
                  for f in ("learning-agreement", "skills-assessment", "personal-transcript")},
        "units": [
            {"unit": "ko04", "title": "KO-04 – Cold kitchen", "proposal": "pass", "proposal_reason": "all rated",
             "decision": "recognised", "points": 4},
            {"unit": "ko05", "title": "KO-05 – Pastry", "proposal": "pass", "proposal_reason": "all rated",
             "decision": "recognised", "points": 2.5},
            {"unit": "ko06", "title": "KO-06 – Service", "proposal": "fail", "proposal_reason": "a rating below 1",
             "decision": "refused", "points": None},
        ],
        "findings": [],
    },
    {
        "mobility": "es03-garcia", "learner": "José García-Núñez", "host": "=HYPERLINK(\"x\")", "country": "ES",
        "stage": "generated",
        "forms": {"learning-agreement": _form(generated=["es"], mobility="es03-garcia", form="learning-agreement",
                                              docs=False)},
        "units": [],
        "findings": [],
    },
]


@pytest.fixture
def report(tmp_path) -> tuple[Path, Path]:
    out_dir = tmp_path / "reports" / "demo"
    # two of the linked documents exist, as the generator would have left them
    for rel in ROWS[0]["forms"]["skills-assessment"]["documents"]:
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"%PDF-1.7\n")
    return write_report(ROWS, "Status – Cohort 2025 <demo> & co", out_dir)


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    pytest.skip("chromium is not installed (apt-get install chromium)")


def run_chromium(*args: str, profile: Path) -> str:
    return subprocess.run([chromium(), "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                           f"--user-data-dir={profile}", *args],
                          check=True, capture_output=True, text=True, timeout=120).stdout


class DomReader(HTMLParser):
    """What the tests need from the dumped DOM: the summary's and the learner rows' attributes,
    every element name, and the text of each learner row's header cell."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.summary: dict[str, str] = {}
        self.rows: list[dict[str, str]] = []
        self.names: list[str] = []
        self.tags: list[str] = []
        self.links: list[str] = []
        self._in_table = self._in_name = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if attrs.get("id") == "summary":
            self.summary = attrs
        if tag == "table" and attrs.get("id") == "learners":
            self._in_table = True
        if self._in_table and tag == "tr" and "data-mobility" in attrs:
            self.rows.append(attrs)
        if self.rows and tag == "th" and attrs.get("scope") == "row":
            self._in_name = True
            self.names.append("")
        if self._in_name and tag in ("br", "span"):
            self._in_name = False
        if tag == "a":
            self.links.append(attrs.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        if tag == "th":
            self._in_name = False

    def handle_data(self, data):
        if self._in_name:
            self.names[-1] += data


def test_page_is_self_contained(report):
    page = report[0].read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page and '<meta charset="utf-8">' in page
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert not re.search(r"\b(src|srcset)=|https?://|@import|url\(", page), "nothing may be fetched"
    assert "@media print" in page and "break-inside: avoid" in page and "A4 landscape" in page
    assert "<caption>" in page and 'scope="col"' in page and 'scope="row"' in page
    # same rows → same page; the missing document is flagged, the existing ones are not
    assert report_html(ROWS, "Status – Cohort 2025 <demo> & co", report[0].parent) == page
    # only gr01's two skills-assessment PDFs exist: its 2 LA PDFs and 3 returns, fr02's 3 PDFs
    # and 3 returns are flagged
    assert page.count("(missing)") == 2 + 3 + 3 + 3


def test_chromium_reads_the_page(report, tmp_path):
    started = time.monotonic()
    dom = run_chromium("--dump-dom", report[0].resolve().as_uri(), profile=tmp_path / "profile")
    elapsed = time.monotonic() - started
    reader = DomReader()
    reader.feed(dom)

    assert [(r["data-mobility"], r["data-stage"]) for r in reader.rows] == [
        ("gr01-duernberger", "signed"), ("fr02-evil", "recognised"), ("es03-garcia", "generated")]
    assert len(reader.rows) == 3
    assert {k: reader.summary[k] for k in ("data-learners", *(f"data-{s}" for s in STAGES))} == {
        "data-learners": "3", "data-generated": "3", "data-returned": "2", "data-signed": "2",
        "data-validated": "1", "data-recognised": "1"}
    assert "3 learners · generated 3 · returned 2 · signed 2 · validated 1 · recognised 1" in dom
    # the name is text, not markup: no script or b element in the DOM Chromium built
    assert "script" not in reader.tags and "b" not in reader.tags
    assert EVIL in [name.strip() for name in reader.names]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Söhne" in dom
    assert "Ξενοδοχείο Αιγαίο" in dom and "Anaïs Dürnberger" in dom
    # links are the given relative paths, unchanged by the browser
    assert f"{DOCS}/gr01-duernberger/skills-assessment.en.pdf" in reader.links
    assert f"{RETURNED}/fr02-evil/personal-transcript/{1:064x}/original.pdf" in reader.links
    print(f"chromium --dump-dom: {elapsed:.2f} s")


def test_chromium_prints_the_page(report, tmp_path):
    pdf = tmp_path / "status.pdf"
    started = time.monotonic()
    run_chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", report[0].resolve().as_uri(),
                 profile=tmp_path / "profile")
    elapsed = time.monotonic() - started
    assert pdf.read_bytes().startswith(b"%PDF")
    require_tool("pdftotext")
    # a name wrapped in its cell comes back split or de-hyphenated: compare without either
    squeeze = lambda s: re.sub(r"[\s-]+", "", s)  # noqa: E731
    text = squeeze(run("pdftotext", "-enc", "UTF-8", str(pdf), "-"))
    for name in ("Anaïs Dürnberger", EVIL, "José García-Núñez", "Ξενοδοχείο Αιγαίο"):
        assert squeeze(name) in text, name
    # the printed findings (closed <details> on screen) and no URL after a link
    assert "criterion3isnotrated" in text and "../../" not in text
    if shutil.which("pdfinfo"):
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", run("pdfinfo", str(pdf)))
        width, height = float(size[1]), float(size[2])
        assert (round(width), round(height)) == (842, 595), "A4 landscape"
    print(f"chromium --print-to-pdf: {elapsed:.2f} s")


def test_csv(report):
    data = report[1].read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 4 and b"\n" not in data.replace(b"\r\n", b"")
    table = list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"), newline="")))
    forms = ("learning-agreement", "skills-assessment", "personal-transcript")
    assert list(table[0]) == ["mobility", "learner", "host", "country", "stage",
                              *(c for f in forms for c in (f"{f} returns", f"{f} signed by")),
                              "errors", "warnings", "units recognised", "units refused", "units pending",
                              "points recognised"]
    gr, fr, es = table
    assert (gr["mobility"], gr["learner"], gr["host"], gr["stage"]) == (
        "gr01-duernberger", "Anaïs Dürnberger", "Ξενοδοχείο Αιγαίο", "signed")
    assert (gr["skills-assessment returns"], gr["skills-assessment signed by"]) == ("2", "supervisor")
    assert (gr["learning-agreement signed by"], gr["personal-transcript returns"]) == ("learner, home, host", "0")
    assert (gr["errors"], gr["warnings"], gr["units pending"], gr["points recognised"]) == ("1", "3", "1", "0")
    assert (fr["learner"], fr["host"], fr["stage"]) == (EVIL, "Café <b>Rive</b> & Fils", "recognised")
    assert (fr["units recognised"], fr["units refused"], fr["units pending"], fr["points recognised"]) == (
        "2", "1", "0", "6.5")
    # a cell Excel would run as a formula is quoted with '
    assert (es["host"], es["stage"], es["learning-agreement returns"]) == ("'=HYPERLINK(\"x\")", "generated", "0")

    # deterministic: the same rows give the same bytes, and write_report leaves the file alone
    mtime = report[1].stat().st_mtime_ns
    again = write_report(ROWS, "Status – Cohort 2025 <demo> & co", report[1].parent)
    assert again == report and report[1].read_bytes() == data and report[1].stat().st_mtime_ns == mtime
    assert report_csv([dict(r) for r in ROWS]).encode("utf-8-sig") == data


def test_unknown_stage_is_refused(tmp_path):
    with pytest.raises(ValueError, match="'fr02-evil'.*'approved'"):
        write_report([{**ROWS[1], "stage": "approved"}], "t", tmp_path)
    assert not list(tmp_path.iterdir())
