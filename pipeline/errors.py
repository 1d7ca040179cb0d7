"""The project's exceptions: each says what is wrong, where, and how to fix it.

The CLI turns any `PipelineError` into a clean message and exit status 1; anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in one input file, located by a JSON pointer."""

    file: str
    pointer: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.file}: {self.pointer or '/'}: {kind}{self.message}"


class PipelineError(Exception):
    """Root of every error the user can fix by changing input or options."""


class InputError(PipelineError):
    """The cohort folder cannot be read at all (missing, not a folder, no cohort.json)."""


class ValidationFailed(PipelineError):
    """One or more input files break the schema or the semantic rules."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if not p.warning]
        super().__init__(
            "\n".join(str(p) for p in problems)
            + f"\n{len(errors)} error(s) found; nothing was written."
        )


class UnknownLanguage(PipelineError):
    def __init__(self, lang: str, available: list[str], why: str | None = None):
        super().__init__(why or (
            f"unknown language '{lang}': there is no catalog forms/locales/{lang}/LC_MESSAGES/"
            f"messages.po. Available: {', '.join(available)}."
        ))


class UnknownForm(PipelineError):
    def __init__(self, form: str, available: list[str]):
        super().__init__(f"unknown form '{form}'. Choose one of: {', '.join(available)}.")


class OutputError(PipelineError):
    """An output location is unsafe or cannot be written."""

    def __init__(self, path: Path | str, why: str):
        super().__init__(f"{path}: {why}")


class UsageError(PipelineError):
    """An option's value cannot be used (e.g. a certificate file that is not one)."""


class OutputRefused(OutputError):
    """The output folder is among the inputs (a cohort folder, inside one, or where the
    cohorts are kept): generated documents hold minors' data and must not land there."""


class WriteFailed(OutputError):
    """Writing stopped at one mobility: its documents were rolled back, and the message
    lists every document that earlier mobilities of the run wrote."""

    def __init__(self, mobility: str, cause: Exception, written: list[Path], not_reached: list[str]):
        self.mobility, self.written, self.not_reached = mobility, list(written), list(not_reached)
        lines = [f"Writing stopped at mobility {mobility}: {cause}",
                 f"None of mobility {mobility}'s documents were changed (what it had written was rolled back)."
                 if not getattr(cause, "not_restored", None) else
                 f"Mobility {mobility}'s documents named above could not be put back: generate it again."]
        if written:
            lines.append(f"Written in this run before the failure ({len(written)} documents):")
            lines += [f"  {path}" for path in written]
        else:
            lines.append("No document was written in this run before the failure.")
        if not_reached:
            lines.append(f"Not reached: {', '.join(not_reached)}.")
        lines.append("Fix the cause (e.g. free some space) and run ecvet generate again: "
                     "documents already up to date are not rewritten.")
        PipelineError.__init__(self, "\n".join(lines))
