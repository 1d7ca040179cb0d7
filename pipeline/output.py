"""Write generated documents safely: inside the output folder only, atomically, private.

- `document_path` refuses a path that escapes the output folder.
- `check_output_folder` refuses an output folder among the inputs (the documents hold
  minors' personal data; only `outputs/` is kept out of git).
- `write_atomic` writes one file; `write_group` writes several all-or-nothing (every file
  to a temporary file first, then all renamed into place; on a failure the temporary
  files are deleted and the files already renamed are put back as they were).
- Folders are created 0700 and files 0600, whatever the umask.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Iterable

from pipeline.errors import OutputError, OutputRefused

DIR_MODE = 0o700
FILE_MODE = 0o600
# `tempfile.mkstemp(prefix=".<name>.", suffix=".part")`: 8 random characters
TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.part$")
COHORT_FILE = "cohort.json"


def document_path(out_dir: Path, cohort_id: str, mobility_id: str, form_id: str, lang: str, ext: str) -> Path:
    """`<out>/<cohort>/<mobility>/<form>.<lang>.<ext>`, refusing anything that escapes `out`.

    Ids are already restricted by the schema; this is the second lock on the door.
    """
    root = out_dir.resolve()
    path = (root / cohort_id / mobility_id / f"{form_id}.{lang}.{ext}").resolve()
    if root not in path.parents:
        raise OutputError(path, f"would be written outside the output folder {root}: check the ids")
    return path


def _holds_cohorts(folder: Path) -> bool:
    try:
        return any(child.is_dir() and (child / COHORT_FILE).is_file() for child in folder.iterdir())
    except OSError:
        return False


def _in_git_work_tree(folder: Path) -> bool:
    return any((parent / ".git").exists() for parent in (folder, *folder.parents))


def check_output_folder(out_dir: Path, cohort_folder: Path) -> None:
    """Refuse an output folder that is a cohort folder, inside one, or among the cohorts.

    Among the cohorts means: the output folder is the folder holding the cohort (the
    documents would go into the cohort folder itself), holds cohort folders, or is inside
    the folder holding the cohort when that folder is `inputs/` or in a git repository
    (where `.gitignore` covers only `outputs/`, `returned/` and `recognition/`).
    """
    out, cohort = Path(out_dir).resolve(), Path(cohort_folder).resolve()
    holder = cohort.parent
    why = None
    inside = next((a for a in (out, *out.parents) if a == cohort or (a / COHORT_FILE).is_file()), None)
    if inside is not None:
        why = "is the cohort folder" if out == inside else f"is inside the cohort folder {inside}"
    elif out == holder or _holds_cohorts(out):
        why = "holds cohort folders: the documents would be written among (or into) the cohorts"
    else:
        for above in out.parents:
            if above == holder or (above.name == "inputs" and _holds_cohorts(above)):
                if above.name == "inputs" or _in_git_work_tree(above):
                    why = f"is inside {above}, which holds the cohorts"
                    break
    if why:
        raise OutputRefused(
            out_dir,
            f"{why}. Generated documents hold minors' personal data and must not land among the "
            f"inputs (git ignores only outputs/ and the cohorts' returned/ and recognition/): choose "
            f"an output folder outside the cohort folders, e.g. --out outputs (the default).",
        )


def make_dirs(folder: Path) -> None:
    """Create `folder` and its missing parents with mode 0700 whatever the umask; folders
    that exist already are left as they are."""
    folder = Path(folder)
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for new in reversed(missing):
        try:
            os.mkdir(new, DIR_MODE)
        except FileExistsError:
            if new.is_dir():  # made by a concurrent run
                continue
            raise
        os.chmod(new, DIR_MODE)


def _stage(path: Path, data: bytes) -> Path:
    """`data` in a new temporary file (0600) beside `path`; its name matches TEMP_NAME."""
    make_dirs(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(data)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _replace(path: Path, data: bytes) -> None:
    """Put `data` at `path` through a temporary file, which never outlives a failure."""
    tmp = _stage(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _same(path: Path, data: bytes) -> bool:
    return path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data


def write_atomic(path: Path, data: bytes) -> bool:
    """Write via a temporary file and rename, so no reader ever sees half a document.

    Returns False (and leaves the file alone) when it already holds exactly these bytes,
    so re-runs do not touch unchanged documents.
    """
    try:
        if _same(path, data):
            return False
        _replace(path, data)
    except OSError as exc:
        raise OutputError(path, f"cannot be written: {exc.strerror or exc}") from exc
    return True


def write_group(items: Iterable[tuple[Path, bytes]]) -> tuple[list[Path], list[Path]]:
    """Write several files all-or-nothing; returns (written, unchanged).

    Files already holding exactly their bytes are not touched. The others are each written
    to a temporary file first and then all renamed into place. If anything fails, the
    temporary files are deleted and the files renamed so far are put back as they were
    (deleted if they are new), and `OutputError` names the file that failed.
    """
    changed: list[tuple[Path, bytes, bytes | None]] = []
    unchanged: list[Path] = []
    current: Path | None = None
    staged: list[tuple[Path, Path, bytes | None]] = []  # (temporary, final, previous bytes)
    done: list[tuple[Path, bytes | None]] = []
    try:
        for path, data in items:
            current = path
            previous = path.read_bytes() if path.is_file() else None
            if previous == data:
                unchanged.append(path)
            else:
                changed.append((path, data, previous))
        for path, data, previous in changed:
            current = path
            staged.append((_stage(path, data), path, previous))
        for tmp, path, previous in staged:
            current = path
            os.replace(tmp, path)
            done.append((path, previous))
    except BaseException as exc:
        not_restored = _roll_back(staged, done)
        if isinstance(exc, OSError):
            note = ""
            if not_restored:
                note = "; and these could not be put back as they were: " + ", ".join(map(str, not_restored))
            error = OutputError(current, f"cannot be written: {exc.strerror or exc}{note}")
            error.not_restored = not_restored
            raise error from exc
        raise
    return [path for path, _data, _previous in changed], unchanged


def _roll_back(staged: list[tuple[Path, Path, bytes | None]], done: list[tuple[Path, bytes | None]]) -> list[Path]:
    """Delete the temporary files and restore the files already renamed; returns the
    files that could not be restored."""
    failed = []
    for tmp, _path, _previous in staged:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # removed as a stale temporary file by the next run
    for path, previous in reversed(done):
        try:
            if previous is None:
                path.unlink(missing_ok=True)
            else:
                _replace(path, previous)
        except OSError:
            failed.append(path)
    return failed


def remove_stale_temporaries(folder: Path, older_than: float) -> int:
    """Remove the temporary files (TEMP_NAME) a killed run left under `folder`, if they
    are older than `older_than` (a time.time()); returns how many were removed."""
    removed = 0
    for parent, _dirs, files in os.walk(folder):  # does not follow symlinked folders
        for name in files:
            if not TEMP_NAME.match(name):
                continue
            path = Path(parent) / name
            try:
                if path.lstat().st_mtime < older_than:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
    return removed
