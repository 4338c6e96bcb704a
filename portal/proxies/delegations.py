"""Caregivers (proches aidants): the patient's delegations, from invitation to end.

The patient (or their legal representative) invites an adult who has their own account; the
invitation lapses after INVITATION_VALID_FOR. Limits (MAX_CAREGIVERS_PER_PATIENT,
MAX_PATIENTS_PER_CAREGIVER) count pending invitations as well as delegations in force, and are
checked and written in one write transaction that also locks both people's rows, so that two
requests at once never go past them. Starting and ending leave a PDF attestation in both spaces.

This module holds the rules, the writes, the e-mails, the attestations and the huey tasks (their
queued names are `portal.proxies.delegations.<task>`: they stay here); the pages are in
delegation_routes.py.
"""
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from huey import crontab

from .. import audit, mail
from ..accounts.models import ROLE_PATIENT, Account, Person, utcnow
from ..db import is_postgres, write_tx
from ..extensions import huey
from ..i18n import LazyDate, _ln, _n, feminine
from ..policy import CLOSED_SPACE, space_is_open
from .delegation_forms import NEVER, SWORN_POINTS, scope_texts
from .models import (DELEGATION_SCOPES, ENDED_BY_ACTOR, ENDED_BY_PATIENT, ENDED_DECLINED,
                     ENDED_EXPIRED, ENDED_MAJORITY, INVITATION_VALID_FOR,
                     MAX_CAREGIVERS_PER_PATIENT, MAX_PATIENTS_PER_CAREGIVER, Delegation)
from .sessions import end_acting_sessions


class Refused(Exception):
    """Why an invitation or an acceptance cannot go ahead, in French, shown as it is."""


# --- queries and rules ------------------------------------------------------------------------

def live(now=None):
    """Delegations that count: invitations still open, and accepted ones not over yet."""
    now = now or utcnow()
    pending = Delegation.accepted_at.is_null() & (
        Delegation.invitation_expires_at.is_null() | (Delegation.invitation_expires_at > now))
    in_force = Delegation.accepted_at.is_null(False) & (Delegation.ends_on >= now.date())
    return Delegation.select().where(Delegation.ended_at.is_null(), pending | in_force)


def lapsed(delegation, now=None):
    """An invitation whose acceptance period is over (the periodic task will close it)."""
    expires = delegation.invitation_expires_at
    return delegation.accepted_at is None and expires is not None and expires <= (now or utcnow())


def _lock_people(*person_ids):
    """Serialise invitations and acceptances that concern the same people. SQLite's
    BEGIN IMMEDIATE (write_tx) already allows one writer; PostgreSQL locks the two rows."""
    if is_postgres():
        list(Person.select(Person.id).where(Person.id.in_(sorted(set(person_ids))))
             .order_by(Person.id).for_update())


def check_limits(patient_id, caregiver_id, accepting=None):
    """Raise Refused when the patient or the caregiver has reached their limit; `accepting`:
    the invitation being accepted (not counted, and the message speaks to the caregiver)."""
    query = live()
    if accepting is not None:
        query = query.where(Delegation.id != accepting.id)
    if query.where(Delegation.patient == patient_id).count() >= MAX_CAREGIVERS_PER_PATIENT:
        raise Refused(patient_limit_message() if accepting is None else _n(
            "%(name)s a déjà %(num)s proches aidants, le maximum : cette invitation ne peut pas "
            "être acceptée pour l’instant.", name=accepting.patient.full_name,
            num=MAX_CAREGIVERS_PER_PATIENT))
    if query.where(Delegation.caregiver == caregiver_id).count() >= MAX_PATIENTS_PER_CAREGIVER:
        # Never say for whom this person already acts.
        raise Refused(_("Cette personne ne peut pas accepter de nouvelle délégation : elle "
                        "aide déjà le nombre maximal de personnes.") if accepting is None else
                      _("Vous aidez déjà %(num)s personnes, le maximum : mettez fin à une autre "
                        "délégation avant d’accepter celle-ci.",
                        num=MAX_PATIENTS_PER_CAREGIVER))


def patient_limit_message():
    return _("Cet espace a déjà %(num)s proches aidants, invitations en attente comprises : "
             "c’est le maximum. Mettez fin à une délégation ou annulez une invitation avant "
             "d’en envoyer une autre.", num=MAX_CAREGIVERS_PER_PATIENT)


def _eligible(caregiver):
    """An adult with an active patient account of their own."""
    return not caregiver.is_minor and Account.select().where(
        Account.person == caregiver.id, Account.role == ROLE_PATIENT,
        Account.is_active == True).exists()  # noqa: E712


