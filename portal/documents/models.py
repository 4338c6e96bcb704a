"""Documents of a patient's record, their visibility labels, and the record's own settings."""
from datetime import timedelta

from ..rendering import lazy_gettext as _l
from peewee import (BooleanField, CharField, DateField, DateTimeField, ForeignKeyField,
                    IntegerField, TextField)

from ..accounts.models import Account, Person, utcnow
from ..db import BaseModel

CATEGORIES = {
    "synthese": _l("Synthèse"),
    "ordonnances": _l("Ordonnances et soins"),
    "imagerie": _l("Radio, écho, scanner, IRM"),
    "biologie": _l("Résultats de biologie"),
    "comptes_rendus": _l("Comptes rendus"),
    "prevention": _l("Prévention et dépistages"),
    "certificats": _l("Certificats médicaux"),
    "administratif": _l("Pièces administratives"),
    "directives": _l("Directives anticipées"),
    "autres": _l("Autres"),
}

# A document hidden from the patient becomes visible on its own after this delay.
HIDDEN_FROM_PATIENT_FOR = timedelta(days=30)
HIDDEN_NOTICE_AFTER = timedelta(days=14)


class Document(BaseModel):
    """One document: metadata here, the encrypted content in the file store."""

    patient = ForeignKeyField(Person, backref="documents", on_delete="CASCADE", index=False)
    author = ForeignKeyField(Account, backref="authored_documents", on_delete="RESTRICT")
    author_is_professional = BooleanField(default=False)
    title = CharField(max_length=200)
    document_date = DateField()
    category = CharField(max_length=30)
    doc_type = CharField(max_length=60, default="")  # a professional's document type
    folder = CharField(max_length=100, default="")
    pinned = BooleanField(default=False)
    # content (encrypted at rest; see portal/documents/store.py)
    storage_key = CharField(max_length=64, unique=True)
    mime_type = CharField(max_length=60)
    size = IntegerField()
    sha256 = CharField(max_length=64)
    original_name = CharField(max_length=255, default="")
    has_preview = BooleanField(default=False)
    meta = TextField(default="")  # e.g. DICOM study date and modality, as JSON
    # visibility labels
    masked_from_pros = BooleanField(default=False)
    hidden_from_patient = BooleanField(default=False)
    hidden_until = DateTimeField(null=True)
    hidden_notice_sent_at = DateTimeField(null=True)
    hidden_from_guardians = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        # The list reads one page in index order (pinned first, newest first) instead of
        # sorting the whole record; counts and folder lists are answered from the indexes.
        indexes = (
            (("patient", "document_date"), False),
            (("patient", "category", "document_date"), False),
            (("patient", "pinned", "document_date"), False),
            (("patient", "hidden_from_patient", "pinned", "document_date"), False),
            (("patient", "folder"), False),
        )

    @property
    def category_label(self):
        return CATEGORIES.get(self.category, self.category)

    def hide_from_patient_until_announced(self, now=None):
        """Set the 'hidden from the patient' label with its automatic end date."""
        now = now or utcnow()
        self.hidden_from_patient = True
        self.hidden_until = now + HIDDEN_FROM_PATIENT_FOR


class DossierSettings(BaseModel):
    """Per-record choices of the patient, such as masking every document from professionals."""

    patient = ForeignKeyField(Person, unique=True, backref="+", on_delete="CASCADE")
    mask_all_from_pros = BooleanField(default=False)

    @classmethod
    def for_patient(cls, patient_id):
        return cls.get_or_none(cls.patient == patient_id) or cls(patient=patient_id)


class DocumentReport(BaseModel):
    """"Signaler un problème" on a document: who reported what."""

    document = ForeignKeyField(Document, backref="reports", on_delete="CASCADE")
    reporter = ForeignKeyField(Account, backref="+", on_delete="RESTRICT")
    reason = CharField(max_length=40)
    comment = TextField(default="")
    created_at = DateTimeField(default=utcnow)
