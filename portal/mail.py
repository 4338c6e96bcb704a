"""Outbound e-mail: every message is stored, then delivered by a huey task, at least once.

With MAIL_SERVER set, the task sends it by SMTP; otherwise it stays in the outbox, where
`flask --app wsgi outbox --to ADDRESS` reads it (demos and tests take login codes there).

A message goes queued → sending → sent (or kept, without SMTP; or failed, after MAX_ATTEMPTS).
A worker takes it with a conditional UPDATE (claim), so two workers never both send it; the
claim carries its time. A worker can die at any point: sweep(), every minute and when a worker
starts, hands back to the queue a message left "sending" past its lease, or left "queued" and
not handed over for as long (the queue lost the task, or the row was not committed yet when the
worker looked). A sent message is never sent again. The one gap at-least-once leaves: a worker
that dies after the SMTP server accepted a message and before recording it makes a second copy;
that copy carries the same Message-ID (from the row's message_key), so mail systems can tell.
"""
import logging
import secrets
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr

from flask import current_app, has_app_context, has_request_context
from flask_babel import force_locale
from huey import crontab
from peewee import CharField, DateTimeField, IntegerField, TextField

from . import turn
from .accounts.models import utcnow
from .db import BaseModel, hand_over_again
from .extensions import huey

LOGGER = logging.getLogger("carnet.mail")

QUEUED, SENDING, SENT, KEPT, FAILED = "queued", "sending", "sent", "kept", "failed"
# A message is tried this many times (a failed try waits a lease before the next one).
MAX_ATTEMPTS = 5
# Handed back to the queue at most this many at a time (the sweeper runs every minute).
SWEEP_BATCH = 500


def new_key():
    return secrets.token_hex(16)


class OutboxMessage(BaseModel):
    """An e-mail to send (or, without SMTP, kept for reading)."""

    to = CharField(max_length=254, index=True)
    subject = CharField(max_length=200)
    body = TextField()
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    attempts = IntegerField(default=0)
    status = CharField(max_length=10, default=QUEUED, index=True)
    # The message's identity for its whole life: its Message-ID, the same on every try.
    message_key = CharField(max_length=32, unique=True, default=new_key)
    claimed_at = DateTimeField(null=True)        # when a worker took it (status "sending")
    enqueued_at = DateTimeField(default=utcnow)  # when it was last handed to the queue


def language_for(address, caused_by=None):
    """The language to write to `address` in: its account's, else (someone without an
    account) that of the person who caused the e-mail (`caused_by`, an Account or a language;
    by default the one logged in), else French."""
    from flask_login import current_user

    from .accounts.models import Account
    languages = current_app.config["LANGUAGES"]
    account = Account.get_or_none(Account.email == address.strip().lower())
    if account is not None and account.language in languages:
        return account.language
    if caused_by is None and has_request_context() and current_user.is_authenticated:
        caused_by = current_user
    caused_by = getattr(caused_by, "language", caused_by)
    return caused_by if caused_by in languages else "fr"


def send(to, subject, body, caused_by=None):
    """Queue an e-mail; the worker delivers it. Never put medical content in `body`.
    `subject` and `body` are written in the recipient's language (language_for): pass lazy
    strings (_l, _ln, LazyDate values), which are translated here, under that language."""
    if has_app_context():
        with force_locale(language_for(to, caused_by)):
            subject, body = str(subject), str(body)
    else:  # plain texts from a script: nothing to translate
        subject, body = str(subject), str(body)
    message = OutboxMessage.create(to=to.strip().lower(), subject=subject, body=body)
    deliver(message.id)
    return message


def latest_for(address):
    """The newest message queued for an address (for the outbox command and tests)."""
    return (OutboxMessage.select().where(OutboxMessage.to == address.strip().lower())
            .order_by(OutboxMessage.id.desc()).first())


def latest(count, address=None):
    """The `count` newest messages queued (for one address, or for anyone), newest first."""
    query = OutboxMessage.select().order_by(OutboxMessage.id.desc()).limit(count)
    if address:
        query = query.where(OutboxMessage.to == address.strip().lower())
    return list(query)


def lease():
    """How long a claim, or a hand-over to the queue, is trusted before the sweeper acts."""
    return timedelta(seconds=int(current_app.config.get("MAIL_LEASE_SECONDS", 120)))


