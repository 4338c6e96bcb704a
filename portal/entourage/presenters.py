"""What the entourage page and the emergency summary show: one query function for both."""
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..accounts.models import Person
from ..policy import _active_delegations
from ..proxies.models import Delegation
from . import phones
from .models import DONATION_AGREES, DONATION_REFUSES, EMERGENCY, TRUSTED, Contact, Wishes


@dataclass(frozen=True)
class Caregiver:
    """A caregiver under an active delegation, as their own record gives them."""

    name: str
    phone: str       # as stored on the person (free text), shown as is
    phone_uri: str   # tel: link when the number could be read, else ""
    email: str


@dataclass
class Entourage:
    emergency: list = field(default_factory=list)
    trusted: Contact | None = None
    wishes: Wishes | None = None
    caregivers: list = field(default_factory=list)


def entourage_for(patient_id):
    """The patient's contacts in call order, trusted person, organ-donation wish and active
    caregivers (the delegations that open the space today)."""
    found = Entourage()
    for contact in Contact.of_patient(patient_id):
        if contact.kind == TRUSTED:
            found.trusted = contact
        elif contact.kind == EMERGENCY:
            found.emergency.append(contact)
    found.wishes = Wishes.get_or_none(Wishes.patient == patient_id)
    active = _active_delegations().where(Delegation.patient == patient_id) \
        .select(Delegation.caregiver)
    people = Person.select().where(Person.id.in_(active)).order_by(Person.family_name,
                                                                  Person.given_names)
    found.caregivers = [Caregiver(p.full_name, p.phone or "",
                                  phones.tel_uri(phones.normalise(p.phone)), p.email or "")
                        for p in people]
    return found


def donation_text(wishes):
    """The organ-donation wish in one sentence, for a reader other than the patient."""
    if wishes is None or wishes.organ_donation not in (DONATION_AGREES, DONATION_REFUSES):
        return _("Non précisé")
    if wishes.organ_donation == DONATION_AGREES:
        return _("Ne s’oppose pas au don de ses organes et tissus.")
    if wishes.refusal_scope:
        text = _("Refuse en partie le don : %(scope)s.", scope=wishes.refusal_scope.rstrip("."))
    else:
        text = _("Refuse le don de ses organes et tissus.")
    if wishes.refusal_registered:
        text += " " + _("Inscription au registre national des refus.")
    return text


def directives_status(patient, relation, account):
    """(text, link) for the advance directives section of the profile: written or not, when
    last updated; the link when this actor may read the profile."""
    from flask import url_for

    from ..policy import PROFILE_VIEW, allowed
    from ..profile.models import AdvanceDirectives, NotConcerned
    from ..profile.presenters import day
    from ..profile.sections import BY_KEY
    section = BY_KEY["directives"]
    url = url_for("profile.section", slug=section.slug) \
        if allowed(account, PROFILE_VIEW, relation) else None
    if patient.is_minor:
        return _("Les directives anticipées sont réservées aux personnes majeures."), None
    row = AdvanceDirectives.get_or_none(AdvanceDirectives.patient == patient.id)
    if row is not None:
        if row.updated_at.date() <= row.written_on:
            return _("Rédigées le %(written)s.", written=day(row.written_on)), url
        return _("Rédigées le %(written)s, mises à jour le %(updated)s.",
                 written=day(row.written_on), updated=day(row.updated_at)), url
    if NotConcerned.select().where(NotConcerned.patient == patient.id,
                                   NotConcerned.section == section.key).exists():
        return _("Indiquées comme sans objet dans le profil médical."), url
    return str(section.words.empty), url
