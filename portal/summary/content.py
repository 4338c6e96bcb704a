"""What a printed summary says: the record's data turned into plain rows of text, in the
language of the paper. Called by the worker with the job's locale forced; every value stays
text, escaped by the PDF templates."""
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _

from ..access.models import Grant
from ..accounts.models import SEXES, Account, utcnow
from ..accounts.nir import spaced
from ..bidi import ltr
from ..agenda import presenters as agenda_presenters
from ..agenda.models import Appointment
from ..entourage.models import EMERGENCY, TRUSTED, Contact
from ..i18n import format_date, format_datetime
from ..measures import presenters as measure_presenters
from ..measures.models import KINDS as MEASURE_KINDS
from ..measures.models import Measure, latest_bmi
from ..policy import relation_label
from ..profile import forms as profile_forms
from ..profile.essentials import allergies_of, blood_group_of, treatments_of
from ..profile.models import AdvanceDirectives, Condition, Vaccination
from ..profile.presenters import day, label_of, period

# The wallet card has room for this many allergies and treatments; the rest is counted.
CARD_ALLERGIES = 4
CARD_TREATMENTS = 5
CARD_TEXT = 60          # characters of a name on the card (then "…")
APPOINTMENTS_AHEAD = timedelta(days=365)
APPOINTMENTS_MAX = 20


def clip(text, length=CARD_TEXT):
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


@dataclass
class Author:
    """Who asked for the paper, as its footer says it."""

    name: str
    relation: str       # "" in one's own space, else "Proche aidant (délégation)"…
    is_patient: bool


def author_of(account, patient, relation_kind):
    if account.person_id == patient.id:
        return Author(account.display_name, "", True)
    return Author(account.display_name, str(relation_label(relation_kind, account)), False)


def identity(patient):
    rows = [(_("Nom"), patient.family_name), (_("Prénoms"), patient.given_names),
            (_("Date de naissance"), _("%(date)s (%(age)s ans)", date=day(patient.birth_date),
                                       age=patient.age_on(utcnow().date()))),
            (_("Sexe"), str(SEXES.get(patient.sex, patient.sex)))]
    if patient.nir:
        rows.append((_("Numéro de sécurité sociale"), ltr(spaced(patient.nir))))
    if patient.phone:
        rows.append((_("Téléphone"), ltr(patient.phone)))
    if patient.address:
        rows.append((_("Adresse"), ltr(patient.address)))  # French postal addresses: "12 rue…"
    return rows


def treating_doctor(patient_id):
    grant = (Grant.select(Grant, Account).join(Account, on=(Grant.professional == Account.id))
             .where(Grant.patient == patient_id, Grant.treating_doctor == True,  # noqa: E712
                    Grant.blocked == False).first())  # noqa: E712
    if grant is None:
        return None
    pro = grant.professional
    return {"name": pro.display_name, "role": str(pro.role_label), "structure": pro.structure or "",
            "email": pro.email}


def blood_group(patient_id):
    entry = blood_group_of(patient_id)
    return label_of(profile_forms.BLOOD_GROUPS, entry.value) if entry else ""


def allergies(patient_id):
    return [{"substance": a.substance, "kind": label_of(profile_forms.ALLERGY_KINDS, a.kind),
             "reaction": a.reaction, "severity": label_of(profile_forms.SEVERITIES, a.severity),
             "comment": a.comment}
            for a in allergies_of(patient_id)]


def treatments(patient_id):
    names = dict(Condition.select(Condition.id, Condition.name)
                 .where(Condition.patient == patient_id).tuples())
    return [{"name": t.name, "dose": t.dose, "duration": t.duration,
             "condition": names.get(t.condition_id, ""), "comment": t.comment}
            for t in treatments_of(patient_id)]


def conditions(patient_id):
    today = utcnow().date()
    current, past = [], []
    for c in Condition.select().where(Condition.patient == patient_id).order_by(
            Condition.name, Condition.id):
        row = {"name": c.name, "period": period(c.started_on, c.ended_on), "comment": c.comment}
        (past if c.ended_on is not None and c.ended_on < today else current).append(row)
    return current, past


def vaccinations(patient_id):
    return [{"vaccine": v.vaccine, "date": day(v.given_on),
             "dose": label_of(profile_forms.DOSE_TYPES, v.dose_type)}
            for v in Vaccination.select().where(Vaccination.patient == patient_id)
            .order_by(Vaccination.given_on.desc(), Vaccination.id)]


