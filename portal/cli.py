"""Command-line tools: migrations, demo data, outbox reading, audit verification."""
import sys

import click


def init_app(app):
    """Register `db`, `seed`, `outbox`, `audit`, `prevention` commands on the app."""
    from .prevention.cli import prevention_cli
    app.cli.add_command(prevention_cli)

    @app.cli.group("db")
    def db_group():
        """Database schema."""

    @db_group.command("upgrade")
    def db_upgrade():
        """Apply pending schema migrations."""
        from .extensions import db
        from .migrations import upgrade
        with db.connection_context():
            ran = upgrade(echo=click.echo)
        click.echo(f"database up to date ({len(ran)} migration(s) applied)")

    @app.cli.command("seed")
    def seed():
        """Create the demo accounts and content (idempotent: existing data is kept)."""
        from .extensions import db
        from .seed import seed_demo
        with db.connection_context():
            created = seed_demo()
        click.echo(f"demo data ready ({created} new record(s))")

    @app.cli.command("demo-accounts")
    def demo_accounts():
        """Print the demo accounts and how to log in."""
        from .seed import ACCOUNTS, DEMO_PASSWORD
        click.echo("\nDemo accounts (password for all: %s)" % DEMO_PASSWORD)
        for _key, email, role, extra in ACCOUNTS:
            detail = extra.get("profession") or extra.get("structure") or ""
            click.echo(f"  {email:<30} {role:<13} {detail}")
        click.echo("One-time login codes go to the outbox; read the latest with:\n"
                   "  CARNET_ENV=development .venv/bin/flask --app wsgi outbox "
                   "--to camille.martin@example.org\n")

    @app.cli.command("outbox")
    @click.option("--to", "address", required=True, help="Recipient e-mail address.")
    def outbox(address):
        """Print the latest e-mail kept for ADDRESS (subject and body)."""
        from .extensions import db
        from .mail import latest_for
        with db.connection_context():
            message = latest_for(address)
        if message is None:
            click.echo(f"no message for {address}", err=True)
            sys.exit(1)
        click.echo(f"Subject: {message.subject}\n\n{message.body}")

    @app.cli.group("audit")
    def audit_group():
        """Activity journal."""

    @audit_group.command("verify")
    def audit_verify():
        """Check the hash chain; report the first broken entry."""
        from . import audit
        from .extensions import db
        with db.connection_context():
            checked, broken, reason = audit.verify()
        if reason is None:
            click.echo(f"audit chain intact: {checked} entries verified")
            return
        where = f"entry {broken}" if broken else "chain head"
        click.echo(f"audit chain BROKEN at {where} ({reason}); {checked} entries valid before it",
                   err=True)
        sys.exit(1)
