"""Page layout a person would accept, measured on the rendered PDFs with PyMuPDF (MuPDF):
headings never end a page, a unit's rows carry its title onto every page they run over,
signature blocks never split, no page is nearly empty but the last, table edges align,
and every page says "Page X of Y"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.generate import generate
from tests.conftest import DEMO

pymupdf = pytest.importorskip("pymupdf")

MARGIN = 18 * 72 / 25.4
BOTTOM = MARGIN + 4 * 72 / 25.4  # the frame's bottom margin; the footer sits below it
HEADING = re.compile(r"^\d+(\.\d+)?\.? \S")
LONG = "Prepares, portions and plates dishes to the recipe and the agreed standard, in time. " * 5


def long_texts(cohort: dict, mobility: dict) -> None:
    """Three units with long outcomes and 40 long criteria each, long activities."""
    base = cohort["units"][0]
    base["learning_outcomes"] = [{"kind": k, "text": {"en": f"{k}: {LONG}", "de": f"{k}: {LONG}"}}
                                 for k in ("knowledge", "skill", "competence") * 3]
    cohort["units"] += [{**base, "id": f"pastry{i}", "code": f"U{i}"} for i in (2, 3)]
    cohort["criteria_sets"][0]["groups"] = [
        {"kind": kind, "criteria": [{"en": f"{n}. {LONG[:160]}", "de": f"{n}. {LONG[:160]}"} for n in range(8)]}
        for kind in ("health_safety", "language", "social", "professional", "other")]
    mobility["units"] = ["pastry", "pastry2", "pastry3"]
    mobility.pop("planned_ecvet_points", None)
    mobility["learning_activities"] = {"en": LONG * 14, "de": LONG * 14}


@pytest.fixture(scope="module")
def long_out(tmp_path_factory) -> Path:
    import json
    import shutil

    from tests.conftest import MINIMAL

    folder = tmp_path_factory.mktemp("long") / "long"
    shutil.copytree(MINIMAL, folder)
    cohort = json.loads((folder / "cohort.json").read_text(encoding="utf-8"))
    mobility = json.loads((folder / "mobilities" / "m1.json").read_text(encoding="utf-8"))
    long_texts(cohort, mobility)
    (folder / "cohort.json").write_text(json.dumps(cohort, ensure_ascii=False), encoding="utf-8")
    (folder / "mobilities" / "m1.json").write_text(json.dumps(mobility, ensure_ascii=False), encoding="utf-8")
    out = folder.parent / "out"
    generate(folder, out, formats=["pdf"])
    return out / "long"


def documents(request) -> list[Path]:
    out = request.getfixturevalue(request.param)
    return sorted(out.glob("*/*.pdf"))


@pytest.fixture(params=["demo_out", "long_out"])
def pdfs(request) -> list[Path]:
    return documents(request)


def lines(page) -> list[tuple[float, float, str, bool]]:
    """(top, bottom, text, is_bold_heading) of each text line in the frame, top to bottom."""
    out = []
    height = page.rect.height
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            spans = [s for s in line["spans"] if s["text"].strip()]
            if not spans or line["bbox"][3] > height - BOTTOM + 1:
                continue
            text = "".join(s["text"] for s in spans).strip()
            bold = all("Bold" in s["font"] for s in spans)
            out.append((line["bbox"][1], line["bbox"][3], text, bold and spans[0]["size"] >= 10.5))
    return sorted(out)


def used(page) -> float:
    """How much of the frame's height the page's content fills."""
    bottom = page.rect.height - BOTTOM
    ys = [y1 for _, y1, _, _ in lines(page)]
    ys += [d["rect"].y1 for d in page.get_drawings() if d["rect"].y1 <= bottom + 1]
    return (max(ys, default=MARGIN) - MARGIN) / (bottom - MARGIN)


def test_every_page_says_page_x_of_y(pdfs):
    for path in pdfs:
        with pymupdf.open(path) as doc:
            for number, page in enumerate(doc, 1):
                text = page.get_text()
                assert re.search(rf"(Page|Seite) {number} (of|von) {doc.page_count}\b", text), (path, number)


def test_no_page_but_the_last_is_nearly_empty(pdfs):
    for path in pdfs:
        with pymupdf.open(path) as doc:
            for page in list(doc)[:-1]:
                assert used(page) >= 0.15, (path.parent.name, path.name, page.number + 1, used(page))


def test_headings_never_end_a_page(pdfs):
    for path in pdfs:
        with pymupdf.open(path) as doc:
            for page in list(doc)[:-1]:
                found = lines(page)
                assert found, (path, page.number)
                _top, _bottom, text, heading = found[-1]
                assert not (heading and HEADING.match(text)), (path.parent.name, path.name, page.number + 1, text)


def test_a_units_rows_show_its_title_on_every_page(pdfs):
    """Ratings (SA) and achieved-outcome fields (PT) of a unit: its title is on their page."""
    for path in pdfs:
        if path.name.startswith("learning-agreement"):
            continue
        with pymupdf.open(path) as doc:
            for page in doc:
                text = " ".join(page.get_text().split())
                for widget in page.widgets():
                    match = re.match(r"(?:sa|pt)_(.+?)_(c\d\d|achieved|points|comments)$", widget.field_name)
                    if match:
                        assert "Unit of learning outcomes" in text or "Einheit" in text, (path, page.number)
                        code = {"pastry": "U1", "pastry2": "U2", "pastry3": "U3"}.get(match.group(1))
                        if code:
                            assert f"{code} – " in text, (path.name, page.number + 1, widget.field_name)


def test_signature_blocks_never_split(pdfs):
    for path in pdfs:
        with pymupdf.open(path) as doc:
            pages: dict[str, set[int]] = {}
            for page in doc:
                for widget in page.widgets():
                    match = re.match(r"^(la|sa|pt)_(?:sig_)?(host|home|learner|intermediary|guardian|supervisor)"
                                     r"(?:_(name|role|place|date))?$", widget.field_name)
                    if match:
                        pages.setdefault(match.group(2), set()).add(page.number)
            assert pages and all(len(p) == 1 for p in pages.values()), (path, pages)


def test_table_edges_align(pdfs):
    """Everything drawn stays within the margins, and full-width tables start at the margin."""
    for path in pdfs:
        with pymupdf.open(path) as doc:
            for page in doc:
                right = page.rect.width - MARGIN
                for drawing in page.get_drawings():
                    rect = drawing["rect"]
                    assert rect.x0 >= MARGIN - 0.5 and rect.x1 <= right + 0.5, (path.name, page.number + 1, rect)
                    if rect.width > right - MARGIN - 2:
                        assert abs(rect.x0 - MARGIN) < 0.5, (path.name, page.number + 1, rect)


def test_demo_page_count(demo_out):
    """The demo's 42 PDFs took 164 pages before this layout, 150 after it."""
    total = 0
    for path in demo_out.glob("*/*.pdf"):
        with pymupdf.open(path) as doc:
            total += doc.page_count
    assert total <= 150, total


@pytest.fixture(scope="module")
def translated_sas(tmp_path_factory) -> list[Path]:
    """The demo's Skills Assessments in languages with long labels (where a unit ran over)."""
    out = tmp_path_factory.mktemp("translated")
    generate(DEMO, out, langs=["lt", "el", "de"], forms=["skills-assessment"], formats=["pdf"])
    return sorted(out.glob("demo/*/*.pdf"))


def test_a_comments_box_never_starts_a_page_alone(translated_sas, long_out):
    for path in [*translated_sas, *sorted(long_out.glob("*/skills-assessment.*.pdf"))]:
        with pymupdf.open(path) as doc:
            for page in doc:
                names = [w.field_name for w in page.widgets()]
                for name in (n for n in names if n.endswith("_comments")):
                    unit = name[len("sa_"):-len("_comments")]
                    assert any(re.fullmatch(rf"sa_{unit}_c\d\d", n) for n in names), (path.name, page.number + 1)