def measures(patient):
    latest = {}
    for m in Measure.select().where(Measure.patient == patient.id).order_by(
            Measure.measured_at, Measure.id):
        latest[m.kind] = m
    rows = []
    for kind in MEASURE_KINDS:
        if not kind.entered:
            found = None if patient.is_minor else latest_bmi(patient.id)
            if found:
                rows.append({"label": str(kind.label),
                             "value": measure_presenters.bmi_text(found[0]),
                             "date": format_date(found[1].measured_at, "long")})
            continue
        m = latest.get(kind.code)
        if m is not None:
            rows.append({"label": str(kind.label),
                         "value": measure_presenters.measure_text(kind, m),
                         "date": format_date(m.measured_at, "long")})
    return rows


def appointments(patient_id):
    now = utcnow()
    found = (Appointment.listed(patient_id)
             .where(Appointment.cancelled_at.is_null(), Appointment.starts_at >= now,
                    Appointment.starts_at <= now + APPOINTMENTS_AHEAD)
             .order_by(Appointment.starts_at).limit(APPOINTMENTS_MAX))
    return [{"when": agenda_presenters.when(a), "title": agenda_presenters.title(a),
             "place": a.place} for a in found]


def contacts(patient_id):
    rows = []
    for c in Contact.of_patient(patient_id):
        if c.kind not in (EMERGENCY, TRUSTED):
            continue
        role = _("Personne de confiance") if c.kind == TRUSTED else _("À prévenir en urgence")
        rows.append({"name": c.name, "relationship": c.relationship, "phone": c.phone_display,
                     "role": role})
    return rows


def directives(patient_id):
    entry = AdvanceDirectives.get_or_none(AdvanceDirectives.patient == patient_id)
    if entry is None:
        return _("Aucunes directives anticipées enregistrées dans Carnet.")
    return _("Directives anticipées rédigées le %(date)s, enregistrées dans Carnet. Leur "
             "contenu n’est pas imprimé ici : il est consultable dans le dossier.",
             date=day(entry.written_on))


@dataclass
class Summary:
    """Everything Ma synthèse prints, section by section (only the chosen ones are filled)."""

    identity: list
    sections: list
    data: dict = field(default_factory=dict)


def summary(patient, sections):
    """The data of the chosen sections, in print order."""
    loaders = {
        "doctor": lambda: treating_doctor(patient.id),
        "blood_group": lambda: blood_group(patient.id),
        "allergies": lambda: allergies(patient.id),
        "treatments": lambda: treatments(patient.id),
        "conditions": lambda: conditions(patient.id),
        "vaccinations": lambda: vaccinations(patient.id),
        "measures": lambda: measures(patient),
        "appointments": lambda: appointments(patient.id),
        "contacts": lambda: contacts(patient.id),
        "directives": lambda: directives(patient.id),
    }
    chosen = [s for s in loaders if s in sections]
    return Summary(identity(patient), chosen, {s: loaders[s]() for s in chosen})


def card(patient):
    """The wallet card: what a first responder needs, clipped to fit a credit-card size."""
    all_allergies = allergies(patient.id)
    all_treatments = treatments(patient.id)
    people = [c for c in Contact.of_patient(patient.id) if c.kind == EMERGENCY]
    if not people:
        people = [c for c in Contact.of_patient(patient.id) if c.kind == TRUSTED]
    contact = people[0] if people else None
    return {
        "name": clip(patient.full_name, 40),
        "birth_date": format_date(patient.birth_date, "short"),
        "printed_day": format_date(utcnow(), "short"),
        "blood_group": blood_group(patient.id),
        "allergies": [clip(a["substance"], 40) for a in all_allergies[:CARD_ALLERGIES]],
        "more_allergies": max(0, len(all_allergies) - CARD_ALLERGIES),
        "treatments": [clip(" ".join(p for p in (t["name"], t["dose"]) if p))
                       for t in all_treatments[:CARD_TREATMENTS]],
        "more_treatments": max(0, len(all_treatments) - CARD_TREATMENTS),
        "contact": None if contact is None else {
            "name": clip(contact.name, 40), "relationship": clip(contact.relationship, 30),
            "phone": contact.phone_display},
    }


def printed_at():
    return format_datetime(utcnow(), _("d MMMM yyyy 'à' HH:mm"))

