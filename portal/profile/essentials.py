"""The essentials of a record: what matters first in an emergency or a consultation (blood
group, allergies, treatments, ongoing conditions). Written once here for every page and paper
that shows them (the record's first page, the emergency summary, Ma synthèse and the wallet
card), so that they all list the same entries in the same order."""
from .models import Allergy, BloodGroup, Condition, Treatment


def blood_group_of(patient_id):
    return BloodGroup.get_or_none(BloodGroup.patient == patient_id)


def allergies_of(patient_id):
    return Allergy.select().where(Allergy.patient == patient_id).order_by(Allergy.substance,
                                                                          Allergy.id)


def treatments_of(patient_id):
    return Treatment.select().where(Treatment.patient == patient_id).order_by(Treatment.name,
                                                                              Treatment.id)


def ongoing_conditions_of(patient_id):
    """Conditions with no end date."""
    return Condition.select().where(Condition.patient == patient_id,
                                    Condition.ended_on.is_null()).order_by(Condition.name,
                                                                           Condition.id)


def essentials(patient_id):
    """The four essentials, read (four queries): the names the templates show them under."""
    return {"blood_group": blood_group_of(patient_id),
            "allergies": list(allergies_of(patient_id)),
            "treatments": list(treatments_of(patient_id)),
            "conditions": list(ongoing_conditions_of(patient_id))}