def create_invitation(patient, caregiver, scopes, starts_on, ends_on):
    """Check and create an invitation in one write transaction; Refused says why not."""
    now = utcnow()
    with write_tx():
        _lock_people(patient.id, caregiver.id)
        if not _eligible(caregiver):
            raise Refused(_("Cette personne ne peut pas être désignée comme proche aidant : il "
                            "faut être majeur et avoir ouvert son propre compte Carnet."))
        if live().where(Delegation.patient == patient.id,
                        Delegation.caregiver == caregiver.id).exists():
            if feminine(caregiver):
                raise Refused(_n("%(name)s est déjà proche aidante de cet espace, ou son "
                                 "invitation est en attente. Pour changer ses autorisations, "
                                 "mettez fin à la délégation (ou annulez l’invitation), puis "
                                 "invitez cette personne à nouveau.", name=caregiver.full_name))
            raise Refused(_n("%(name)s est déjà proche aidant de cet espace, ou son invitation "
                             "est en attente. Pour changer ses autorisations, mettez fin à la "
                             "délégation (ou annulez l’invitation), puis invitez cette personne "
                             "à nouveau.", name=caregiver.full_name))
        check_limits(patient.id, caregiver.id)
        return Delegation.create(
            patient=patient, caregiver=caregiver,
            scopes=",".join(s for s in DELEGATION_SCOPES if s in set(scopes)), starts_on=starts_on,
            ends_on=ends_on, sworn_at=now, invitation_expires_at=now + INVITATION_VALID_FOR)


def accept_invitation(delegation_id, caregiver_id):
    """Accept in one write transaction, with expiry and limits checked again; Refused says why
    not. Returns the accepted delegation."""
    now = utcnow()
    with write_tx():
        found = Delegation.get_or_none(Delegation.id == delegation_id,
                                       Delegation.caregiver == caregiver_id)
        if found is None:
            raise Refused(_("Cette invitation n’existe plus."))
        _lock_people(found.patient_id, caregiver_id)
        delegation = Delegation.get_by_id(delegation_id)
        if delegation.ended_at is not None or delegation.accepted_at is not None:
            raise Refused(_("Cette invitation n’est plus en attente (déjà acceptée, refusée ou "
                            "annulée) : rien n’a été modifié."))
        if lapsed(delegation, now) or delegation.ends_on < now.date():
            raise Refused(_n("Cette invitation a expiré : elle ne peut plus être acceptée. "
                             "Demandez à %(name)s de vous inviter à nouveau si besoin.",
                             name=delegation.patient.full_name))
        if not space_is_open(delegation.patient_id):
            raise Refused(str(CLOSED_SPACE))
        check_limits(delegation.patient_id, caregiver_id, accepting=delegation)
        Delegation.update(accepted_at=now).where(Delegation.id == delegation.id).execute()
    return Delegation.get_by_id(delegation_id)


def close(delegation, reason, by_person):
    """End an unended delegation (claimed by a conditional UPDATE); False if it already was."""
    return bool(Delegation.update(ended_at=utcnow(), ended_reason=reason, ended_by=by_person)
                .where(Delegation.id == delegation.id, Delegation.ended_at.is_null()).execute())


# --- e-mails (never any medical content) ------------------------------------------------------

def _caregiver_addresses(delegation):
    return [a.email for a in Account.select().where(
        Account.person == delegation.caregiver_id, Account.is_active == True)]  # noqa: E712


def _patient_side_addresses(delegation):
    """The patient's own accounts and, for someone represented, their legal representatives."""
    from ..notifications import recipients
    return [account.email for account, _is_self in recipients(delegation.patient_id)]


def _tell(addresses, subject, sentence):
    """E-mail each address, in its account's language: pass lazy strings (_l, _ln)."""
    body = _l("Bonjour,\n\n%(sentence)s\n\nConnectez-vous à Carnet, rubrique « Mes proches », "
              "pour en savoir plus. Par sécurité, ce message ne contient aucune information "
              "médicale.\n\nCarnet", sentence=sentence)
    for address in addresses:
        mail.send(address, subject, body)


# --- attestations -----------------------------------------------------------------------------

START, END = "debut", "fin"


