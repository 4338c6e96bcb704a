"""Contacts (persons to contact in an emergency, the trusted person) and wishes (organ
donation) of one patient."""
from peewee import (SQL, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField,
                    IntegerField, TextField)

from ..accounts.models import Account, Person, utcnow
from ..db import BaseModel
from . import phones

EMERGENCY = "emergency"   # personne à prévenir en cas d'urgence
TRUSTED = "trusted"       # personne de confiance (code de la santé publique, L1111-6)
KINDS = (EMERGENCY, TRUSTED)
MAX_EMERGENCY_CONTACTS = 5

# Organ donation: not said, does not object (presumed consent, said aloud), refuses.
DONATION_UNSET = ""
DONATION_AGREES = "agrees"
DONATION_REFUSES = "refuses"
DONATION_CHOICES = (DONATION_UNSET, DONATION_AGREES, DONATION_REFUSES)


class Contact(BaseModel):
    """Someone the patient wants called in an emergency, or their trusted person (at most one:
    a partial unique index below backs the view's check)."""

    patient = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=10)
    name = CharField(max_length=200)
    relationship = CharField(max_length=100)
    phone = CharField(max_length=16)          # E.164, e.g. +33612345678
    email = CharField(max_length=254, default="")
    note = TextField(default="")
    position = IntegerField(default=0)        # call order of the emergency contacts
    accepted = BooleanField(default=False)    # trusted person: has accepted and co-signed
    designated_on = DateField(null=True)      # trusted person: date of the written designation
    created_by = ForeignKeyField(Account, null=True, backref="+", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "entourage_contact"

    @classmethod
    def of_patient(cls, patient_id, kind=None):
        """One patient's contacts, emergency contacts in call order."""
        query = cls.select().where(cls.patient == patient_id)
        if kind is not None:
            query = query.where(cls.kind == kind)
        return query.order_by(cls.position, cls.id)

    @property
    def phone_display(self):
        return phones.display(self.phone)

    @property
    def phone_uri(self):
        return phones.tel_uri(self.phone)


# A literal condition: the migration's frozen SQL must not hold a query parameter.
Contact.add_index(Contact.index(Contact.patient, unique=True, safe=False,
                                name="entourage_contact_one_trusted")
                  .where(SQL(f"\"kind\" = '{TRUSTED}'")))


class Wishes(BaseModel):
    """The patient's organ-donation wish (one row per patient)."""

    patient = ForeignKeyField(Person, unique=True, backref="+", on_delete="CASCADE")
    organ_donation = CharField(max_length=10, default=DONATION_UNSET)
    refusal_registered = BooleanField(default=False)   # inscrit(e) au registre national des refus
    refusal_scope = TextField(default="")              # partial refusal: organs or uses refused
    comment = TextField(default="")
    updated_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(Account, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "entourage_wishes"