def message_id(app, message):
    domain = parseaddr(app.config["MAIL_SENDER"])[1].rpartition("@")[2] or "carnet.invalid"
    return f"<{message.message_key}@{domain}>"


@turn.gives_way  # waits for the mail server
def _smtp_send(app, message):
    msg = EmailMessage()
    msg["From"] = app.config["MAIL_SENDER"]
    msg["To"] = message.to
    msg["Subject"] = message.subject
    msg["Message-ID"] = message_id(app, message)
    msg.set_content(message.body)
    with smtplib.SMTP(app.config["MAIL_SERVER"], app.config["MAIL_PORT"], timeout=30) as smtp:
        if app.config["MAIL_USE_TLS"]:
            smtp.starttls()
        if app.config["MAIL_USERNAME"]:
            smtp.login(app.config["MAIL_USERNAME"], app.config["MAIL_PASSWORD"])
        smtp.send_message(msg)


def claim(message_id):
    """Take a queued message for sending (queued → sending, one try more); False when another
    worker has it, or it is no longer queued."""
    return OutboxMessage.update(
        status=SENDING, claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1).where(
        OutboxMessage.id == message_id, OutboxMessage.status == QUEUED).execute() == 1


def _finish(message_id, **changes):
    return OutboxMessage.update(**changes).where(OutboxMessage.id == message_id,
                                                 OutboxMessage.status == SENDING).execute()


class NotStoredYet(Exception):
    """The message's row is not visible yet: queued inside a transaction not committed."""


def deliver_now(app, message_id):
    """Claim one message and send it by SMTP, or keep it in the outbox. A failed try gives the
    message back (the sweeper queues it again after a lease) until MAX_ATTEMPTS."""
    if not claim(message_id):
        if not OutboxMessage.select().where(OutboxMessage.id == message_id).exists():
            raise NotStoredYet(message_id)  # huey tries the task again in a moment
        return False
    message = OutboxMessage.get_by_id(message_id)
    if not app.config.get("MAIL_SERVER"):
        _finish(message_id, status=KEPT, claimed_at=None)
        return True
    try:
        _smtp_send(app, message)
    except (smtplib.SMTPException, OSError) as exc:
        refused = isinstance(exc, smtplib.SMTPRecipientsRefused)
        given_up = refused or message.attempts >= MAX_ATTEMPTS
        # The message number and the error's kind only: never an address or a subject.
        LOGGER.warning("message %s not sent (try %s): %s", message_id, message.attempts,
                       type(exc).__name__)
        _finish(message_id, status=FAILED if given_up else QUEUED, claimed_at=None,
                enqueued_at=utcnow())
        return False
    _finish(message_id, status=SENT, sent_at=utcnow(), claimed_at=None)
    return True


@huey.task(retries=3, retry_delay=5)
def deliver(message_id):
    """Send one queued message by SMTP, or keep it in the outbox; idempotent."""
    from .worker import app_context
    with app_context() as app:
        return deliver_now(app, message_id)


def sweep(now=None):
    """Hand back to the queue what a dead worker, or a lost task, left behind; returns how many
    messages were handed over. A message "sending" past its lease is queued again (its worker
    died: it may have been sent, and then goes twice, with the same Message-ID); one "queued"
    and not handed over for a lease is handed over again. Sent and kept ones are never
    touched."""
    now = now or utcnow()
    stale = now - lease()
    for row in list(OutboxMessage.select(OutboxMessage.id, OutboxMessage.attempts,
                                         OutboxMessage.claimed_at).where(
            OutboxMessage.status == SENDING, OutboxMessage.claimed_at <= stale)
            .limit(SWEEP_BATCH)):
        status = QUEUED if row.attempts < MAX_ATTEMPTS else FAILED
        OutboxMessage.update(status=status, claimed_at=None).where(
            OutboxMessage.id == row.id, OutboxMessage.status == SENDING,
            OutboxMessage.claimed_at == row.claimed_at).execute()
        LOGGER.warning("message %s was left sending by a worker: %s", row.id, status)
    return hand_over_again(OutboxMessage, deliver, queued=QUEUED, stale=stale, now=now,
                           limit=SWEEP_BATCH)


@huey.periodic_task(crontab(minute="*"))
def sweep_outbox():
    """Every minute: messages a dead worker left, or the queue lost, are handed over again."""
    from .worker import app_context
    with app_context():
        sweep()