def _ended_text(delegation):
    """One sentence saying how the delegation ended, for its end attestation."""
    who = delegation.ended_by
    name = who.full_name if who else ""
    if delegation.ended_reason == ENDED_EXPIRED:
        return _("La délégation a pris fin à la date prévue.")
    if delegation.ended_reason == ENDED_MAJORITY:
        return _("La délégation a pris fin à la majorité de la personne aidée, avec l’autorité "
                 "de ses représentants légaux.")
    if delegation.ended_reason == ENDED_BY_ACTOR:
        return _n("Fin demandée par le proche aidant, %(name)s.", name=name)
    if who is not None and who.id != delegation.patient_id:
        return _n("Fin demandée par %(name)s, représentant légal de la personne aidée.",
                  name=name)
    return _n("Fin demandée par la personne aidée, %(name)s.", name=name)


def paper_author(delegation):
    """The account a paper is filed under when nobody acted (an end date reached, a
    majority): the patient's own account, else the caregiver's (who always has one)."""
    own = Account.select().where(Account.person == delegation.patient_id,
                                 Account.is_active == True).first()  # noqa: E712
    return own or Account.get(Account.person == delegation.caregiver_id)


def make_attestations(delegation_id, event, actor_account_id):
    """Store the attestation of a delegation's start or end in the patient's and the
    caregiver's documents; idempotent (a space that already has it is skipped)."""
    from ..documents.models import Document
    from ..documents.store import store_document
    from ..pdf import render_pdf
    delegation = Delegation.get_or_none(Delegation.id == delegation_id)
    actor = Account.get_or_none(Account.id == actor_account_id)
    moment = None if delegation is None or delegation.accepted_at is None else (
        delegation.accepted_at if event == START else delegation.ended_at)
    if actor is None or moment is None:
        return 0
    filename = f"attestation-delegation-{delegation.id}-{event}.pdf"
    names = {"patient": delegation.patient.full_name, "caregiver": delegation.caregiver.full_name}
    title = ((_n("Attestation de début de délégation : %(caregiver)s, proche aidante de "
                 "%(patient)s", **names) if feminine(delegation.caregiver) else
              _n("Attestation de début de délégation : %(caregiver)s, proche aidant de "
                 "%(patient)s", **names)) if event == START else
             (_n("Attestation de fin de délégation : %(caregiver)s, proche aidante de "
                 "%(patient)s",
                 **names) if feminine(delegation.caregiver) else
              _n("Attestation de fin de délégation : %(caregiver)s, proche aidant de %(patient)s",
                 **names)))
    invited = (audit.ActivityEvent.select().where(
        audit.ActivityEvent.action == "delegation.invited",
        audit.ActivityEvent.object_id == str(delegation.id)).first())
    data, stored = None, 0
    for person in (delegation.patient, delegation.caregiver):
        if Document.select().where(Document.patient == person.id, Document.category ==
                                   "administratif", Document.original_name == filename).exists():
            continue
        if data is None:
            data = render_pdf(
                "delegation_attestation.html", delegation=delegation, event=event,
                paper_title=title, scopes=scope_texts(delegation.scope_set), never=NEVER,
                sworn_points=SWORN_POINTS, sworn_by=invited.actor_name if invited else "",
                ended_text=_ended_text(delegation) if event == END else "",
                issued_at=utcnow())
        document = store_document(person, actor, data, filename=filename, title=title,
                                  category="administratif", document_date=moment.date())
        audit.record("delegation.attestation", actor=actor, patient=person, obj_type="document",
                     obj_id=document.id, detail=f"delegation={delegation.id} {event}")
        stored += 1
    return stored


@huey.task()
def store_attestations(delegation_id, event, actor_account_id):
    """Render and store a delegation's attestation in both spaces (outside the web request)."""
    from ..worker import app_context
    with app_context():
        return make_attestations(delegation_id, event, actor_account_id)


# --- lapsed invitations -----------------------------------------------------------------------

def expire_invitations(now=None):
    """Close the invitations not accepted in time (ENDED_EXPIRED) and tell the patient's side.
    Each one is claimed by a conditional UPDATE, so two runs never act twice."""
    now = now or utcnow()
    due = Delegation.select(Delegation.id).where(
        Delegation.accepted_at.is_null(), Delegation.ended_at.is_null(),
        Delegation.invitation_expires_at <= now)
    closed = 0
    for row in list(due):
        claimed = Delegation.update(ended_at=now, ended_reason=ENDED_EXPIRED).where(
            Delegation.id == row.id, Delegation.ended_at.is_null(),
            Delegation.accepted_at.is_null()).execute()
        if claimed:
            delegation = Delegation.get_by_id(row.id)
            audit.record("delegation.expired", patient=delegation.patient,
                         obj_type="delegation", obj_id=delegation.id)
            _tell(_patient_side_addresses(delegation), _l("Invitation de proche aidant expirée"),
                  (_ln("L’invitation envoyée à %(caregiver)s pour devenir proche aidante de "
                       "%(patient)s a expiré sans réponse. Vous pouvez l’inviter à nouveau.",
                       caregiver=delegation.caregiver.full_name,
                       patient=delegation.patient.full_name)
                   if feminine(delegation.caregiver) else
                   _ln("L’invitation envoyée à %(caregiver)s pour devenir proche aidant de "
                       "%(patient)s a expiré sans réponse. Vous pouvez l’inviter à nouveau.",
                       caregiver=delegation.caregiver.full_name,
                       patient=delegation.patient.full_name)))
            closed += 1
    return closed


