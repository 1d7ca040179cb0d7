"""The `ecvet` command. The only module that imports Click: it parses options, calls one
library function per command, and turns `PipelineError` into a message and exit 1."""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path

import click

from pipeline import __version__
from pipeline.errors import PipelineError, UsageError, ValidationFailed
from pipeline.formdefs import FORMATS, FORMS
from pipeline.i18n import available_languages
from pipeline.output import write_atomic


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


class EcvetGroup(click.Group):
    """Click's usage errors (an unknown option, a bad --form value, a missing argument)
    end in Click's message and exit status 1 like every other user error, not Click's 2;
    `--help` and `--version` still exit 0."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            exc.exit_code = 1
            raise

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            exc.exit_code = 1
            raise


@click.group(cls=EcvetGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
      ecvet read returned/*.pdf         what the hosts filled in, as JSON
      ecvet ingest inputs/demo mail/    archive returned forms with the cohort
      ecvet status inputs/demo          generated, returned, signed, problems
    """


@main.command("validate")
@click.argument("cohort", type=click.Path(path_type=Path))
@user_errors
def validate_command(cohort: Path) -> None:
    """Check COHORT against the schemas and the ECVET rules.

    Every problem in every file is listed as `file: /json/pointer: what is wrong and
    how to fix it`. Exit status 1 if there is any error; warnings alone pass.
    """
    from pipeline.checks import validate  # each command imports what it needs: a fast start

    loaded, warnings = validate(cohort)
    for warning in warnings:
        click.echo(str(warning), err=True)
    click.echo(f"{cohort}: {len(loaded.mobilities)} mobilities are valid.")


@main.command("generate")
@click.argument("cohort", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("outputs"),
              show_default=True, help="Folder to write into; documents go to OUT/<cohort>/<mobility>/.")
@click.option("--lang", "langs", multiple=True, metavar="LANG",
              help=f"Only this language (repeatable): a code, 'host' (the host country's language) or a "
                   f"pair for bilingual forms ('de+en', 'host+en'). Default: each mobility's languages. "
                   f"Available: {', '.join(available_languages()) or 'none'}.")
@click.option("--form", "forms", multiple=True, type=click.Choice(list(FORMS)),
              help="Only this form (repeatable). Default: all three.")
@click.option("--format", "formats", multiple=True, type=click.Choice(list(FORMATS)),
              help="Only this format (repeatable). Default: pdf and docx.")
@click.option("--prune", is_flag=True,
              help="Remove documents of mobilities no longer in the cohort (and, when every language is "
                   "generated, of languages a mobility no longer has), then their empty folders.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Processes rendering side by side. Default: the number of cores. The files are the same "
                   "whatever the number.")
@click.option("--force", is_flag=True,
              help="Render every document, even those whose inputs did not change since they were written.")
@user_errors
def generate_command(cohort: Path, out_dir: Path, langs, forms, formats, prune, jobs, force) -> None:
    """Validate COHORT, then write each mobility's forms as fillable PDF and DOCX.

    Files are named OUT/<cohort>/<mobility-id>/<form>.<lang>.<pdf|docx>. Nothing is
    written if any input file has an error. Re-running renders only documents whose
    inputs (data, program, templates, catalogs, fonts) changed, and rewrites nothing
    that is unchanged.
    """
    import os
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
        from pipeline.generate import generate

        report = generate(cohort, out_dir, langs, forms, formats, progress=progress, prune=prune,
                          jobs=jobs or os.cpu_count() or 1, force=force)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    seconds = time.perf_counter() - started
    documents = len(report.written) + len(report.unchanged) + len(report.skipped)
    click.echo(
        f"{report.mobilities} mobilities, {documents} documents in {report.folder} "
        f"({len(report.written)} written, {len(report.unchanged)} unchanged, {len(report.skipped)} skipped: "
        f"inputs unchanged) in {seconds:.1f} s."
    )
    for note in report.notes():
        click.echo(note)


def _trust(paths: tuple[Path, ...]) -> list | None:
    if not paths:
        return None
    from pipeline.read.signatures import load_trust_roots

    try:
        return load_trust_roots(list(paths))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--trust: cannot load the certificates ({exc}): give PEM or DER files") from exc


