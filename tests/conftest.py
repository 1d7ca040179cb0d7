"""Shared fixtures: cohorts built once per session, and helpers for external tools."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from pipeline.generate import generate

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINIMAL = FIXTURES / "minimal"
DEMO = ROOT / "inputs" / "demo"


def require_tool(name: str) -> str:
    """The tool's path, or skip: a user's laptop may lack it; CI installs it (.ci/run)."""
    path = shutil.which(name)
    if not path:
        pytest.skip(f"{name} is not installed (apt-get install {TOOL_PACKAGES.get(name, name)})")
    return path


TOOL_PACKAGES = {"pdftotext": "poppler-utils", "pdftoppm": "poppler-utils", "pdftk": "pdftk-java", "qpdf": "qpdf"}


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120).stdout


PAGE_DECOR = re.compile(r"^\x0c?(ECVET · .*|(Page|Seite) \d+( (of|von) \d+)?)$", re.M)


def pdftotext(path: Path) -> str:
    """The page text in content-stream order (-raw), so a wrapped label is not interleaved
    with its value, and without the page footers, so text that flows over a page break
    reads as one."""
    require_tool("pdftotext")
    return PAGE_DECOR.sub("", run("pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"))


def printed_texts(ctx) -> list[str]:
    """Every label and agreed value a document of this context must show."""
    expected = [ctx["form"]["title"], *ctx["intro"]]
    for section in ctx["sections"]:
        expected.append(section["title"])
        for row in section["rows"]:
            expected += [row.get("label", ""), row.get("value", "")]
            expected += [f["label"] for f in row.get("fields", [])]
    return [e for e in expected if e]


def squash(text: str) -> str:
    """Whitespace-insensitive form for 'is this text on the page' checks."""
    return " ".join(text.split())


@pytest.fixture(scope="session")
def minimal_out(tmp_path_factory) -> Path:
    """All documents of the minimal fixture (a minor, an intermediary, Greek and Cyrillic)."""
    out = tmp_path_factory.mktemp("out")
    generate(MINIMAL, out)
    return out / "minimal"


@pytest.fixture(scope="session")
def demo_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(DEMO, out)
    return out / "demo"


@pytest.fixture
def make_cohort(tmp_path) -> Callable[..., Path]:
    """A copy of the minimal cohort, changed by `edit(cohort, mobility)` before writing."""

    def make(edit: Callable[[dict, dict], None] | None = None, name: str = "case") -> Path:
        folder = tmp_path / name
        shutil.copytree(MINIMAL, folder)
        cohort = json.loads((folder / "cohort.json").read_text(encoding="utf-8"))
        mobility = json.loads((folder / "mobilities" / "m1.json").read_text(encoding="utf-8"))
        if edit:
            edit(cohort, mobility)
        (folder / "cohort.json").write_text(json.dumps(cohort, ensure_ascii=False), encoding="utf-8")
        (folder / "mobilities" / "m1.json").write_text(json.dumps(mobility, ensure_ascii=False), encoding="utf-8")
        return folder

    return make


@pytest.fixture
def minimal_data() -> tuple[dict, dict]:
    cohort = json.loads((MINIMAL / "cohort.json").read_text(encoding="utf-8"))
    mobility = json.loads((MINIMAL / "mobilities" / "m1.json").read_text(encoding="utf-8"))
    return copy.deepcopy(cohort), copy.deepcopy(mobility)
