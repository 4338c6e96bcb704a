"""The medical profile: one table per section, every row an entry of one patient by one author.

List sections (conditions, treatments…) hold any number of entries; single-value sections
(blood group, lifestyle, advance directives) hold at most one row per patient. Who wrote an
entry decides who may change it (see `EntryFields.changeable_by`).
"""
from peewee import (BooleanField, CharField, DateField, DateTimeField, ForeignKeyField,
                    IntegerField, Model, TextField, make_snake_case)

from ..accounts.models import ROLE_PROFESSIONAL, Account, Person, utcnow
from ..db import BaseModel
from ..documents.models import Document
from ..extensions import db


class EntryFields(Model):
    """Columns shared by every profile entry. Not a BaseModel subclass on purpose: it has no
    table of its own, and the schema tools list only BaseModel subclasses."""

    patient = ForeignKeyField(Person, backref="+", on_delete="CASCADE")
    author = ForeignKeyField(Account, backref="+", on_delete="RESTRICT")
    author_is_professional = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        database = db
        legacy_table_names = False
        # profile_allergy, profile_vaccination…: the area's tables are recognisable at a glance.
        table_function = staticmethod(lambda model: "profile_" + make_snake_case(model.__name__))

    @classmethod
    def of_patient(cls, patient_id):
        """Entries of one patient, with their author's account and person (one query)."""
        author = Account.alias()
        author_person = Person.alias()
        return (cls.select(cls, author, author_person)
                .join(author, on=(cls.author == author.id))
                .join(author_person, on=(author.person == author_person.id))
                .where(cls.patient == patient_id))

    def changeable_by(self, account):
        """A professional changes only their own entries; the patient's side (the patient,
        a legal representative, a caregiver, a mediator) changes every entry but those of
        professionals."""
        if account.role == ROLE_PROFESSIONAL:
            return self.author_id == account.id
        return not self.author_is_professional


class Condition(EntryFields, BaseModel):
    """Maladies et sujets de santé."""

    name = CharField(max_length=200)
    started_on = DateField(null=True)
    ended_on = DateField(null=True)
    comment = TextField(default="")


class Treatment(EntryFields, BaseModel):
    """Traitements, optionally tied to one of the patient's conditions."""

    name = CharField(max_length=200)
    dose = CharField(max_length=200, default="")
    duration = CharField(max_length=100, default="")
    comment = TextField(default="")
    condition = ForeignKeyField(Condition, null=True, backref="treatments", on_delete="SET NULL")


class Hospitalization(EntryFields, BaseModel):
    """Hospitalisations; documents of the same record may be linked to it."""

    admitted_on = DateField()
    length_days = IntegerField(null=True)
    reason = CharField(max_length=200)
    place = CharField(max_length=200, default="")
    comment = TextField(default="")


class HospitalizationDocument(BaseModel):
    """A document of the record linked to a hospitalisation (same patient)."""

    hospitalization = ForeignKeyField(Hospitalization, backref="document_links",
                                      on_delete="CASCADE", index=False)
    document = ForeignKeyField(Document, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "profile_hospitalization_document"
        indexes = ((("hospitalization", "document"), True),)


class Allergy(EntryFields, BaseModel):
    """Allergies et intolérances."""

    substance = CharField(max_length=200)
    kind = CharField(max_length=20)
    reaction = CharField(max_length=200, default="")
    severity = CharField(max_length=20, default="")
    comment = TextField(default="")


class FamilyHistory(EntryFields, BaseModel):
    """Antécédents familiaux: a relative and their condition."""

    relative = CharField(max_length=30)
    condition = CharField(max_length=200)
    comment = TextField(default="")


class Vaccination(EntryFields, BaseModel):
    """Vaccinations."""

    vaccine = CharField(max_length=200)
    given_on = DateField()
    lot_number = CharField(max_length=40, default="")
    dose_type = CharField(max_length=20, default="")
    vaccinator = CharField(max_length=200, default="")
    requirement = CharField(max_length=20)


class Disability(EntryFields, BaseModel):
    """Handicaps: type, the CDAPH's incapacity rate band, need for human help."""

    kind = CharField(max_length=30)
    rate_band = CharField(max_length=10, default="")
    human_help = BooleanField(default=False)
    comment = TextField(default="")


class BloodGroup(EntryFields, BaseModel):
    """Groupe sanguin (single value)."""

    patient = ForeignKeyField(Person, unique=True, backref="+", on_delete="CASCADE")
    value = CharField(max_length=3)


class Lifestyle(EntryFields, BaseModel):
    """Habitudes de vie (single value)."""

    patient = ForeignKeyField(Person, unique=True, backref="+", on_delete="CASCADE")
    tobacco = CharField(max_length=20, default="")
    alcohol = CharField(max_length=20, default="")
    activity = CharField(max_length=20, default="")
    sleep = CharField(max_length=200, default="")
    food = CharField(max_length=200, default="")
    screens = CharField(max_length=200, default="")


class AdvanceDirectives(EntryFields, BaseModel):
    """Directives anticipées written in the form (single value; adults only)."""

    patient = ForeignKeyField(Person, unique=True, backref="+", on_delete="CASCADE")
    written_on = DateField()
    life_support = TextField(default="")
    sedation = TextField(default="")
    place = TextField(default="")
    other = TextField(default="")


class NotConcerned(BaseModel):
    """"Je ne suis pas concerné(e)": a section the patient's side marked as not applying."""

    patient = ForeignKeyField(Person, backref="+", on_delete="CASCADE", index=False)
    section = CharField(max_length=30)
    marked_by = ForeignKeyField(Account, backref="+", on_delete="RESTRICT")
    marked_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "profile_not_concerned"
        indexes = ((("patient", "section"), True),)
