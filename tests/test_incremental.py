"""Incremental and parallel runs: --jobs 2 writes what --jobs 1 writes; an unchanged run
renders nothing; a changed mobility re-renders only its documents."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline import generate as generate_module
from pipeline.generate import generate
from tests.conftest import DEMO


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


@pytest.fixture
def demo(tmp_path) -> Path:
    folder = tmp_path / "inputs" / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("returned", "recognition"))
    return folder


def test_two_jobs_write_what_one_job_writes(demo, tmp_path):
    one = generate(demo, tmp_path / "one", jobs=1)
    two = generate(demo, tmp_path / "two", jobs=2)
    assert len(one.written) == len(two.written) == 84
    assert files(tmp_path / "one") == files(tmp_path / "two")


def test_an_unchanged_run_renders_nothing_and_a_changed_mobility_only_its_documents(demo, tmp_path, monkeypatch):
    out = tmp_path / "out"
    generate(demo, out, jobs=1)
    calls: list[str] = []
    counting = {fmt: (lambda render, fmt=fmt: lambda ctx: calls.append(ctx["mobility_id"]) or render(ctx))(render)
                for fmt, render in generate_module.RENDERERS.items()}
    monkeypatch.setattr(generate_module, "RENDERERS", counting)
    again = generate(demo, out, jobs=1)
    assert calls == [] and not again.written and len(again.skipped) == 84
    path = demo / "mobilities" / "gr01-duernberger.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["learner"]["email"] = "new.address@students.example.org"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    changed = generate(demo, out, jobs=1)
    assert set(calls) == {"gr01-duernberger"} and len(calls) == 12  # 3 forms × 2 languages × 2 formats
    assert {p.parent.name for p in changed.written} == {"gr01-duernberger"} and len(changed.skipped) == 72


def test_force_and_an_edited_output_render_again(demo, tmp_path):
    out = tmp_path / "out"
    generate(demo, out, jobs=1)
    edited = out / "demo" / "tr01-dogan" / "skills-assessment.en.pdf"
    original = edited.read_bytes()
    edited.write_bytes(b"edited by hand")
    run = generate(demo, out, jobs=1)
    assert run.written == [edited.resolve()] and edited.read_bytes() == original
    forced = generate(demo, out, jobs=1, force=True)
    assert not forced.skipped and len(forced.unchanged) == 84