def close_finished(today=None):
    """End the accepted delegations whose last day has passed: the caregiver's sessions in
    that space end, both sides are told, and the end attestation is filed in both spaces.
    Each one is claimed by a conditional UPDATE, so two runs never act twice."""
    today = today or utcnow().date()
    due = Delegation.select(Delegation.id).where(
        Delegation.accepted_at.is_null(False), Delegation.ended_at.is_null(),
        Delegation.ends_on < today)
    closed = 0
    for row in list(due):
        if not Delegation.update(ended_at=utcnow(), ended_reason=ENDED_EXPIRED).where(
                Delegation.id == row.id, Delegation.ended_at.is_null()).execute():
            continue
        delegation = Delegation.get_by_id(row.id)
        sessions = end_acting_sessions(delegation.caregiver, delegation.patient_id)
        audit.record("delegation.ended", patient=delegation.patient, obj_type="delegation",
                     obj_id=delegation.id, detail=f"reason={ENDED_EXPIRED}; "
                                                  f"sessions_ended={sessions}")
        store_attestations(delegation.id, END, paper_author(delegation).id)
        names = {"caregiver": delegation.caregiver.full_name,
                 "patient": delegation.patient.full_name,
                 "date": LazyDate(delegation.ends_on)}
        sentence = (_ln("La délégation de %(caregiver)s, proche aidante de %(patient)s, a pris "
                        "fin à la date prévue, le %(date)s. Une attestation est enregistrée dans "
                        "les documents.", **names) if feminine(delegation.caregiver) else
                    _ln("La délégation de %(caregiver)s, proche aidant de %(patient)s, a pris "
                        "fin à la date prévue, le %(date)s. Une attestation est enregistrée dans "
                        "les documents.", **names))
        _tell(_patient_side_addresses(delegation) + _caregiver_addresses(delegation),
              _l("Fin d’une délégation"), sentence)
        closed += 1
    return closed


@huey.periodic_task(crontab(minute="15"))
def expire_delegation_invitations():
    """Every hour: invitations not accepted in time are closed, and delegations past their
    end date end (both idempotent)."""
    from ..worker import app_context
    with app_context():
        return expire_invitations(), close_finished()


# --- what the pages ask for (the route module adds requests, forms and redirects) ------------

def invite(patient, caregiver, actor_person_id, scopes, starts_on, ends_on):
    """Invite `caregiver` (None: nobody matched the NIR and birth date) to help `patient`,
    for the person `actor_person_id` acting in the patient's space: checked, created,
    journaled, and the caregiver told. Refused says why not."""
    if caregiver is None:
        raise Refused(_("Aucune personne ne correspond à ce numéro de sécurité sociale "
                        "et à cette date de naissance. Vérifiez-les."))
    if caregiver.id == patient.id:
        raise Refused(_("Vous ne pouvez pas vous désigner vous-même comme proche "
                        "aidant."))
    if caregiver.id == actor_person_id:
        raise Refused(_("Vous agissez déjà dans cet espace comme représentant légal : "
                        "vous ne pouvez pas vous y inviter comme proche aidant."))
    delegation = create_invitation(patient, caregiver, scopes, starts_on, ends_on)
    audit.record("delegation.invited", obj_type="delegation", obj_id=delegation.id,
                 detail=f"scopes={delegation.scopes}")
    _tell(_caregiver_addresses(delegation), _l("Invitation à devenir proche aidant"),
          (_ln("%(patient)s vous invite à devenir sa proche aidante dans Carnet. Vous "
               "pouvez accepter ou refuser jusqu’au %(date)s, dans votre espace.",
               patient=patient.full_name,
               date=LazyDate(delegation.invitation_expires_at, "long"))
           if feminine(caregiver) else
           _ln("%(patient)s vous invite à devenir son proche aidant dans Carnet. Vous "
               "pouvez accepter ou refuser jusqu’au %(date)s, dans votre espace.",
               patient=patient.full_name,
               date=LazyDate(delegation.invitation_expires_at, "long"))))
    return delegation


