"""`make bench`: per-document render times and a cohort run, on synthetic learners.

Not a test (no assertions on speed: the machine is noisy); it prints figures to compare
within one run. Usage: python tests/benchmark.py [LEARNERS] (default 50).
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.context import build_context  # noqa: E402
from pipeline.formdefs import FORMS  # noqa: E402
from pipeline.generate import generate  # noqa: E402
from pipeline.i18n import translator  # noqa: E402
from pipeline.load import load_cohort  # noqa: E402
from pipeline.render_docx import render_docx  # noqa: E402
from pipeline.render_pdf import render_pdf  # noqa: E402
from pipeline.resolve import resolve  # noqa: E402

DEMO = ROOT / "inputs" / "demo"


def synthetic_cohort(folder: Path, learners: int) -> Path:
    """The demo cohort with its mobilities cloned to `learners` files."""
    (folder / "mobilities").mkdir(parents=True)
    shutil.copy(DEMO / "cohort.json", folder / "cohort.json")
    sources = sorted((DEMO / "mobilities").glob("*.json"))
    for i in range(learners):
        data = json.loads(sources[i % len(sources)].read_text(encoding="utf-8"))
        data["mobility_id"] = f"bench-{i:04d}"
        data["learner"]["family_name"] += f" {i}"
        (folder / "mobilities" / f"bench-{i:04d}.json").write_text(json.dumps(data, ensure_ascii=False),
                                                                     encoding="utf-8")
    return folder


def main(learners: int = 50) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cohort_dir = synthetic_cohort(Path(tmp) / "bench", learners)
        cohort, _ = load_cohort(cohort_dir)
        mobilities = [resolve(cohort, s) for s in cohort.mobilities]
        contexts = [build_context(form, m, translator(lang))
                    for m in mobilities[:20] for lang in m["languages"] for form in FORMS.values()]
        for ctx in contexts[:6]:  # warm-up: fonts, catalogs, compiled templates
            render_pdf(ctx)
            render_docx(ctx)
        print(f"Per document, CPU ms (median over {len(contexts) // 3} documents per cell):")
        print(f"{'form':<22}{'PDF':>8}{'DOCX':>8}")
        totals = {"pdf": 0.0, "docx": 0.0}
        for form in FORMS:
            row = []
            for name, render in (("pdf", render_pdf), ("docx", render_docx)):
                times = []
                for ctx in (c for c in contexts if c["form"]["id"] == form):
                    start = time.process_time()
                    render(ctx)
                    times.append((time.process_time() - start) * 1000)
                median = statistics.median(times)
                totals[name] += median
                row.append(median)
            print(f"{form:<22}{row[0]:>8.1f}{row[1]:>8.1f}")
        print(f"{'one learner, 1 lang':<22}{totals['pdf']:>8.1f}{totals['docx']:>8.1f}"
              f"   = {totals['pdf'] + totals['docx']:.0f} ms for 6 documents")

        out = Path(tmp) / "out"
        start = time.perf_counter()
        report = generate(cohort_dir, out)
        wall = time.perf_counter() - start
        documents = len(report.written)
        print(f"\nCohort run: {learners} learners, {documents} documents in {wall:.1f} s wall "
              f"({wall / learners * 1000:.0f} ms per learner, both languages, validation included)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
