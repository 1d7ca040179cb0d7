"""A time-boxed mutation fuzz run of the returned-form reader (`make fuzz`, SECONDS=60).

Seeds are real returns: the minimal fixture's forms generated, filled with pypdf (an
incremental update, as a host's viewer saves), the same re-saved uncompressed by pikepdf
(so that byte mutations hit dictionaries and strings, not only Flate data), and XFDF and
FDF exports of the filled skills assessment. Each mutant (bit flips, overwritten bytes,
changed numbers and keywords, truncations, splices, repeated or deleted chunks) is read
with `pipeline.read.batch.read_files` in a `Sandbox(memory=500 MB, seconds=5)`.

A crash is an exception escaping `read_files`, or an error message that is not a diagnosis
(it says "error in ecvet-forms", i.e. an unexpected exception in the reader) or holds a
traceback. Case N of seed S is always the same mutant, whatever the budget: reproduce one
with `python tests/fuzz.py --seed S --case N --keep DIR` (it is also saved when it crashes).
Exit status 1 on any crash.

    python tests/fuzz.py [--seconds 60] [--seed 1] [--max-cases N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import random
import re
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: `python tests/fuzz.py`
    sys.path.insert(0, str(ROOT))

import pikepdf  # noqa: E402

from pipeline.read.batch import read_files  # noqa: E402
from pipeline.read.sandbox import Sandbox  # noqa: E402

MEMORY = 500 << 20
SECONDS_PER_FILE = 5.0
CRASH_MARKERS = ("error in ecvet-forms", "Traceback")

# What a host types: every script the forms support, dates and points as people write them.
SA_VALUES = {
    "sa_pastry_c01": "1", "sa_pastry_c02": "2", "sa_pastry_c03": "3", "sa_pastry_c04": "not_assessed",
    "sa_pastry_c05": "2",
    "sa_pastry_comments": "Şule İnce: çok iyi.\nȘtefan Țurcanu – ș ț\nŘeřicha ěšč · Ελένη · Жукова",
    "sa_supervisor_name": "Łukasz Żółć-Ğüneş", "sa_supervisor_role": "Шеф-кондитер",
    "sa_supervisor_place": "Θεσσαλονίκη", "sa_supervisor_date": "09.04.2027",
}
PT_VALUES = {
    "pt_pastry_achieved": "Πατισερί: σφολιάτα\nТесто · Ciasto francuskie ż ł · Ș ț", "pt_pastry_points": "2,5",
    "pt_testing": "Praktická zkouška, ř ě", "pt_result": "Başarılı — İyi", "pt_host_name": "Γιώργος Παπαδόπουλος",
    "pt_host_place": "Αθήνα", "pt_host_date": "4/19/2027", "pt_learner_name": "Иван Петров",
    "pt_learner_place": "București", "pt_learner_date": "2027-04-10",
}
KEYWORDS = [b"obj", b"endobj", b"stream", b"endstream", b"xref", b"trailer", b"startxref", b" R", b"/Kids",
            b"/Parent", b"/Fields", b"/AcroForm", b"/V", b"/T", b"/FT", b"/Length", b"/Filter", b"/Root",
            b"/Prev", b"/Size", b"/W", b"/Index", b"/Type", b"<<", b">>", b"[", b"]", b"(", b")", b"<", b">",
            b"%%EOF", b"/FlateDecode", b"null", b"true", b"/ObjStm", b"/XRef", b"/N", b"/First",
            b"<field", b"</field>", b"<value>", b"&#x", b"<?xml", b"/FDF"]
INTERESTING = [0, 1, 0x7F, 0x80, 0xFF, ord("("), ord(")"), ord("\\"), ord("<"), ord(">"), ord("/"), ord("["),
               ord("]"), ord("0"), ord("9"), ord(" "), ord("\n"), ord("%")]
NUMBERS = [b"0", b"-1", b"1", b"2147483647", b"2147483648", b"4294967296", b"99999999999999999999",
           b"-2147483649", b"1e308", b"0.0000001", b"65535", b"32", b"33", b"100000"]


# ------------------------------------------------------------------------------ seeds


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _exports(filled: Path, folder: Path) -> list[Path]:
    """An XFDF and an FDF export of a filled form (text values and radio names as typed)."""
    values: dict[str, str] = {}
    raw: dict[str, bytes] = {}
    with pikepdf.open(filled) as pdf:
        for f in pdf.Root.AcroForm.Fields:
            v = f.get("/V")
            if isinstance(v, pikepdf.String):
                values[str(f.T)], raw[str(f.T)] = str(v), v.unparse()
            elif isinstance(v, pikepdf.Name) and v != pikepdf.Name.Off:
                values[str(f.T)], raw[str(f.T)] = str(v)[1:], bytes(v.unparse())
    xfdf = folder / "seed.xfdf"
    body = "".join(f'<field name="{n}"><value>{_xml(v)}</value></field>' for n, v in values.items())
    xfdf.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<xfdf xmlns="http://ns.adobe.com/xfdf/" '
                    f'xml:space="preserve"><fields>{body}</fields></xfdf>\n', encoding="utf-8")
    fdf = folder / "seed.fdf"
    fields = b"".join(b"<< /T %s /V %s >>\n" % (pikepdf.String(n).unparse(), v) for n, v in raw.items())
    fdf.write_bytes(b"%FDF-1.2\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /FDF << /Fields [\n" + fields
                    + b"] >> >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    return [xfdf, fdf]


def make_seeds(folder: Path) -> list[bytes]:
    """Real returned forms, and the same re-saved uncompressed, and two exports."""
    from pipeline.generate import generate
    from tests.fillers import FILLERS

    generate(ROOT / "tests" / "fixtures" / "minimal", folder / "out")
    forms = folder / "out" / "minimal" / "m1"
    paths = []
    for form, values in (("skills-assessment", SA_VALUES), ("personal-transcript", PT_VALUES),
                         ("learning-agreement", {})):
        filled = folder / f"{form}.pdf"
        if values:
            FILLERS["pypdf"](forms / f"{form}.en.pdf", filled, values)
        else:
            filled.write_bytes((forms / f"{form}.de.pdf").read_bytes())  # returned blank
        plain = folder / f"{form}.plain.pdf"
        with pikepdf.open(filled) as pdf:
            pdf.save(plain, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable,
                     stream_decode_level=pikepdf.StreamDecodeLevel.generalized, deterministic_id=True)
        paths += [filled, plain]
    paths += _exports(folder / "skills-assessment.pdf", folder)
    return [p.read_bytes() for p in paths]


# ------------------------------------------------------------------------------ mutators


def _pos(rng: random.Random, data: bytes | bytearray) -> int:
    return rng.randrange(len(data)) if data else 0


def bit_flips(rng, data, seeds):
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 8, 32))):
        i = _pos(rng, out)
        if out:
            out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def overwrite(rng, data, seeds):
    out = bytearray(data)
    for _ in range(rng.choice((1, 2, 4, 16))):
        if out:
            out[_pos(rng, out)] = rng.choice(INTERESTING) if rng.random() < 0.7 else rng.randrange(256)
    return bytes(out)


def change_number(rng, data, seeds):
    """A number (object number, /Length, offset, count) replaced by an edge value."""
    found = [m.span() for m in re.finditer(rb"\d+", data[: 4 << 20])]
    if not found:
        return bit_flips(rng, data, seeds)
    out = data
    for _ in range(rng.choice((1, 1, 3))):
        a, b = rng.choice(found)
        new = rng.choice(NUMBERS) if rng.random() < 0.6 else str(int(out[a:b] or b"0") + rng.randint(-3, 3)).encode()
        out = out[:a] + new + out[b:]
        found = [m.span() for m in re.finditer(rb"\d+", out[: 4 << 20])]
    return out


def change_keyword(rng, data, seeds):
    """A PDF keyword or delimiter replaced by another, or removed."""
    word = rng.choice(KEYWORDS)
    places = [m.start() for m in re.finditer(re.escape(word), data)]
    if not places:
        return overwrite(rng, data, seeds)
    at = rng.choice(places)
    new = b"" if rng.random() < 0.25 else rng.choice(KEYWORDS)
    return data[:at] + new + data[at + len(word):]


def truncate(rng, data, seeds):
    return data[: rng.randrange(len(data) + 1)] if rng.random() < 0.5 else data[: len(data) - rng.randrange(1, 4096)]


def splice(rng, data, seeds):
    other = rng.choice(seeds)
    i, j = _pos(rng, data), _pos(rng, other)
    return data[:i] + other[j:j + rng.choice((16, 256, 4096, len(other)))] + data[i + rng.randrange(0, 4096):]


def repeat_chunk(rng, data, seeds):
    i = _pos(rng, data)
    chunk = data[i:i + rng.choice((1, 8, 64, 1024, 16384))]
    return data[:i] + chunk * rng.choice((2, 10, 100, 1000)) + data[i:]


def delete_chunk(rng, data, seeds):
    i = _pos(rng, data)
    return data[:i] + data[i + rng.choice((1, 16, 256, 4096, 65536)):]


MUTATORS = [bit_flips, overwrite, change_number, change_number, change_keyword, change_keyword, truncate, splice,
            repeat_chunk, delete_chunk]


def mutant(seeds: list[bytes], seed: int, case: int) -> bytes:
    """Case `case` of run `seed`: always the same bytes."""
    rng = random.Random(f"{seed}:{case}")
    data = rng.choice(seeds)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        data = rng.choice(MUTATORS)(rng, data, seeds)
    return data


# ------------------------------------------------------------------------------ run


@dataclass
class Stats:
    cases: int = 0
    results: int = 0  # read with a result (problems listed)
    diagnosed: int = 0  # refused with a message
    timeouts: int = 0
    memory: int = 0
    crashes: list[tuple[int, str]] = field(default_factory=list)
    tracebacks: int = 0
    slowest: tuple[float, int, float | None] = (0.0, -1, None)  # seconds, case, child's peak MB
    peak_mb: float = 0.0
    seconds: float = 0.0

    def summary(self, seed: int) -> str:
        secs, case, mb = self.slowest
        lines = [
            f"fuzz seed {seed}: {self.cases} cases in {self.seconds:.0f} s ({self.cases / max(self.seconds, 1e-9):.1f}/s): "
            f"{self.results} read with a result, {self.diagnosed} refused with a diagnosis "
            f"({self.timeouts} over {SECONDS_PER_FILE:.0f} s, {self.memory} over {MEMORY >> 20} MB); "
            f"{len(self.crashes)} crashes, {self.tracebacks} tracebacks",
            f"slowest: case {case}, {secs:.2f} s, child peak {'?' if mb is None else f'{mb:.0f}'} MB; "
            f"highest child peak {self.peak_mb:.0f} MB",
        ]
        lines += [f"  CRASH case {c}: {msg[:300]}" for c, msg in self.crashes[:10]]
        return "\n".join(lines)


def _reset_peak(pid: int | None) -> None:
    """Reset the child's peak RSS (VmHWM), so the next read's own peak is measured."""
    if pid:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            pass


def _peak_mb(pid: int | None) -> float | None:
    if not pid:
        return None
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else None


def fuzz(seconds: float, seed: int = 1, max_cases: int | None = None, keep: Path | None = None,
         only: int | None = None, seeds: list[bytes] | None = None, log=print) -> Stats:
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # the fillers' and FDF parser's warnings
    stats, seen = Stats(), set()
    with tempfile.TemporaryDirectory(prefix="ecvet-fuzz-") as tmp:
        work = Path(tmp)
        seeds = seeds or make_seeds(work / "seeds")
        started = time.monotonic()
        cases = [only] if only is not None else range(max_cases if max_cases is not None else 1 << 62)
        with Sandbox(memory=MEMORY, seconds=SECONDS_PER_FILE) as box:
            for case in cases:
                if only is None and time.monotonic() - started > seconds:
                    break
                data = mutant(seeds, seed, case)
                path = work / f"case-{case}.pdf"
                path.write_bytes(data)
                if keep is not None and only is not None:
                    keep.mkdir(parents=True, exist_ok=True)
                    (keep / path.name).write_bytes(data)
                pid = box._proc.pid if box._proc is not None and box._proc.is_alive() else None
                _reset_peak(pid)
                t0 = time.monotonic()
                crash = None
                try:
                    outcome = next(read_files([path], sandbox=box))
                except BaseException as exc:  # noqa: BLE001 - exactly what the fuzzer looks for
                    if isinstance(exc, KeyboardInterrupt):
                        raise
                    outcome = None
                    crash = f"escaped read_files: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
                took = time.monotonic() - t0
                pid = box._proc.pid if box._proc is not None and box._proc.is_alive() else None
                mb = _peak_mb(pid)
                stats.cases += 1
                if outcome is not None and outcome.error is not None:
                    stats.diagnosed += 1
                    stats.timeouts += "took longer than" in outcome.error
                    stats.memory += "of memory" in outcome.error or "made the reader stop" in outcome.error
                    if any(m in outcome.error for m in CRASH_MARKERS):
                        crash = outcome.error
                elif outcome is not None:
                    stats.results += 1
                if crash is not None:
                    stats.crashes.append((case, crash))
                    stats.tracebacks += "Traceback" in crash
                    saved = keep or Path(tempfile.gettempdir()) / f"ecvet-fuzz-crashes-{seed}"
                    saved.mkdir(parents=True, exist_ok=True)
                    (saved / f"case-{case}.pdf").write_bytes(data)
                    kind = re.sub(r"\d+", "N", crash.split("\n")[0])[:160]
                    if kind not in seen:  # each kind of crash once
                        seen.add(kind)
                        log(f"CRASH case {case} (saved in {saved}): {crash[:300]}")
                if took > stats.slowest[0]:
                    stats.slowest = (took, case, mb)
                if mb is not None:
                    stats.peak_mb = max(stats.peak_mb, mb)
                path.unlink()
        stats.seconds = time.monotonic() - started
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", 60)))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-cases", type=int)
    parser.add_argument("--case", type=int, help="run only this case (reproduce a crash)")
    parser.add_argument("--keep", type=Path, help="save crashing mutants (and --case's mutant) here")
    args = parser.parse_args(argv)
    stats = fuzz(args.seconds, args.seed, args.max_cases, args.keep, args.case)
    print(stats.summary(args.seed))
    if args.case is not None and args.keep is not None:
        data = (args.keep / f"case-{args.case}.pdf").read_bytes()
        print(f"case {args.case}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}, "
              f"saved in {args.keep}")
    return 1 if stats.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
