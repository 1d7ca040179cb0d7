"""`make bench`: per-document render times, a cohort run, and read-back times per returned
form (unsigned and signed), on synthetic learners.

Not a test (no assertions on speed: the machine is noisy); it prints figures to compare
within one run. Usage: python tests/benchmark.py [LEARNERS] (default 50).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
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
from pipeline.read.batch import read_files  # noqa: E402
from pipeline.read.document import read_bytes  # noqa: E402
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

        results: dict = {"per_document_ms": totals, "learners": learners}
        print(f"\nCohort runs: {learners} learners, both languages, validation included:")
        for jobs in (1, 2):
            out = Path(tmp) / f"out{jobs}"
            start = time.perf_counter()
            report = generate(cohort_dir, out, jobs=jobs)
            wall = time.perf_counter() - start
            again = time.perf_counter()
            rerun = generate(cohort_dir, out, jobs=jobs)
            rerun_wall = time.perf_counter() - again
            print(f"  --jobs {jobs}: {len(report.written)} documents in {wall:.1f} s wall "
                  f"({wall / learners * 1000:.0f} ms per learner); unchanged re-run {rerun_wall:.2f} s "
                  f"({len(rerun.skipped)} skipped)")
            results[f"jobs{jobs}"] = {"wall_s": round(wall, 2), "rerun_s": round(rerun_wall, 2)}
        sizes = {ext: statistics.mean(p.stat().st_size for p in out.rglob(f"*.{ext}")) / 1024 for ext in ("pdf", "docx")}
        print(f"Bytes per document: PDF {sizes['pdf']:.0f} KB, DOCX {sizes['docx']:.0f} KB")
        results["kb_per_document"] = {k: round(v, 1) for k, v in sizes.items()}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True, check=True)
        results["startup_help_s"] = round(time.perf_counter() - start, 3)
        print(f"Start-up: ecvet --help {results['startup_help_s']:.2f} s")
        pages_per_document(out)
        read_back(mobilities[0])
        target = ROOT / "outputs" / "bench.json"
        target.parent.mkdir(exist_ok=True)
        target.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        print(f"\nFigures written to {target.relative_to(ROOT)}")


def pages_per_document(out: Path) -> None:
    """Pages per PDF of the cohort run (the demo's 42 PDFs took 164 pages before the layout
    of the fidelity issue, 3.9 per document; tests/test_layout.py holds the demo to 150)."""
    import pikepdf

    counts: dict[str, list[int]] = {}
    for path in out.rglob("*.pdf"):
        with pikepdf.open(path) as pdf:
            counts.setdefault(path.name.split(".")[0], []).append(len(pdf.pages))
    print("\nPages per PDF: " + ", ".join(f"{form} {statistics.mean(n):.2f}" for form, n in sorted(counts.items())))


def filled(pdf: bytes, values: dict[str, str]) -> bytes:
    """A return as a library fills it (pypdf; radio values as names)."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.update_page_form_field_values(None, values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def signed(pdf: bytes, field: str):
    """`pdf` signed in `field` by a throwaway CA's signer, and that CA."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from tests.test_signing import make_certificates

    ca, cert, key = make_certificates()
    signer = signers.SimpleSigner(signing_cert=cert, signing_key=key,
                                  cert_registry=SimpleCertificateStore.from_certs([ca]))
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
                     signers.PdfSignatureMetadata(field_name=field), signer=signer, output=out)
    return out.getvalue(), ca


def median_ms(func, runs: int = 25) -> float:
    func()  # warm-up
    times = []
    for _ in range(runs):
        start = time.process_time()
        func()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def read_back(mobility: dict) -> None:
    """Read time per returned form: unsigned, and signed by one party (validated against its CA)."""
    print("\nRead-back per returned form, CPU ms (median of 25; target <= 15 unsigned, <= 80 signed):")
    print(f"{'form':<22}{'unsigned':>10}{'signed':>10}")
    for form in FORMS.values():
        ctx = build_context(form, mobility, translator("en"))
        values = {}
        for spec in ctx["fields"]:
            if spec.type == "rating":
                values[spec.name] = "/2"
            elif spec.type in ("text", "multiline"):
                values[spec.name] = "Ștefan Çelik – Ελένη Жукова"
            elif spec.type == "date":
                values[spec.name] = "09.04.2027"
            elif spec.type == "points":
                values[spec.name] = "4"
        pdf = filled(render_pdf(ctx), values)
        sig_field = next(s.name for s in ctx["fields"] if s.type == "signature")
        signed_pdf, ca = signed(pdf, sig_field)
        unsigned_ms = median_ms(lambda: read_bytes(pdf, "form.pdf"))
        signed_ms = median_ms(lambda: read_bytes(signed_pdf, "form.pdf", [ca]))
        print(f"{form.id:<22}{unsigned_ms:>10.1f}{signed_ms:>10.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(60):
            path = Path(tmp) / f"{i}.pdf"
            path.write_bytes(pdf)
            paths.append(path)
        start = time.perf_counter()
        results = list(read_files(paths))
        wall = time.perf_counter() - start
        assert all(r.result for r in results)
        print(f"Batch of {len(paths)} returns through the sandboxed reader: {wall:.2f} s wall "
              f"({wall / len(paths) * 1000:.1f} ms per form, child start included)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
