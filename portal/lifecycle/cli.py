"""`flask announce import FILE.csv`: announce the spaces of a département's insured people."""
import click
from flask.cli import with_appcontext


@click.group("announce")
def announce_cli():
    """Announce spaces (provisional codes by e-mail, or letters to print)."""


@announce_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--letters", type=click.Path(dir_okay=False),
              help="Write the letters to print (one PDF) to this file.")
@with_appcontext
def import_command(path, letters):
    """Import a CSV (columns: nir, family_name, given_names, birth_date, sex, address_1..3,
    email, language, parent_nir). Importing the same file again announces no one twice."""
    from ..extensions import db
    from .announcements import file_source, import_csv, letters_to_print, print_letters
    with open(path, "rb") as handle:
        data = handle.read()
    db.connect(reuse_if_open=True)
    report = import_csv(data)
    click.echo(f"announced={report.announced} children={report.children} "
               f"already={report.already} emailed={report.emailed} letters={report.letters}")
    for error in report.errors:
        click.echo(error, err=True)
    if letters:
        people = [a.person for a in letters_to_print(file_source(data))]
        if people:
            with open(letters, "wb") as out:
                out.write(print_letters(people))
        click.echo(f"letters_printed={len(people)}")
    if report.errors:
        raise SystemExit(1)
