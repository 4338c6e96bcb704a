"""Professional access to a patient's space."""
from peewee import BooleanField, DateTimeField, ForeignKeyField

from ..accounts.models import Account, Person, utcnow
from ..db import BaseModel


class Grant(BaseModel):
    """A professional the patient authorised (or their médecin traitant), possibly blocked."""

    patient = ForeignKeyField(Person, backref="grants", on_delete="CASCADE")
    professional = ForeignKeyField(Account, backref="grants", on_delete="CASCADE")
    treating_doctor = BooleanField(default=False)
    administrator = BooleanField(default=False)
    blocked = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    last_access_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("patient", "professional"), True),)
