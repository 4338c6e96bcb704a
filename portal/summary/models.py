"""A print job: what was asked, by whom, for which space, and the PDF once the worker made it."""
from datetime import timedelta

from ..rendering import lazy_gettext as _l
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField

from ..accounts.models import Account, Person, utcnow
from ..db import BaseModel
from ..documents.models import Document

SUMMARY = "synthese"
CARD = "carte"
KINDS = {SUMMARY: _l("Ma synthèse"), CARD: _l("Carte d’urgence")}

# The sections of Ma synthèse, in print order (identity is always printed).
SECTIONS = {
    "doctor": _l("Médecin traitant"),
    "blood_group": _l("Groupe sanguin"),
    "allergies": _l("Allergies"),
    "treatments": _l("Traitements en cours"),
    "conditions": _l("Maladies et problèmes de santé"),
    "vaccinations": _l("Vaccinations"),
    "measures": _l("Dernières mesures"),
    "appointments": _l("Prochains rendez-vous"),
    "contacts": _l("Personnes à contacter"),
    "directives": _l("Directives anticipées"),
}

QUEUED, RUNNING, DONE, FAILED, EXPIRED = "queued", "running", "done", "failed", "expired"
# A generated file is kept this long, unless saved to the dossier (then it is a document).
KEPT_FOR = timedelta(hours=24)
# Rows of expired jobs stay a while, so that an old link says what happened (then go).
ROWS_KEPT_FOR = timedelta(days=30)
# At most this many jobs of one person waiting or in progress at once.
MAX_ACTIVE = 3
# The worker rendering a job says it is alive this often; a running job not heard from for
# HEARTBEAT_LEASE is failed ("interrupted"): its worker died. A queued job not taken by a worker
# for QUEUE_LEASE is handed to the queue again (the queue lost it).
HEARTBEAT_EVERY = timedelta(seconds=10)
HEARTBEAT_LEASE = timedelta(seconds=60)
QUEUE_LEASE = timedelta(minutes=2)


class PrintJob(BaseModel):
    """One PDF asked for in a space by an account (the patient's side), made by the worker."""

    patient = ForeignKeyField(Person, backref="+", on_delete="CASCADE", index=False)
    requested_by = ForeignKeyField(Account, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=10)
    sections = CharField(max_length=300, default="")   # comma-separated SECTIONS keys
    language = CharField(max_length=5, default="fr")
    status = CharField(max_length=10, default=QUEUED)
    # timeout, memory, too_big, access, failed, interrupted (its worker died)
    error = CharField(max_length=20, default="")
    created_at = DateTimeField(default=utcnow)
    started_at = DateTimeField(null=True)
    heartbeat_at = DateTimeField(null=True)              # the worker's last sign of life
    enqueued_at = DateTimeField(default=utcnow)          # last handed to the queue
    finished_at = DateTimeField(null=True)
    expires_at = DateTimeField(null=True)
    storage_key = CharField(max_length=64, null=True)   # encrypted like documents (store_blob)
    size = IntegerField(null=True)
    sha256 = CharField(max_length=64, null=True)
    pages = IntegerField(null=True)
    render_ms = IntegerField(null=True)
    peak_kb = IntegerField(null=True)                    # the rendering process's peak memory
    saved_document = ForeignKeyField(Document, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "print_job"
        indexes = ((("patient", "requested_by", "created_at"), False),)

    @property
    def section_list(self):
        return [s for s in self.sections.split(",") if s in SECTIONS]

    @property
    def title(self):
        return KINDS.get(self.kind, self.kind)

    @property
    def finished(self):
        return self.status in (DONE, FAILED, EXPIRED)

    def abandoned(self, now=None):
        """Running, but its worker has not been heard from within the lease: it died."""
        last = self.heartbeat_at or self.started_at
        return self.status == RUNNING and (last is None or
                                           last <= (now or utcnow()) - HEARTBEAT_LEASE)

    @classmethod
    def of(cls, patient_id, account_id):
        """The jobs one account asked for in one space: load jobs only through this."""
        return cls.select().where(cls.patient == patient_id, cls.requested_by == account_id)
