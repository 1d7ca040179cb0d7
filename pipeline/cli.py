"""The `ecvet` command. The only module that imports Click: it parses options, calls one
library function per command, and turns `PipelineError` into a message and exit 1."""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

import click

from pipeline import __version__
from pipeline.errors import PipelineError, ValidationFailed
from pipeline.formdefs import FORMS
from pipeline.generate import FORMATS, generate, validate
from pipeline.i18n import available_languages


def user_errors(command):
    """Expected problems end in a clear message and exit 1; anything else is a bug."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except PipelineError as exc:
            click.secho(str(exc), err=True, fg="red" if not isinstance(exc, ValidationFailed) else None)
            sys.exit(1)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecvet")
def main() -> None:
    """ECVET mobility paperwork from JSON.

    A cohort is a folder: inputs/<cohort>/cohort.json holds what the learners share
    (organisations, people, qualifications, units, assessment criteria, defaults) and
    inputs/<cohort>/mobilities/*.json holds one file per learner's mobility. The JSON
    Schemas in forms/schema/ describe every key; point "$schema" at them for
    autocompletion in your editor.

    \b
    Typical use:
      ecvet validate inputs/demo        check every file, list every problem
      ecvet generate inputs/demo        write all forms to outputs/demo/...
      ecvet generate inputs/demo --lang de --form learning-agreement --format pdf
    """


@main.command("validate")
@click.argument("cohort", type=click.Path(path_type=Path))
@user_errors
def validate_command(cohort: Path) -> None:
    """Check COHORT against the schemas and the ECVET rules.

    Every problem in every file is listed as `file: /json/pointer: what is wrong and
    how to fix it`. Exit status 1 if there is any error; warnings alone pass.
    """
    loaded, warnings = validate(cohort)
    for warning in warnings:
        click.echo(str(warning), err=True)
    click.echo(f"{cohort}: {len(loaded.mobilities)} mobilities are valid.")


@main.command("generate")
@click.argument("cohort", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("outputs"),
              show_default=True, help="Folder to write into; documents go to OUT/<cohort>/<mobility>/.")
@click.option("--lang", "langs", multiple=True, metavar="LANG",
              help=f"Only this language (repeatable). Default: each mobility's languages. "
                   f"Available: {', '.join(available_languages()) or 'none'}.")
@click.option("--form", "forms", multiple=True, type=click.Choice(list(FORMS)),
              help="Only this form (repeatable). Default: all three.")
@click.option("--format", "formats", multiple=True, type=click.Choice(list(FORMATS)),
              help="Only this format (repeatable). Default: pdf and docx.")
@user_errors
def generate_command(cohort: Path, out_dir: Path, langs, forms, formats) -> None:
    """Validate COHORT, then write each mobility's forms as fillable PDF and DOCX.

    Files are named OUT/<cohort>/<mobility-id>/<form>.<lang>.<pdf|docx>. Nothing is
    written if any input file has an error. Re-running rewrites nothing that is unchanged.
    """
    started = time.perf_counter()
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:  # created once validation has passed and the total is known
            bar = click.progressbar(length=total, label="Generating forms", file=sys.stderr,
                                    hidden=not sys.stderr.isatty(), show_pos=True)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        report = generate(cohort, out_dir, langs, forms, formats, progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    seconds = time.perf_counter() - started
    documents = len(report.written) + len(report.unchanged)
    click.echo(
        f"{report.mobilities} mobilities, {documents} documents in {report.folder} "
        f"({len(report.written)} written, {len(report.unchanged)} unchanged) in {seconds:.1f} s."
    )
