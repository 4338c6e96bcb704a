"""`flask --app wsgi reimbursements import FILE`: the operator's bulk import of reimbursed care
(ndjson of FHIR ExplanationOfBenefit, or CSV; README, "Reimbursement history"). Prints one line
per refused line, then the counts; exit status 1 when a line was refused, 0 otherwise."""
import click
from flask.cli import AppGroup

reimbursements_cli = AppGroup("reimbursements", help="Reimbursement history (insurer's feed).")


@reimbursements_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "kind", type=click.Choice(["ndjson", "csv"]), default=None,
              help="ndjson (FHIR ExplanationOfBenefit, one a line) or csv; default: from the "
                   "file's extension (.ndjson, .jsonl, .csv).")
def import_command(path, kind):
    """Import FILE: idempotent; a malformed line is refused (its number and field are printed)
    and the others still import."""
    from ..extensions import db
    from .importer import import_lines, journal, kind_of, read_lines
    try:
        kind = kind_of(path, kind)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'PATH'") from None
    with open(path, encoding="utf-8-sig", newline="") as handle, db.connection_context():
        report = import_lines(read_lines(handle, kind))
        journal(report)
    for message in report.messages():
        click.echo(message, err=True)
    click.echo(report.summary())
    if report.refused:
        raise SystemExit(1)
