"""The patient's emergency-access settings and each emergency access declared."""
from datetime import timedelta

from peewee import BooleanField, DateTimeField, ForeignKeyField, TextField

from ..accounts.models import Account, Person, utcnow
from ..db import BaseModel

DURATION = timedelta(hours=2)


class EmergencySettings(BaseModel):
    """The patient's three switches (defaults: emergency access allowed, masked kept masked)."""

    patient = ForeignKeyField(Person, unique=True, backref="+", on_delete="CASCADE")
    samu_allowed = BooleanField(default=True)
    others_allowed = BooleanField(default=True)
    masked_visible = BooleanField(default=False)

    @classmethod
    def for_patient(cls, patient_id):
        """The saved settings, or unsaved defaults."""
        return cls.get_or_none(cls.patient == patient_id) or cls(patient=patient_id)

    def allows(self, profession):
        """Does the patient let a professional of this profession in, in an emergency?"""
        return self.samu_allowed if profession == "medecin_regulateur" else self.others_allowed


class EmergencyAccess(BaseModel):
    """One declared emergency: time-limited, never extended (a new one needs a new reason)."""

    patient = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    professional = ForeignKeyField(Account, backref="+", on_delete="CASCADE")
    reason = TextField()
    started_at = DateTimeField(default=utcnow)
    ends_at = DateTimeField()
    ended_at = DateTimeField(null=True)
    patient_seen_at = DateTimeField(null=True)  # the patient acknowledged the notice
