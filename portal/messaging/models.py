"""Conversations between one patient's space and one professional, their messages, and the
professional's messaging settings.

A conversation belongs to the patient (Person) and to one professional (Account). Each side has
its own trash (`*_trashed_at`, then `*_deleted_at` once the trash is emptied: the other side
keeps its copy). Each message records who actually wrote it (`author`) and, on the patient's
side, through which relationship (self, guardian, delegation, mandate).
"""
from peewee import (BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField)

from ..accounts.models import Account, Person, utcnow
from ..db import BaseModel
from ..documents.models import Document


class Conversation(BaseModel):
    patient = ForeignKeyField(Person, backref="conversations", on_delete="CASCADE", index=False)
    professional = ForeignKeyField(Account, backref="conversations",
                                   on_delete="CASCADE", index=False)
    subject = CharField(max_length=200)
    started_by = ForeignKeyField(Account, backref="+", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    last_message_at = DateTimeField(default=utcnow)
    closed_at = DateTimeField(null=True)  # closed by the professional: no more replies
    closed_by = ForeignKeyField(Account, null=True, backref="+", on_delete="SET NULL")
    patient_trashed_at = DateTimeField(null=True)
    patient_deleted_at = DateTimeField(null=True)
    professional_trashed_at = DateTimeField(null=True)
    professional_deleted_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            (("patient", "last_message_at"), False),
            (("professional", "last_message_at"), False),
        )


class Message(BaseModel):
    conversation = ForeignKeyField(Conversation, backref="messages",
                                   on_delete="CASCADE", index=False)
    author = ForeignKeyField(Account, backref="+", on_delete="CASCADE")  # who actually wrote
    from_professional = BooleanField(default=False)
    relation_kind = CharField(max_length=20, default="self")  # the patient side's relationship
    body = TextField()
    no_reply = BooleanField(default=False)  # a professional's message that allows no reply
    created_at = DateTimeField(default=utcnow)
    read_at = DateTimeField(null=True)  # read by the other side

    class Meta:
        indexes = ((("conversation", "created_at"), False),)


class Attachment(BaseModel):
    """A file sent with a message: checked and encrypted like a dossier document."""

    message = ForeignKeyField(Message, backref="attachments", on_delete="CASCADE")
    storage_key = CharField(max_length=64, unique=True)
    mime_type = CharField(max_length=60)
    size = IntegerField()
    sha256 = CharField(max_length=64)
    original_name = CharField(max_length=255, default="")
    # the dossier document made from it ("Ajouter à mon dossier"), if any
    filed_document = ForeignKeyField(Document, null=True, backref="+", on_delete="SET NULL")


class Draft(BaseModel):
    """A message being written, kept server-side so that nothing typed is lost."""

    author = ForeignKeyField(Account, backref="+", on_delete="CASCADE")
    patient = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    conversation = ForeignKeyField(Conversation, null=True, backref="+", on_delete="CASCADE")
    professional = ForeignKeyField(Account, null=True, backref="+", on_delete="CASCADE")
    subject = CharField(max_length=200, default="")
    body = TextField(default="")
    updated_at = DateTimeField(default=utcnow)


class MessagingSettings(BaseModel):
    """A professional's choice: may patients start conversations with them?"""

    professional = ForeignKeyField(Account, unique=True, backref="+", on_delete="CASCADE")
    patients_may_write = BooleanField(default=True)

    @classmethod
    def for_professional(cls, account_id):
        return cls.get_or_none(cls.professional == account_id) or cls(professional=account_id)
