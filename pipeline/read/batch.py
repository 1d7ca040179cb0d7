"""Read many returned files, each in the sandbox, one bad file never stopping the rest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from pipeline.errors import PipelineError
from pipeline.read.agreed import CohortView, compare
from pipeline.read.document import read_path
from pipeline.read.sandbox import Sandbox, SandboxFailure


@dataclass
class FileRead:
    """One file's outcome: a result, or why it could not be read."""

    path: Path
    result: dict[str, Any] | None = None
    error: str | None = None


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
