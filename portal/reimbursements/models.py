"""One row per reimbursed care item of a person, as the insurer sent it.

The insurer's identifier of the line (`external_id`) is unique: importing the same feed again
adds nothing. Amounts are kept in euro cents (what was charged, what was reimbursed), when the
feed gives them. `masked_from_pros` is the person's choice (policy.visible_reimbursements).
"""
from ..rendering import lazy_gettext as _l
from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField

from ..accounts.models import Person, utcnow
from ..db import BaseModel

# code (in feeds and addresses) -> label on screen. The codes are the feed's vocabulary
# (README, "Reimbursement history"): keep them stable.
CATEGORIES = {
    "consultation": _l("Consultations"),
    "medicaments": _l("Médicaments délivrés"),
    "biologie": _l("Biologie"),
    "imagerie": _l("Imagerie"),
    "hospitalisation": _l("Hospitalisations"),
    "dispositifs": _l("Dispositifs médicaux"),
    "vaccins": _l("Vaccins"),
    "ald": _l("Affection de longue durée"),
}
MEDICINES = "medicaments"


class Reimbursement(BaseModel):
    """A reimbursed care item: when, what, by whom, its codes and amounts."""

    patient = ForeignKeyField(Person, backref="+", on_delete="CASCADE", index=False)
    external_id = CharField(max_length=100, unique=True)
    care_date = DateField()
    category = CharField(max_length=20)
    label = CharField(max_length=200)
    provider = CharField(max_length=200, default="")
    cip13 = CharField(max_length=13, default="")
    nabm = CharField(max_length=4, default="")
    ccam = CharField(max_length=13, default="")
    dose = CharField(max_length=200, default="")
    charged_cents = IntegerField(null=True)
    reimbursed_cents = IntegerField(null=True)
    masked_from_pros = BooleanField(default=False)
    imported_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("patient", "care_date"), False),)

    @property
    def category_label(self):
        return CATEGORIES.get(self.category, self.category)

    @property
    def is_medicine(self):
        return self.category == MEDICINES

    @property
    def codes(self):
        """(system, code) pairs present on the line, for display."""
        return [(name, value) for name, value in (("CIP13", self.cip13), ("NABM", self.nabm),
                                                   ("CCAM", self.ccam)) if value]
