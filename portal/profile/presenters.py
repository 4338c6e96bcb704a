"""How profile entries read on screen: a heading, label/value rows, who added them."""
from flask import current_app, url_for
from flask_babel import gettext as _, ngettext

from ..accounts.models import ROLE_PROFESSIONAL
from ..i18n import _n, format_date
from . import forms


def endpoint_url(endpoint, **values):
    """The URL of another area's page, or None while that area does not provide it."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def day(value):
    return format_date(value, "long") if value else ""


def label_of(choices, value):
    return str(dict(choices).get(value, value)) if value else ""


def period(start, end):
    if start and end:
        return _("du %(start)s au %(end)s", start=day(start), end=day(end))
    if start:
        return _("depuis le %(date)s", date=day(start))
    if end:
        return _("jusqu’au %(date)s", date=day(end))
    return ""


def rows(*pairs):
    """Keep only the rows that have a value."""
    return [(label, value) for label, value in pairs if value not in ("", None, [])]


# --- one presenter per section: entry -> (heading, rows) ------------------------------------

def condition(e):
    return e.name, rows((_("Période"), period(e.started_on, e.ended_on)),
                        (_("Commentaire"), e.comment))


def treatment(e):
    return e.name, rows((_("Dose et rythme"), e.dose), (_("Durée"), e.duration),
                        (_("Maladie traitée"), getattr(e, "condition_name", "")),
                        (_("Commentaire"), e.comment))


def hospitalization(e):
    length = "" if e.length_days is None else (
        _("hospitalisation de jour") if e.length_days == 0 else
        ngettext("%(num)d jour", "%(num)d jours", e.length_days))
    return (_("%(reason)s, le %(date)s", reason=e.reason, date=day(e.admitted_on)),
            rows((_("Durée du séjour"), length), (_("Établissement"), e.place),
                 (_("Documents liés"), getattr(e, "linked_documents", [])),
                 (_("Commentaire"), e.comment)))


def allergy(e):
    return e.substance, rows((_("Type"), label_of(forms.ALLERGY_KINDS, e.kind)),
                             (_("Réaction"), e.reaction),
                             (_("Gravité"), label_of(forms.SEVERITIES, e.severity)),
                             (_("Commentaire"), e.comment))


def family_history(e):
    return (_("%(relative)s : %(condition)s", relative=label_of(forms.RELATIVES, e.relative),
              condition=e.condition), rows((_("Précisions"), e.comment)))


def vaccination(e):
    return (_("%(vaccine)s, le %(date)s", vaccine=e.vaccine, date=day(e.given_on)),
            rows((_("Type de dose"), label_of(forms.DOSE_TYPES, e.dose_type)),
                 (_("Statut"), label_of(forms.REQUIREMENTS, e.requirement)),
                 (_("Numéro de lot"), e.lot_number), (_("Vaccination faite par"), e.vaccinator)))


def disability(e):
    return (label_of(forms.DISABILITY_KINDS, e.kind),
            rows((_("Taux d’incapacité (CDAPH)"), label_of(forms.RATE_BANDS, e.rate_band)),
                 (_("Aide humaine"), _("Oui") if e.human_help else _("Non")),
                 (_("Précisions"), e.comment)))


def blood_group(e):
    return label_of(forms.BLOOD_GROUPS, e.value), []


def lifestyle(e):
    return _("Habitudes de vie"), rows(
        (_("Tabac"), label_of(forms.TOBACCO, e.tobacco)),
        (_("Alcool"), label_of(forms.ALCOHOL, e.alcohol)),
        (_("Activité physique"), label_of(forms.ACTIVITY, e.activity)),
        (_("Sommeil"), e.sleep), (_("Alimentation"), e.food), (_("Temps d’écran"), e.screens))


def directives(e):
    return (_("Directives rédigées le %(date)s", date=day(e.written_on)),
            rows((_("Traitements de maintien en vie"), e.life_support),
                 (_("Soulagement des souffrances"), e.sedation),
                 (_("Lieu de fin de vie souhaité"), e.place), (_("Autres souhaits"), e.other)))


# --- extra data shown with some sections (loaded once per list) -----------------------------

def with_condition_names(entries, relation, account):
    from .models import Condition
    names = dict(Condition.select(Condition.id, Condition.name)
                 .where(Condition.patient == relation.person.id).tuples())
    for e in entries:
        e.condition_name = names.get(e.condition_id, "")


def with_linked_documents(entries, relation, account):
    """Only the linked documents this actor may see are listed."""
    from ..documents.models import Document
    from ..policy import visible_documents
    from .models import HospitalizationDocument as Link
    if not entries:
        return
    visible = visible_documents(relation, account).select(Document.id)
    links = (Link.select(Link.hospitalization, Document)
             .join(Document, on=(Link.document == Document.id))
             .where(Link.hospitalization.in_([e.id for e in entries]),
                    Document.id.in_(visible))
             .order_by(Document.document_date))
    found = {}
    for link in links:
        doc = link.document
        found.setdefault(link.hospitalization_id, []).append(
            (forms.document_label(doc), endpoint_url("documents.show", document_id=doc.id)))
    for e in entries:
        e.linked_documents = found.get(e.id, [])


def directives_documents(relation, account):
    """Directives kept as documents: those of the record this actor sees, and where to add."""
    from ..documents.models import Document
    from ..policy import DOCUMENTS_VIEW, allowed, visible_documents
    if not allowed(account, DOCUMENTS_VIEW, relation):
        return None
    docs = (visible_documents(relation, account).where(Document.category == "directives")
            .order_by(Document.document_date.desc()))
    return {"documents": [(forms.document_label(d),
                           endpoint_url("documents.show", document_id=d.id)) for d in docs],
            "url": endpoint_url("documents.index", categorie="directives")}


def single_status(section, entry):
    """How a filled single-value section reads on the overview."""
    if section.key == "blood_group":
        return blood_group(entry)[0]
    return _("Dernière mise à jour : %(date)s", date=day(entry.updated_at))


# --- who wrote it ----------------------------------------------------------------------------

def author_line(entry, section, patient):
    """"Ajoutée par Dr Nadia Benali, médecin généraliste, le 3 mars 2026", "Ajouté par Camille
    Martin pour Jean Dupont le …" (single-value sections: "Dernière mise à jour par …")."""
    author = entry.author
    name = author.display_name
    if section.single:
        when = day(entry.updated_at)
        if entry.author_is_professional:
            return _n("Dernière mise à jour par %(name)s, %(role)s, le %(date)s", name=name,
                      role=lower_first(author.role_label), date=when)
        if author.person_id != patient.id:
            return _n("Dernière mise à jour par %(name)s pour %(patient)s le %(date)s",
                      name=name, patient=patient.full_name, date=when)
        return _n("Dernière mise à jour par %(name)s le %(date)s", name=name, date=when)
    when = day(entry.created_at)
    if entry.author_is_professional:
        if section.feminine:
            return _n("Ajoutée par %(name)s, %(role)s, le %(date)s", name=name,
                      role=lower_first(author.role_label), date=when)
        return _n("Ajouté par %(name)s, %(role)s, le %(date)s", name=name,
                  role=lower_first(author.role_label), date=when)
    if author.person_id != patient.id:
        if section.feminine:
            return _n("Ajoutée par %(name)s pour %(patient)s le %(date)s", name=name,
                      patient=patient.full_name, date=when)
        return _n("Ajouté par %(name)s pour %(patient)s le %(date)s", name=name,
                  patient=patient.full_name, date=when)
    if section.feminine:
        return _n("Ajoutée par %(name)s le %(date)s", name=name, date=when)
    return _n("Ajouté par %(name)s le %(date)s", name=name, date=when)


def lower_first(text):
    text = str(text)
    return text[:1].lower() + text[1:]


def is_professional(account):
    return account.role == ROLE_PROFESSIONAL


# --- "pas concerné(e)" -----------------------------------------------------------------------

def not_concerned_texts(patient, own_space):
    """(button, status, overview tag) in the right person and gender."""
    feminine = patient.sex == "F"
    if own_space:
        if feminine:
            return (_("Je ne suis pas concernée"),
                    _("Vous avez indiqué ne pas être concernée par cette rubrique."),
                    _("Pas concernée"))
        return (_("Je ne suis pas concerné"),
                _("Vous avez indiqué ne pas être concerné par cette rubrique."),
                _("Pas concerné"))
    if feminine:
        return (_n("%(name)s n’est pas concernée", name=patient.full_name),
                _n("Il a été indiqué que %(name)s n’est pas concernée par cette rubrique.",
                   name=patient.full_name), _("Pas concernée"))
    return (_n("%(name)s n’est pas concerné", name=patient.full_name),
            _n("Il a été indiqué que %(name)s n’est pas concerné par cette rubrique.",
               name=patient.full_name), _("Pas concerné"))
