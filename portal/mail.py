"""Outbound e-mail: every message is stored, then delivered by a huey task.

With MAIL_SERVER set, the task sends it by SMTP; otherwise it stays in the outbox, where
`flask --app wsgi outbox --to ADDRESS` reads it (demos and tests take login codes there).
"""
import smtplib
from email.message import EmailMessage

from peewee import CharField, DateTimeField, IntegerField, TextField

from .accounts.models import utcnow
from .db import BaseModel
from .extensions import huey


class OutboxMessage(BaseModel):
    """An e-mail to send (or, without SMTP, kept for reading)."""

    to = CharField(max_length=254, index=True)
    subject = CharField(max_length=200)
    body = TextField()
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    attempts = IntegerField(default=0)
    status = CharField(max_length=10, default="queued")  # queued, sent, kept, failed


def send(to, subject, body):
    """Queue an e-mail; the worker delivers it. Never put medical content in `body`."""
    message = OutboxMessage.create(to=to.strip().lower(), subject=subject, body=body)
    deliver(message.id)
    return message


def latest_for(address):
    """The newest message queued for an address (for the outbox command and tests)."""
    return (OutboxMessage.select().where(OutboxMessage.to == address.strip().lower())
            .order_by(OutboxMessage.id.desc()).first())


def _smtp_send(app, message):
    msg = EmailMessage()
    msg["From"] = app.config["MAIL_SENDER"]
    msg["To"] = message.to
    msg["Subject"] = message.subject
    msg.set_content(message.body)
    with smtplib.SMTP(app.config["MAIL_SERVER"], app.config["MAIL_PORT"], timeout=30) as smtp:
        if app.config["MAIL_USE_TLS"]:
            smtp.starttls()
        if app.config["MAIL_USERNAME"]:
            smtp.login(app.config["MAIL_USERNAME"], app.config["MAIL_PASSWORD"])
        smtp.send_message(msg)


@huey.task(retries=3, retry_delay=60)
def deliver(message_id):
    """Send one queued message by SMTP, or keep it in the outbox; idempotent."""
    from .tasks import app_context
    with app_context() as app:
        message = OutboxMessage.get_or_none(OutboxMessage.id == message_id)
        if message is None or message.status in ("sent", "kept"):
            return
        if not app.config.get("MAIL_SERVER"):
            OutboxMessage.update(status="kept").where(OutboxMessage.id == message_id).execute()
            return
        OutboxMessage.update(attempts=OutboxMessage.attempts + 1).where(
            OutboxMessage.id == message_id).execute()
        _smtp_send(app, message)
        OutboxMessage.update(status="sent", sent_at=utcnow()).where(
            OutboxMessage.id == message_id).execute()
