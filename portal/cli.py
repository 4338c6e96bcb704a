"""Command-line tools: migrations, demo data, outbox reading, audit verification."""
import os
import sys

import click


def init_app(app):
    """Register `db`, `seed`, `outbox`, `audit`, `storage`, `prevention`, `reimbursements`,
    `announce` commands on the app."""
    from .lifecycle.cli import announce_cli
    from .prevention.cli import prevention_cli
    from .reimbursements.cli import reimbursements_cli
    app.cli.add_command(prevention_cli)
    app.cli.add_command(announce_cli)
    app.cli.add_command(reimbursements_cli)

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
        click.echo("One-time login codes go to the outbox; read the newest with `make codes`, "
                   "or one account's latest with:\n"
                   "  CARNET_ENV=development .venv/bin/flask --app wsgi outbox "
                   "--to camille.martin@example.org\n")

    @app.cli.command("outbox")
    @click.option("--to", "address", help="Recipient e-mail address.")
    @click.option("--last", "count", type=click.IntRange(1, 50), default=None,
                  help="How many of the newest e-mails (of ADDRESS, or of everyone).")
    def outbox(address, count):
        """Print the latest e-mail kept for ADDRESS, or the newest e-mails of the outbox
        (subject and body): the demo's one-time codes wait there."""
        from .extensions import db
        from .mail import latest, latest_for
        with db.connection_context():
            if address and count is None:
                found = [message for message in [latest_for(address)] if message]
            else:
                found = latest(count or 3, address)
        if not found:
            if address and count is None:
                # A script waiting for one account's code must know it is not there yet.
                click.echo(f"no message for {address}", err=True)
                sys.exit(1)
            # Listing the newest e-mails of an empty outbox is an answer, not a failure
            # (`make codes` before anyone has logged in).
            click.echo(f"no message for {address}" if address else "the outbox is empty")
            return
        for message in found:
            heading = "" if address and count is None else f"To: {message.to}\n"
            click.echo(f"{heading}Subject: {message.subject}\n\n{message.body}\n")

    @app.cli.group("audit")
    def audit_group():
        """Activity journal."""

    @audit_group.command("verify")
    @click.option("--full", is_flag=True, help="Verify every seal, not only the new ones.")
    @click.option("--checkpoint", "checkpoint", type=click.File("r"),
                  help="A signed checkpoint (from `audit checkpoint`) the journal must hold.")
    def audit_verify(full, checkpoint):
        """Verify the seals, the Merkle roots and the patients' chains; report what is broken
        and what is not yet sealed."""
        from .audit import verify
        from .audit.seal import signing_key
        from .extensions import db
        from flask import current_app
        public_key = signing_key().public_key()
        extra = []
        if checkpoint is not None:
            try:
                size, seal_hash = verify.parse_checkpoint(checkpoint.read(), public_key)
            except ValueError as error:
                click.echo(f"checkpoint refused: {error}", err=True)
                sys.exit(1)
            extra.append((size, seal_hash, "checkpoint"))
            full = True  # the journal must be intact from its start to that checkpoint
        with db.connection_context():
            report = verify.verify(full=full, public_key=public_key, extra=extra,
                                   witness_file=current_app.config.get("JOURNAL_WITNESS_FILE"),
                                   database_url=current_app.config["DATABASE_URL"],
                                   workers=os.cpu_count() or 1)
            verify.save(report)
            if report.intact:
                verify._witness(current_app.config.get("JOURNAL_WITNESS_FILE"), report)
        rate = report.checked / (report.duration_ms / 1000) if report.duration_ms else 0
        pending = (f"; {report.pending} not yet sealed (oldest "
                   f"{report.oldest_pending_at:%Y-%m-%d %H:%M:%S} UTC)" if report.pending else "")
        if report.intact:
            click.echo(f"journal intact: {report.checked} entries in {report.seals} seals "
                       f"verified ({rate:,.0f}/s), {report.tree_size} sealed in all{pending}")
            return
        where = " ".join(part for part in (
            f"seal {report.broken_seal}" if report.broken_seal else "",
            f"entry {report.broken_entry}" if report.broken_entry else "") if part)
        click.echo(f"journal BROKEN ({report.problem}) {where} {report.detail}".rstrip()
                   + pending, err=True)
        sys.exit(1)

    @audit_group.command("checkpoint")
    def audit_checkpoint():
        """Print the latest signed checkpoint (a C2SP signed note), to publish elsewhere."""
        from .audit import JournalSeal
        from .audit.seal import checkpoint_note, signing_key
        from .extensions import db
        with db.connection_context():
            seal = JournalSeal.select().order_by(JournalSeal.seq.desc()).first()
        if seal is None:
            click.echo("nothing sealed yet: the journal is empty, or the sealer has not run "
                       "(flask --app wsgi audit seal)", err=True)
            sys.exit(1)
        click.echo(checkpoint_note(seal, signing_key().public_key()), nl=False)

    @audit_group.command("seal")
    def audit_seal():
        """Seal the entries waiting now (the worker does it every few seconds)."""
        from .audit.seal import seal_pending
        from .extensions import db
        with db.connection_context():
            sealed = seal_pending()
        click.echo(f"{sealed} entries sealed")

    @app.cli.group("storage")
    def storage_group():
        """Stored objects (documents, attachments, print files, proofs)."""

    @storage_group.command("orphans")
    @click.option("--grace-minutes", default=60, show_default=True,
                  help="Objects younger than this are uploads in flight, never orphans.")
    @click.option("--delete", is_flag=True, help="Delete the orphaned objects found.")
    @click.option("--force", is_flag=True,
                  help="Delete even when more than half of the store looks orphaned.")
    def storage_orphans(grace_minutes, delete, force):
        """List the stored objects no row names any more (and delete them with --delete)."""
        from datetime import timedelta

        from .documents.orphans import Implausible, check_plausible, delete_orphans, find_orphans
        from .extensions import db
        with db.connection_context():
            findings = find_orphans(grace=timedelta(minutes=grace_minutes))
            for key in findings.orphans:
                click.echo(f"orphan  {key}")
            for key in findings.unknown:
                click.echo(f"unknown {key}")
            click.echo(f"{findings.objects} object(s): {findings.named} named by a row, "
                       f"{len(findings.orphans)} orphaned, {findings.recent} too recent to "
                       f"judge, {len(findings.unknown)} outside the layout (kept)")
            if not delete or not findings.orphans:
                return
            if not force:
                try:
                    check_plausible(findings)
                except Implausible as refusal:
                    click.echo(f"nothing deleted: {refusal} (--force deletes anyway)", err=True)
                    sys.exit(1)
            click.echo(f"{delete_orphans(findings)} orphaned object(s) deleted")
