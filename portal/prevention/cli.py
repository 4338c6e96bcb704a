"""`flask --app wsgi prevention due --birth YYYY-MM-DD --sex F|M --on YYYY-MM-DD`: what is due
for anyone of that birth date and sex, for reviewers and other systems. One item per line,
`CODE<TAB>label<TAB>due date`, by due date then code; codes are stable (rules.py). Knowing
nothing of the person's record, every vaccination is taken as not done. Bad arguments: a
message and exit status 2."""
import click
from flask.cli import AppGroup
from flask_babel import force_locale

ISO = click.DateTime(formats=["%Y-%m-%d"])

prevention_cli = AppGroup("prevention", help="Prevention calendar.")


@prevention_cli.command("due")
@click.option("--birth", type=ISO, required=True, help="Birth date, YYYY-MM-DD.")
@click.option("--sex", type=click.Choice(["F", "M"], case_sensitive=False), required=True,
              help="F or M.")
@click.option("--on", "on", type=ISO, default=None,
              help="The day to answer for, YYYY-MM-DD (default: today in Paris).")
def due(birth, sex, on):
    """Print the prevention items due on a day: CODE, label and due date, tab-separated."""
    from .engine import due_items
    from .models import paris_today
    birth = birth.date()
    day = on.date() if on is not None else paris_today()
    if birth > day:
        raise click.BadParameter(f"the birth date ({birth}) is after --on ({day})",
                                 param_hint="'--birth'")
    if birth.year < 1900:
        raise click.BadParameter("the birth date must be 1900 or later", param_hint="'--birth'")
    with force_locale("fr"):
        for item in due_items(birth, sex.upper(), day):
            click.echo(f"{item.code}\t{item.rule.label}\t{item.due_on.isoformat()}")

