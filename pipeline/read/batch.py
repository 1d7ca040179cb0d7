"""Read many returned files, each in the sandbox, one bad file never stopping the rest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from pipeline.errors import PipelineError
from pipeline.read.agreed import CohortView, compare
from pipeline.read.document import read_path
from pipeline.read.sandbox import Sandbox, SandboxFailure

SUFFIXES = {".pdf", ".xfdf", ".fdf"}  # what a returned form can be


@dataclass
class FileRead:
    """One file's outcome: a result, or why it could not be read."""

    path: Path
    result: dict[str, Any] | None = None
    error: str | None = None


def expand(paths: list[Path]) -> list[Path]:
    """Files as given, and the returnable files inside given folders (sorted)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()
                          and not p.name.startswith("."))
        else:
            out.append(path)
    return out


def read_files(paths: list[Path], cohort: CohortView | None = None, trust_roots: list[Any] | None = None,
               sandbox: Sandbox | None = None) -> Iterator[FileRead]:
    own = sandbox is None
    box = sandbox or Sandbox()
    try:
        for path in paths:
            try:
                result = box.run(read_path, path, trust_roots)
            except (PipelineError, SandboxFailure) as exc:
                yield FileRead(path, error=str(exc))
                continue
            except Exception as exc:  # noqa: BLE001 - a reader bug must not end the batch
                yield FileRead(path, error=f"could not be read because of an error in ecvet-forms "
                                          f"({type(exc).__name__}: {str(exc)[:200]}); please report it")
                continue
            if cohort is not None:
                compare(result, cohort)
            yield FileRead(path, result=result)
    finally:
        if own:
            box.close()