@main.command("read")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the JSON results here (one object per line) instead of printing them.")
@click.option("--cohort", "cohort_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Compare each form with this cohort's data (agreed content, mobility, cohort).")
@click.option("--trust", "trust", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="A root certificate (PEM or DER) whose signers you trust (repeatable).")
@user_errors
def read_command(files: tuple[Path, ...], out_file: Path | None, cohort_dir: Path | None, trust) -> None:
    """Read returned forms (PDF, XFDF or FDF files, or folders of them) into data, one
    JSON object per file.

    Each object has `source` (file, size, SHA-256), `document` (mobility, cohort, form,
    language, template version, whether content and pages are unchanged), `data` (what
    was filled in), `signatures` and `problems`. The files are never modified. Exit
    status 1 if a file could not be read at all (one line per file says why).
    """
    from pipeline.read.agreed import CohortView
    from pipeline.read.batch import expand, read_files

    view = CohortView.load(cohort_dir) if cohort_dir else None
    lines, failed = [], 0
    for outcome in read_files(expand(list(files)), view, _trust(trust)):
        if outcome.error:
            failed += 1
            click.secho(f"{outcome.path}: {outcome.error}", err=True, fg="red")
        else:
            lines.append(json.dumps(outcome.result, ensure_ascii=False, sort_keys=True))
    text = "".join(f"{line}\n" for line in lines)
    if out_file:
        write_atomic(out_file, text.encode("utf-8"))
        click.echo(f"{len(lines)} form(s) read into {out_file}.", err=True)
    else:
        click.echo(text, nl=False)
    if failed:
        sys.exit(1)


@main.command("ingest")
@click.argument("cohort", type=click.Path(path_type=Path, file_okay=False))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--trust", "trust", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="A root certificate (PEM or DER) whose signers you trust (repeatable).")
@user_errors
def ingest_command(cohort: Path, files: tuple[Path, ...], trust) -> None:
    """Archive returned forms (files or folders) into COHORT/returned/ and read them.

    The original bytes are kept untouched, content-addressed, with the read result
    beside them; every return is kept. A form of another cohort or mobility is refused.
    Ingesting the same file again changes nothing. Exit status 1 if any file was refused.
    """
    from pipeline.read.archive import ingest
    from pipeline.read.status import filled, problem_counts, signed_by, table

    done = ingest(cohort, list(files), _trust(trust))
    rows = []
    for item in done:
        if item.outcome == "refused":
            click.secho(f"{item.path}: {item.reason}", err=True, fg="red")
            continue
        r = item.result
        rows.append((r["document"]["mobility"], r["document"]["form"], item.outcome, filled(r), signed_by(r),
                     problem_counts(r)))
    if rows:
        click.echo(table(("mobility", "form", "stored", "filled", "signed by", "problems"), rows))
    stored = sum(i.outcome == "stored" for i in done)
    refused = sum(i.outcome == "refused" for i in done)
    click.echo(f"{len(done)} file(s): {stored} stored, {len(done) - stored - refused} already there, "
               f"{refused} refused.")
    if refused:
        sys.exit(1)


@main.command("status")
@click.argument("cohort", type=click.Path(path_type=Path, file_okay=False))
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("outputs"),
              show_default=True, help="Where the forms were generated (to show which exist).")
@user_errors
def status_command(cohort: Path, out_dir: Path) -> None:
    """Per mobility and form: generated, returned (how many times), signed by whom, problems."""
    from pipeline.read.agreed import CohortView
    from pipeline.read.status import status, table

    view = CohortView.load(cohort)
    ids = [str(s.data["mobility_id"]) for s in view.cohort.mobilities]
    rows = [(r.mobility, r.form, r.generated, str(r.returned), r.signed, r.problems)
            for r in status(cohort, ids, out_dir)]
    click.echo(table(("mobility", "form", "generated", "returned", "signed by (latest)", "problems (latest)"), rows))
    from pipeline.recognition.stages import status_rows

    documents = out_dir / cohort.resolve().name
    _title, stages = status_rows(cohort, documents, documents)
    click.echo("")
    click.echo(table(("mobility", "stage", "units recognised", "refused", "undecided", "proposed"), [
        (r["mobility"], r["stage"] or "-",
         str(sum(u["decision"] == "recognised" for u in r["units"])),
         str(sum(u["decision"] == "refused" for u in r["units"])),
         str(sum(u["decision"] is None for u in r["units"])),
         ", ".join(f"{u['unit']}: {u['proposal']}" for u in r["units"])) for r in stages]))


