"""The person's actions on their history: mask a line or a category from professionals, and
copy a delivered medicine into the profile's treatments (once)."""
from peewee import fn

from ..accounts.models import ROLE_PROFESSIONAL, utcnow
from ..profile.models import NotConcerned, Treatment
from .models import Reimbursement


def set_masked(query, masked):
    """Mask (or unmask) the lines of `query` (already scoped to the open space); returns how
    many changed."""
    ids = [r.id for r in query.select(Reimbursement.id)
           .where(Reimbursement.masked_from_pros != masked)]
    if not ids:
        return 0
    return Reimbursement.update(masked_from_pros=masked).where(
        Reimbursement.id.in_(ids)).execute()


def existing_treatment(patient_id, name):
    """The profile's treatment of that name (case and surrounding spaces ignored), if any."""
    return Treatment.select().where(Treatment.patient == patient_id,
                                    fn.LOWER(fn.TRIM(Treatment.name)) == name.strip().lower()
                                    ).first()


def treatment_names(patient_id):
    """The lower-cased names of the profile's treatments (one query for a whole page)."""
    return {t.name.strip().lower() for t in
            Treatment.select(Treatment.name).where(Treatment.patient == patient_id)}


def add_treatment(line, name, dose, account):
    """Create the treatment from a delivered medicine unless the profile already has one of
    that name; returns (treatment, created)."""
    found = existing_treatment(line.patient_id, name)
    if found is not None:
        return found, False
    now = utcnow()
    treatment = Treatment.create(
        patient=line.patient_id, author=account.id,
        author_is_professional=account.role == ROLE_PROFESSIONAL, created_at=now,
        updated_at=now, name=name.strip(), dose=dose.strip())
    # A treatment now exists: "pas concerné(e)" no longer holds (as when one is added by hand).
    NotConcerned.delete().where(NotConcerned.patient == line.patient_id,
                                NotConcerned.section == "treatments").execute()
    return treatment, True
