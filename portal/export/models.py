"""One data export of a space: asked by an account, built by the worker, kept 7 days."""
from datetime import timedelta

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField

from ..accounts.models import Account, Person, utcnow
from ..db import BaseModel

QUEUED, RUNNING, DONE, FAILED, EXPIRED = "queued", "running", "done", "failed", "expired"
ACTIVE = (QUEUED, RUNNING)
# The ZIP can be downloaded this long after it is ready; then it is deleted.
KEPT_FOR = timedelta(days=7)
# A space's export is built once at a time, and a new one may be asked this long after the
# last one was asked (a ZIP of the whole record costs the worker minutes, and nothing in a
# space changes so fast that the person needs two a day).
ONE_EVERY = timedelta(hours=24)
# An export taken by a worker that is not done within this lease (the worker died), or queued
# and not taken for as long (the queue lost it), is handed to the queue again, at most
# MAX_ATTEMPTS times in all (the proofs' rule, portal/jobs.py).
LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 3


class ExportJob(BaseModel):
    """A ZIP of one space's data, asked by `requested_by` (the holder or a legal
    representative), stored encrypted in parts (documents/store.py store_file)."""

    patient = ForeignKeyField(Person, backref="+", on_delete="CASCADE", index=False)
    requested_by = ForeignKeyField(Account, backref="+", on_delete="CASCADE")
    language = CharField(max_length=5, default="fr")
    status = CharField(max_length=10, default=QUEUED)
    error = CharField(max_length=20, default="")
    attempts = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    claimed_at = DateTimeField(null=True)                 # when a worker took it
    enqueued_at = DateTimeField(default=utcnow)           # last handed to the queue
    finished_at = DateTimeField(null=True)
    expires_at = DateTimeField(null=True)
    storage_key = CharField(max_length=64, null=True)
    parts = IntegerField(default=0)
    size = IntegerField(null=True)
    files = IntegerField(null=True)                       # files in the ZIP

    class Meta:
        table_name = "export_job"
        indexes = ((("patient", "created_at"), False),)

    @classmethod
    def stored_objects(cls, ids):
        """The object-store keys of these exports' ZIPs (their encrypted parts): what
        deleting a space removes (lifecycle/deletion.py)."""
        from ..documents.store import file_part_keys
        return [key for storage_key, parts in cls.select(cls.storage_key, cls.parts).where(
                    cls.id.in_(list(ids)), cls.storage_key.is_null(False)).tuples()
                for key in file_part_keys(storage_key, parts)]

    @property
    def finished(self):
        return self.status not in ACTIVE

    @classmethod
    def of_space(cls, patient_id):
        """The exports of one space, whoever asked (for the one-at-a-time rule only)."""
        return cls.select().where(cls.patient == patient_id)

    @classmethod
    def of_requester(cls, patient_id, account_id):
        """The exports of one space asked by one account: load exports to show or hand out
        only through this (scoped). A ZIP is built with what its requester may see (a legal
        representative does not see what is hidden from representatives): it is theirs alone,
        never another account's who reaches the same space."""
        return cls.select().where(cls.patient == patient_id, cls.requested_by == account_id)

    def kept(self, now=None):
        """Whether its file may still be downloaded: built, and its 7 days not over (the
        hourly purge deletes it later; the deadline holds from the minute it passes)."""
        return self.status == DONE and bool(self.storage_key) and self.expires_at is not None \
            and self.expires_at > (now or utcnow())