@main.group("i18n")
def i18n_group() -> None:
    """Translation catalogs: their state, and the gate every shipped language must pass.

    To add a language: make i18n-init LANG=xx, translate forms/locales/xx/LC_MESSAGES/
    messages.po (any gettext editor), then make i18n-check.
    """


LOCALES_OPTION = click.option(
    "--locales", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
    help="The catalogs' folder (default: forms/locales).")


@i18n_group.command("status")
@LOCALES_OPTION
def i18n_status_command(locales: Path | None) -> None:
    """Per language: translated, fuzzy and untranslated entries (plurals counted right)."""
    from pipeline.catalogs import LOCALES_DIR, status, status_table

    click.echo(status_table(status(locales or LOCALES_DIR)))


@i18n_group.command("check")
@LOCALES_OPTION
@user_errors
def i18n_check_command(locales: Path | None) -> None:
    """Every catalog complete, nothing fuzzy, placeholders kept, messages.pot current."""
    from pipeline.catalogs import LOCALES_DIR, check, status

    check(locales or LOCALES_DIR)
    click.echo(f"{len(status(locales or LOCALES_DIR))} catalogs complete and consistent with the code.")


@main.command("check")
@click.argument("cohort", type=click.Path(path_type=Path, file_okay=False))
@user_errors
def check_command(cohort: Path) -> None:
    """Check every mobility's returned evidence before validation and recognition.

    Combines the agreed data with every ingested return: forms returned and signed by
    every party (the guardian for a minor), signatures intact, agreed content unchanged,
    every unit assessed and every criterion rated or marked n/a, the assessment dated
    inside the stay, the assessor named, the transcript consistent with the ratings and
    within the agreed points. One line per finding; then the result the cohort's
    pass_rules propose per unit. Exit status 1 if any error (errors block recognition).
    """
    from pipeline.recognition.evidence import gather
    from pipeline.recognition.passrules import propose
    from pipeline.recognition.rules import ERROR, check_mobility

    view, evidence = gather(cohort)
    rules = view.cohort.cohort.data.get("pass_rules")
    errors = warnings = 0
    for ev in evidence:
        findings = check_mobility(ev, rules)
        for finding in findings:
            click.echo(str(finding))
        errors += sum(f.severity == ERROR for f in findings)
        warnings += sum(f.severity != ERROR for f in findings)
        for unit in ev.mobility["units"]:
            proposal = propose(unit, ev.ratings(unit["id"]), rules)
            click.echo(f"PROPOSAL {ev.id} {unit['id']}: {proposal.result} ({proposal.reason})")
    click.echo(f"{len(evidence)} mobilities checked: {errors} error(s), {warnings} warning(s).")
    if errors:
        sys.exit(1)


@main.command("recognise")
@click.argument("cohort", type=click.Path(path_type=Path, file_okay=False))
@click.argument("mobility", required=False)
@click.option("--unit", "units", multiple=True, help="The unit (repeatable). Default: every unit of MOBILITY.")
@click.option("--decision", type=click.Choice(["recognised", "refused"]), help="What the school decided.")
@click.option("--validated-by", required=True, help='Who validated the evidence: "Name, role".')
@click.option("--recognised-by", required=True, help='Who recognised the outcomes: "Name, role".')
@click.option("--reason", help="Why (required for a refusal).")
@click.option("--method", help="How it was validated (default: the mobility's validation method).")
@click.option("--consequence", "consequences", multiple=True, type=click.Choice(["exemption", "transcript",
                                                                                 "certificate"]),
              help="What recognition brings (repeatable). Default: exemption and transcript.")
@click.option("--all-proposed", is_flag=True,
              help="Record the proposed result of every undecided unit whose evidence has no errors.")
