"""Write generated documents safely: inside the output folder only, atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pipeline.errors import OutputError


def document_path(out_dir: Path, cohort_id: str, mobility_id: str, form_id: str, lang: str, ext: str) -> Path:
    """`<out>/<cohort>/<mobility>/<form>.<lang>.<ext>`, refusing anything that escapes `out`.

    Ids are already restricted by the schema; this is the second lock on the door.
    """
    root = out_dir.resolve()
    path = (root / cohort_id / mobility_id / f"{form_id}.{lang}.{ext}").resolve()
    if root not in path.parents:
        raise OutputError(path, f"would be written outside the output folder {root}: check the ids")
    return path


def write_atomic(path: Path, data: bytes) -> bool:
    """Write via a temporary file and rename, so no reader ever sees half a document.

    Returns False (and leaves the file alone) when it already holds exactly these bytes,
    so re-runs do not touch unchanged documents.
    """
    try:
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(path, f"cannot be written: {exc.strerror or exc}") from exc
    return True
