"""Professional access to a patient's space."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField

from ..accounts.models import Account, Person, utcnow
from ..db import BaseModel


class Grant(BaseModel):
    """A professional the patient authorised (or their médecin traitant), possibly blocked.

    A grant obtained with an access code ends at `expires_at`; the others have none."""

    patient = ForeignKeyField(Person, backref="grants", on_delete="CASCADE", index=False)
    professional = ForeignKeyField(Account, backref="grants", on_delete="CASCADE")
    treating_doctor = BooleanField(default=False)
    administrator = BooleanField(default=False)
    blocked = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    last_access_at = DateTimeField(null=True)
    expires_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("patient", "professional"), True),)


class AccessCode(BaseModel):
    """A one-time code the patient gives a professional (stored hashed, time-limited)."""

    patient = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    created_by = ForeignKeyField(Account, backref="+", on_delete="CASCADE")
    code_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    used_by = ForeignKeyField(Account, null=True, backref="+", on_delete="SET NULL")
    revoked_at = DateTimeField(null=True)

    def status(self, now=None):
        """revoked, used, expired or valid (in that order of precedence)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.used_at is not None:
            return "used"
        if self.expires_at <= (now or utcnow()):
            return "expired"
        return "valid"
