"""The essentials of a record: what matters first in an emergency or a consultation (blood
group, allergies, treatments, ongoing conditions). Written once here for every page and paper
that shows them (the record's first page, the emergency summary, Ma synthèse and the wallet
card), so that they all list the same entries in the same order."""
from ..db import Prepared
from .models import Allergy, BloodGroup, Condition, Treatment

# The record's first page, the page most opened, asks all four: built once (see db.Prepared).
_BLOOD_GROUP = Prepared(lambda patient_id: BloodGroup.select().where(
    BloodGroup.patient == patient_id).limit(1), 0)
_ALLERGIES = Prepared(lambda patient_id: Allergy.select().where(
    Allergy.patient == patient_id).order_by(Allergy.substance, Allergy.id), 0)
_TREATMENTS = Prepared(lambda patient_id: Treatment.select().where(
    Treatment.patient == patient_id).order_by(Treatment.name, Treatment.id), 0)
_ONGOING_CONDITIONS = Prepared(lambda patient_id: Condition.select().where(
    Condition.patient == patient_id, Condition.ended_on.is_null()).order_by(
    Condition.name, Condition.id), 0)


def blood_group_of(patient_id):
    return _BLOOD_GROUP.first(patient_id)


def allergies_of(patient_id):
    return list(_ALLERGIES(patient_id))


def treatments_of(patient_id):
    return list(_TREATMENTS(patient_id))


def ongoing_conditions_of(patient_id):
    """Conditions with no end date."""
    return list(_ONGOING_CONDITIONS(patient_id))


def essentials(patient_id):
    """The four essentials, read (four queries): the names the templates show them under."""
    return {"blood_group": blood_group_of(patient_id),
            "allergies": allergies_of(patient_id),
            "treatments": treatments_of(patient_id),
            "conditions": ongoing_conditions_of(patient_id)}