def at_limit(patient):
    """Whether the patient's space already has as many caregivers (and invitations) as allowed."""
    return live().where(Delegation.patient == patient.id).count() >= MAX_CAREGIVERS_PER_PATIENT


def accept(delegation_id, caregiver_id, actor_account_id):
    """The caregiver accepts: accept_invitation, then the journal, the patient's side told and
    the start attestation queued. Refused says why not; returns the accepted delegation."""
    delegation = accept_invitation(delegation_id, caregiver_id)
    audit.record("delegation.accepted", patient=delegation.patient, obj_type="delegation",
                 obj_id=delegation.id)
    _tell(_patient_side_addresses(delegation), _l("Invitation de proche aidant acceptée"),
          (_ln("%(caregiver)s a accepté d’être proche aidante de %(patient)s dans Carnet. Une "
               "attestation est enregistrée dans les documents.",
               caregiver=delegation.caregiver.full_name, patient=delegation.patient.full_name)
           if feminine(delegation.caregiver) else
           _ln("%(caregiver)s a accepté d’être proche aidant de %(patient)s dans Carnet. Une "
               "attestation est enregistrée dans les documents.",
               caregiver=delegation.caregiver.full_name, patient=delegation.patient.full_name)))
    store_attestations(delegation.id, START, actor_account_id)
    return delegation


def finish(delegation, patient_side, actor):
    """End a delegation or an invitation from either side (`patient_side`: the patient's space
    is the one open; `actor`: the account acting), tell the other side, store the attestation
    of the end if it had started; returns the sentence that tells the actor what happened."""
    started = delegation.accepted_at is not None
    reason = ENDED_BY_PATIENT if patient_side else (ENDED_BY_ACTOR if started else ENDED_DECLINED)
    if not close(delegation, reason, actor.person_id):
        return _("Cette délégation avait déjà pris fin : rien n’a été modifié.")
    ended = end_acting_sessions(delegation.caregiver, delegation.patient_id) if started else 0
    audit.record("delegation.ended" if started else "delegation.invitation_closed",
                 patient=delegation.patient, obj_type="delegation", obj_id=delegation.id,
                 detail=f"reason={reason} sessions_ended={ended}")
    names = {"caregiver": delegation.caregiver.full_name, "patient": delegation.patient.full_name}
    if patient_side:
        _tell(_caregiver_addresses(delegation),
              _l("Fin de délégation") if started else _l("Invitation annulée"),
              (_ln("La délégation par laquelle vous étiez proche aidante de %(patient)s a pris "
                   "fin. Une attestation est enregistrée dans vos documents.", **names)
               if feminine(delegation.caregiver) else
               _ln("La délégation par laquelle vous étiez proche aidant de %(patient)s a pris fin. "
                   "Une attestation est enregistrée dans vos documents.", **names)) if started else
              (_ln("L’invitation à devenir proche aidante de %(patient)s a été annulée.",
                   **names) if feminine(delegation.caregiver) else
               _ln("L’invitation à devenir proche aidant de %(patient)s a été annulée.", **names)))
    else:
        _tell(_patient_side_addresses(delegation),
              _l("Fin de délégation") if started else _l("Invitation refusée"),
              _ln("%(caregiver)s a mis fin à la délégation et n’a plus accès à l’espace santé de "
                  "%(patient)s. Une attestation est enregistrée dans les documents.", **names)
              if started else
              (_ln("%(caregiver)s a refusé l’invitation à devenir proche aidante de "
                   "%(patient)s.",
                   **names) if feminine(delegation.caregiver) else
               _ln("%(caregiver)s a refusé l’invitation à devenir proche aidant de %(patient)s.",
                   **names)))
    if started:
        store_attestations(delegation.id, END, actor.id)
        return _n("La délégation a pris fin. %(name)s n’a plus accès à cet espace.",
                  name=names["caregiver"]) if patient_side else \
            _n("La délégation a pris fin : vous n’agissez plus pour %(name)s.",
               name=names["patient"])
    return _n("L’invitation envoyée à %(name)s est annulée.", name=names["caregiver"]) \
        if patient_side else _n("Vous avez refusé l’invitation envoyée par %(name)s.",
                                name=names["patient"])


def relatives(person, now):
    """This space's caregivers and invitations ('given'), and those of the patients this
    person helps or is invited to help ('received'), newest last."""
    shown = (Delegation.select().where(Delegation.ended_at.is_null(), (
        Delegation.accepted_at.is_null() | (Delegation.ends_on >= now.date())))
        .order_by(Delegation.created_at))
    return (list(shown.where(Delegation.patient == person.id)),
            list(shown.where(Delegation.caregiver == person.id)))