@user_errors
def recognise_command(cohort: Path, mobility: str | None, units, decision, validated_by, recognised_by, reason,
                      method, consequences, all_proposed: bool) -> None:
    """Record validation and recognition decisions (append-only: a correction adds a decision).

    \b
      ecvet recognise inputs/demo gr01 --unit u_hot_kitchen --decision recognised \\
          --validated-by "Anna Berger, class teacher" --recognised-by "Peter Huber, head of department"
      ecvet recognise inputs/demo --all-proposed --validated-by "..." --recognised-by "..."
    """
    from pipeline.recognition.recognise import Decider, RecognitionError, decide, decide_all_proposed

    decider = Decider(validated_by, recognised_by, method, tuple(consequences) or ("exemption", "transcript"))
    if all_proposed:
        if mobility or units or decision:
            raise RecognitionError("--all-proposed decides every undecided unit: give no MOBILITY, --unit or "
                                   "--decision with it")
        outcome = decide_all_proposed(cohort, decider)
    else:
        if not mobility or not decision:
            raise RecognitionError("give MOBILITY and --decision recognised|refused, or --all-proposed")
        outcome = decide(cohort, mobility, list(units), decision, decider, reason)
    for entry in outcome.recorded:
        points = f", {entry['ecvet_points']:g} ECVET points" if entry.get("ecvet_points") is not None else ""
        click.echo(f"#{entry['seq']} {entry['mobility']} {entry['unit']}: {entry['decision']}{points}")
    for line in outcome.skipped:
        click.echo(line, err=True)
    click.echo(f"{len(outcome.recorded)} decision(s) recorded.")


@main.command("ledger")
@click.argument("inputs", type=click.Path(path_type=Path, file_okay=False))
@click.option("--learner", help="Only this learner (their learner_id).")
@user_errors
def ledger_command(inputs: Path, learner: str | None) -> None:
    """ECVET points per learner across mobilities and cohorts (every cohort folder in INPUTS)."""
    from pipeline.read.status import table
    from pipeline.recognition.ledger import ledger

    rows, notes = ledger(inputs, learner)
    for note in notes:
        click.echo(note, err=True)
    fmt = lambda v: "-" if v is None else f"{v:g}"  # noqa: E731
    click.echo(table(("learner", "qualification", "total", "cohort", "mobility", "before", "this mobility",
                      "new total", "notes"),
                     [(r.learner, r.qualification, fmt(r.qualification_total), r.cohort, r.mobility,
                       fmt(r.previously), fmt(r.this_mobility), fmt(r.new_total), "; ".join(r.notes))
                      for r in rows]))


@main.command("report")
@click.argument("cohort", type=click.Path(path_type=Path, file_okay=False))
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("outputs"),
              show_default=True, help="Where the forms were generated; the report goes to OUT/<cohort>/.")
@user_errors
def report_command(cohort: Path, out_dir: Path) -> None:
    """Write the cohort status report: OUT/<cohort>/status.html (a browser opens it from
    the disk) and status.csv (for spreadsheets), each learner's stage from generated to
    recognised, with returns, signatures, problems, decisions and links to the files; and
    each decided learner's recognition record (PDF + DOCX, in the mobility's languages)."""
    from pipeline.recognition.records import write_records
    from pipeline.recognition.report import write_report
    from pipeline.recognition.stages import status_rows

    folder = out_dir / cohort.resolve().name
    records = write_records(cohort, out_dir)
    title, rows = status_rows(cohort, folder, folder)
    html, csv = write_report(rows, title, folder)
    click.echo(f"{len(rows)} learners: {html} and {csv}; {len(records)} recognition record file(s).")


@main.command("export-elm")
@click.argument("cohort", type=click.Path(path_type=Path, file_okay=False))
@click.argument("mobility")
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the JSON-LD here instead of printing it.")
@click.option("--lang", default=None, help="Language of the texts (default: the cohort's primary language).")
@user_errors
def export_elm_command(cohort: Path, mobility: str, out_file: Path | None, lang: str | None) -> None:
    """The Personal Transcript and the recognition as unsigned European Learning Model
    JSON-LD (one learning achievement per unit), deterministic; seal it with the EDC tools."""
    from pipeline.recognition.decisions import current, read_all
    from pipeline.recognition.elm import elm_json
    from pipeline.recognition.evidence import gather
    from pipeline.recognition.recognise import RecognitionError
    from pipeline.recognition.rules import PT, SA

    view, evidence = gather(cohort)
    ev = next((e for e in evidence if e.id == mobility), None)
    if ev is None:
        raise RecognitionError(f"cohort '{view.id}' has no mobility '{mobility}'")
    decided = current(read_all(cohort)[0])
    decisions = [decided[(mobility, u["id"])] for u in ev.mobility["units"] if (mobility, u["id"]) in decided]
    document = elm_json(ev.mobility, ev.data(SA), ev.data(PT), decisions, lang or ev.mobility["primary_language"])
    if out_file:
        write_atomic(out_file, document.encode("utf-8"))
        click.echo(f"{out_file}: ELM JSON-LD for {mobility}.", err=True)
    else:
        click.echo(document, nl=False)
