"""Mediators (aidants numériques): mandates signed at a counter, as in Aidants Connect.

The mediator and the patient fill in the request together; the patient receives a one-time
code by e-mail and reads it out; the mediator types it and the mandate is in force from that
moment, for the chosen duration. A printable mandate (PDF) is then stored in the patient's
documents. A mediator has at most one mandate in force per patient: a new one, once confirmed,
replaces the previous one (renewal), which ends with the reason "replaced". Until then the
previous one goes on, so a renewal that is never confirmed leaves nothing broken.

This module holds the rules, the writes, the e-mails, the printable mandate and its huey task
(queued under the name `portal.proxies.mandates.store_mandate_document`: it stays here); the
pages are in mandate_routes.py.
"""
import hmac
import secrets
from datetime import datetime, timedelta
from types import SimpleNamespace

from flask_babel import force_locale, gettext as _, lazy_gettext as _l, ngettext

from .. import audit, mail
from ..accounts.models import ROLE_PATIENT, Account, Person, utcnow
from ..accounts.otp import _code_hash
from ..db import write_tx
from ..extensions import huey
from ..i18n import _n, adjust, feminine, format_date, lower_first
from ..policy import (CLOSED_SPACE, DOCUMENTS_VIEW, MANDATE, allowed, pending_documents,
                      relations_for, revoke_lapsed_tokens, space_is_open, token_holds,
                      visible_documents)
from .mandate_forms import DURATIONS, TASK_LABELS, ends_after, task_names
from .models import (ENDED_BY_ACTOR, ENDED_BY_PATIENT, ENDED_DECLINED, ENDED_EXPIRED,
                     MANDATE_CODE_ATTEMPTS, MANDATE_CODE_VALID_FOR, MANDATE_TASKS, Guardianship,
                     Mandate)
from .sessions import end_acting_sessions

# Reasons of this module's own (ended_reason): a request or mandate replaced by a newer one,
# and a request cancelled after too many wrong codes.
ENDED_REPLACED = "replaced"
ENDED_CODE_FAILED = "code_failed"

RENEW_WITHIN = timedelta(days=14)      # "Mandat à renouveler avant le …"
NEW_DOCUMENTS_WITHIN = timedelta(days=14)
RECENTLY_ENDED = timedelta(days=30)    # the mediator still sees an ended mandate this long

UNKNOWN = _l("Aucun espace Carnet ne correspond à ce numéro de sécurité sociale et à cette date "
             "de naissance. Vérifiez-les avec la personne.")


def _waiting_now():
    """Requests still waiting for their code (not confirmed, not ended, code not expired)."""
    return (Mandate.confirmed_at.is_null() & Mandate.ended_at.is_null()
            & (Mandate.code_expires_at > utcnow()))


def in_space(person):
    """The mandates in force in this space, and the requests waiting for the patient's code."""
    in_force = Mandate.confirmed_at.is_null(False) & Mandate.ended_at.is_null() & (
        Mandate.ends_at > utcnow())
    return list(Mandate.select(Mandate, Account, Person).join(Account).join(Person)
                .where(Mandate.patient == person.id, in_force | _waiting_now())
                .order_by(Mandate.starts_at))

# --- the mediator's home ("Mes mandats") ------------------------------------------------------

def ended_label(mandate):
    """Why and when a mandate (or a request) ended, as the mediator reads it."""
    if mandate.ended_at is None:
        if mandate.confirmed_at is None:
            return mandate.code_expires_at, _("demande annulée : code non saisi à temps")
        return mandate.ends_at, _("arrivé à échéance")
    reasons = {
        ENDED_BY_PATIENT: _("révoqué par la personne"),
        ENDED_DECLINED: _("demande refusée par la personne"),
        ENDED_BY_ACTOR: _("vous y avez mis fin") if mandate.confirmed_at else
        _("demande annulée par vous"),
        ENDED_EXPIRED: _("demande annulée : code expiré"),
        ENDED_CODE_FAILED: _("demande annulée : trop de codes incorrects"),
        ENDED_REPLACED: _("remplacé par un nouveau mandat") if mandate.confirmed_at else
        _("remplacée par une nouvelle demande"),
    }
    return mandate.ended_at, reasons.get(mandate.ended_reason, _("terminé"))


def next_steps(account, relation, mandate, now):
    """What the mediator should do next for this patient, from the data that is there: renew
    a mandate ending soon; with the documents task, documents new or waiting in the record."""
    steps = []
    if mandate.ends_at - now <= RENEW_WITHIN:
        steps.append(_("Mandat à renouveler avant le %(date)s.",
                       date=format_date(mandate.ends_at, "long")))
    if allowed(account, DOCUMENTS_VIEW, relation):
        from ..documents.models import Document
        since = now - NEW_DOCUMENTS_WITHIN
        new = visible_documents(relation, account).where(
            Document.created_at >= since, Document.author != account.id).count()
        if new:
            steps.append(ngettext("%(num)s nouveau document depuis le %(date)s, à regarder "
                                  "avec la personne.",
                                  "%(num)s nouveaux documents depuis le %(date)s, à regarder "
                                  "avec la personne.", new, date=format_date(since, "long")))
        waiting = pending_documents(relation).count()
        if waiting:
            steps.append(ngettext("%(num)s document attend d’être présenté par un "
                                  "professionnel de santé.",
                                  "%(num)s documents attendent d’être présentés par un "
                                  "professionnel de santé.", waiting))
    return steps


def mandates_home(account):
    """The mediator's mandates in force (with next steps), waiting requests, and those ended
    in the last 30 days."""
    now = utcnow()
    relations = [r for r in relations_for(account) if r.kind == MANDATE]
    rows = {m.id: m for m in Mandate.select().where(
        Mandate.id.in_([r.record_id for r in relations]))}
    current = [SimpleNamespace(relation=r, mandate=rows[r.record_id], person=r.person,
                               tasks=task_names(rows[r.record_id].task_set),
                               steps=next_steps(account, r, rows[r.record_id], now))
               for r in sorted(relations, key=lambda r: rows[r.record_id].ends_at)]
    mine = Mandate.select(Mandate, Person).join(Person, on=(Mandate.patient == Person.id)).where(
        Mandate.mediator == account.id)
    waiting = list(mine.where(_waiting_now()).order_by(Mandate.code_expires_at))
    since = now - RECENTLY_ENDED
    lapsed = Mandate.ended_at.is_null() & (
        (Mandate.confirmed_at.is_null(False) & Mandate.ends_at.between(since, now))
        | (Mandate.confirmed_at.is_null() & Mandate.code_expires_at.between(since, now)))
    ended = []
    for m in mine.where((Mandate.ended_at >= since) | lapsed):
        when, reason = ended_label(m)
        ended.append(SimpleNamespace(mandate=m, person=m.patient, when=when, reason=reason))
    ended.sort(key=lambda e: e.when, reverse=True)
    return SimpleNamespace(current=current, waiting=waiting, ended=ended,
                           tasks=lambda m: task_names(m.task_set))


def mediator_context():
    """`mandates_home(account)` for the mediator's part of the spaces page."""
    return {"mandates_home": mandates_home}


# --- creating a mandate at the counter ----------------------------------------------------------

def _patient_account(person):
    return Account.get_or_none(Account.person == person.id, Account.role == ROLE_PATIENT,
                               Account.is_active == True)  # noqa: E712


def refusal(person):
    """Why no mandate can be signed with this person, or None. An unknown person and a
    mismatching birth date get the same message."""
    if person is None:
        return UNKNOWN
    if not space_is_open(person.id):
        return str(CLOSED_SPACE)
    if person.is_minor:
        return _("Cette personne est mineure : un mandat est signé par une personne majeure. "
                 "Pour un enfant, c’est son représentant légal (parent, tuteur ou tutrice) qui "
                 "agit dans son espace.")
    if Guardianship.active().where(Guardianship.ward == person.id,
                                   Guardianship.kind == "tutelle").exists():
        return _("Cette personne est représentée par un tuteur ou une tutrice : c’est son "
                 "représentant légal qui agit pour elle. Un mandat ne peut pas être signé.")
    if _patient_account(person) is None:
        return _("Cette personne n’a pas encore activé son espace Carnet. Elle doit d’abord "
                 "l’activer avec son adresse e-mail : le code qui confirme le mandat lui est "
                 "envoyé à cette adresse. Aidez-la à le faire, puis revenez ici.")
    return None


def duration_key(mandate):
    """The DURATIONS key a request was made with (its dates were computed from it)."""
    return next((key for key in DURATIONS if ends_after(mandate.starts_at, key)
                 == mandate.ends_at), None)


def _mediator_words(mediator):
    """'Sophie Bernard (France Services de Tulle)': how e-mails and pages name a mediator."""
    if mediator.structure:
        return f"{mediator.display_name} ({mediator.structure})"
    return mediator.display_name


def _task_lines(mandate):
    """The mandate's tasks, one per line, each with what it allows ("– Agenda : voir et noter
    les rendez-vous de santé."): a list a sentence can introduce with a colon."""
    return "\n".join(_("– %(task)s : %(what)s", task=TASK_LABELS[t][0],
                        what=lower_first(str(TASK_LABELS[t][1])))
                      for t in MANDATE_TASKS if t in mandate.task_set)


def _mail_patient(mandate, subject, body, **values):
    """E-mail the patient's own account, in its language (never anything medical). `body`
    receives the mediator's name and role (%(mediator)s, %(role)s: "aidante numérique" for a
    woman) and the tasks (%(tasks)s, one per line)."""
    account = _patient_account(mandate.patient)
    if account is None:
        return
    with force_locale(account.language or "fr"):
        values.update(mediator=_mediator_words(mandate.mediator),
                      role=(_("aidante numérique") if feminine(mandate.mediator)
                            else _("aidant numérique")),
                      tasks=_task_lines(mandate))
        values = {k: format_date(v, "long") if isinstance(v, datetime) else str(v)
                  for k, v in values.items()}
        mail.send(account.email, str(subject), adjust(str(body), values) % values)


def _issue_code(mandate):
    """A new 6-digit code (the previous one stops working); only its hash is kept. Wrong
    attempts are counted per request, not per code, so asking again does not add tries."""
    code = f"{secrets.randbelow(10**6):06d}"
    Mandate.update(code_hash=_code_hash(code),
                   code_expires_at=utcnow() + MANDATE_CODE_VALID_FOR).where(
        Mandate.id == mandate.id).execute()
    minutes = int(MANDATE_CODE_VALID_FOR.total_seconds() // 60)
    duration = DURATIONS.get(duration_key(mandate), ("",))[0]
    _mail_patient(mandate, _l("Carnet : code de confirmation de votre mandat"),
                  _l("Bonjour,\n\n%(mediator)s, %(role)s, prépare avec vous un mandat pour "
                     "vous aider dans votre espace Carnet pendant %(duration)s. Ce mandat "
                     "couvre seulement ces tâches :\n%(tasks)s\n\nVotre code de confirmation : "
                     "%(code)s\nIl est valable %(minutes)s minutes.\n\nNe communiquez ce code "
                     "qu’à la personne qui prépare ce mandat avec vous. Si vous n’êtes pas en "
                     "train de signer un mandat, ne le donnez à personne : sans ce code, aucun "
                     "mandat n’est créé.\n\nCarnet"), code=code, minutes=minutes,
                  duration=duration)


def request_mandate(patient, mediator, tasks, duration):
    """The mediator's request for a mandate with `patient` (the tasks chosen, a DURATIONS key):
    it voids this mediator's older request for the patient, and the patient is sent a code."""
    now = utcnow()
    tasks = ",".join(t for t in MANDATE_TASKS if t in tasks)
    with write_tx():
        # One waiting request per patient: a new one voids the older request.
        Mandate.update(ended_at=now, ended_reason=ENDED_REPLACED).where(
            Mandate.mediator == mediator.id, Mandate.patient == patient.id,
            Mandate.confirmed_at.is_null(), Mandate.ended_at.is_null()).execute()
        mandate = Mandate.create(patient=patient, mediator=mediator, tasks=tasks,
                                 starts_at=now, ends_at=ends_after(now, duration))
    _issue_code(mandate)
    audit.record("mandate.requested", patient=patient, via="", obj_type="mandate",
                 obj_id=mandate.id, detail=f"tasks={tasks}; duration={duration}")
    return mandate


def resend_code(mandate):
    """A new code for a waiting request (the previous one no longer works)."""
    _issue_code(mandate)
    audit.record("mandate.code_sent", patient=mandate.patient, via="", obj_type="mandate",
                 obj_id=mandate.id)


def cancel_request(mandate, reason):
    """End a waiting request (expired code, too many wrong codes)."""
    Mandate.update(ended_at=utcnow(), ended_reason=reason, code_hash=None).where(
        Mandate.id == mandate.id, Mandate.ended_at.is_null()).execute()
    audit.record("mandate.cancelled", patient=mandate.patient, via="", obj_type="mandate",
                 obj_id=mandate.id, outcome="denied", detail=reason)


def check_code(mandate, code):
    """'ok' (the mandate is now in force and replaces this mediator's previous one for the
    patient), 'wrong' (attempt counted), 'expired', 'exhausted', 'closed' (the space was
    closed since the request: the code, like every token, no longer holds) or 'gone' (the
    request was confirmed or ended meanwhile)."""
    digits = "".join(ch for ch in code if ch.isdigit())
    now = utcnow()
    with write_tx():
        fresh = Mandate.get_by_id(mandate.id)
        if fresh.ended_at is not None or fresh.confirmed_at is not None:
            return "gone"
        if fresh.code_expires_at is None or fresh.code_expires_at <= now:
            return "expired"
        if not token_holds(fresh.patient_id):
            return "closed"
        if not hmac.compare_digest(fresh.code_hash or "", _code_hash(digits)):
            Mandate.update(code_attempts=Mandate.code_attempts + 1).where(
                Mandate.id == fresh.id).execute()
            mandate.code_attempts = fresh.code_attempts + 1
            return "exhausted" if mandate.code_attempts >= MANDATE_CODE_ATTEMPTS else "wrong"
        key = duration_key(fresh)
        ends_at = ends_after(now, key) if key else now + (fresh.ends_at - fresh.starts_at)
        Mandate.update(ended_at=now, ended_reason=ENDED_REPLACED, ended_by=fresh.patient_id).where(
            Mandate.mediator == fresh.mediator_id, Mandate.patient == fresh.patient_id,
            Mandate.confirmed_at.is_null(False), Mandate.ended_at.is_null(),
            Mandate.id != fresh.id).execute()
        Mandate.update(confirmed_at=now, starts_at=now, ends_at=ends_at, code_hash=None,
                       code_expires_at=None).where(Mandate.id == fresh.id).execute()
    return "ok"


def signed(mandate):
    """After the code: journal, the PDF (in the queue), the patient's e-mail."""
    audit.record("mandate.confirmed", patient=mandate.patient, via="", obj_type="mandate",
                 obj_id=mandate.id,
                 detail=f"tasks={mandate.tasks}; until={mandate.ends_at:%Y-%m-%d}")
    store_mandate_document(mandate.id)
    _mail_patient(mandate, _l("Carnet : vous avez signé un mandat"),
                  _l("Bonjour,\n\nVous avez signé un mandat avec %(mediator)s, %(role)s. "
                     "Jusqu’au %(until)s, ce mandat couvre seulement ces tâches :\n%(tasks)s"
                     "\n\nLe mandat imprimable est rangé dans vos documents (Pièces "
                     "administratives). Vous pouvez le révoquer à tout moment dans Carnet, page "
                     "« Mes proches ». Si vous n’avez pas signé ce mandat, révoquez-le tout de "
                     "suite.\n\nCarnet"),
                  until=mandate.ends_at)


# --- the printable mandate ----------------------------------------------------------------------

@huey.task(retries=2, retry_delay=60)
def store_mandate_document(mandate_id):
    """Render the signed mandate to PDF and store it in the patient's documents (once: a retry
    or a second run finds `mandate.document` set and stops)."""
    from ..documents.store import store_document
    from ..pdf import render_pdf
    from ..worker import app_context
    with app_context():
        mandate = Mandate.get_or_none(Mandate.id == mandate_id)
        if mandate is None or mandate.confirmed_at is None or mandate.document_id:
            return None
        pdf = render_pdf("mandate.html", mandate=mandate, patient=mandate.patient,
                         mediator=mandate.mediator, issued_at=mandate.confirmed_at,
                         tasks=[TASK_LABELS[t] for t in MANDATE_TASKS if t in mandate.task_set])
        with force_locale("fr"):
            title = _n("Mandat d’aidant numérique – %(name)s", name=mandate.mediator.display_name)
        with write_tx():
            if Mandate.get_by_id(mandate_id).document_id:
                return None
            document = store_document(
                mandate.patient, mandate.mediator, pdf, title=title,
                filename=f"mandat-{mandate.confirmed_at:%Y-%m-%d}.pdf", category="administratif",
                document_date=mandate.confirmed_at.date(), doc_type="mandat",
                author_is_professional=False)
            Mandate.update(document=document).where(Mandate.id == mandate_id).execute()
        audit.record("mandate.document_stored", actor=mandate.mediator, patient=mandate.patient,
                     via="", obj_type="document", obj_id=document.id)
        return document.id


# --- ending a mandate ---------------------------------------------------------------------------

def end_by_mediator(mandate, mediator):
    """The mediator (an account) ends a mandate in force, or cancels a waiting request; the
    patient is told of a mandate that ends."""
    Mandate.update(ended_at=utcnow(), ended_reason=ENDED_BY_ACTOR, code_hash=None,
                   ended_by=mediator.person_id).where(
        Mandate.id == mandate.id, Mandate.ended_at.is_null()).execute()
    revoke_lapsed_tokens(space_id=mandate.patient_id, made_by_person=mediator.person_id)
    audit.record("mandate.ended", patient=mandate.patient, via="", obj_type="mandate",
                 obj_id=mandate.id)
    if mandate.confirmed_at:
        _mail_patient(mandate, _l("Carnet : fin d’un mandat"),
                      _l("Bonjour,\n\n%(mediator)s, %(role)s, a mis fin au mandat que "
                         "vous lui aviez confié. Cette personne n’a plus accès à votre "
                         "espace Carnet.\n\nCarnet"))


def revoke(mandate, by_person_id):
    """The patient's side revokes a mandate or declines a request; the mediator's sessions
    acting in this space end at once."""
    reason = ENDED_BY_PATIENT if mandate.confirmed_at else ENDED_DECLINED
    Mandate.update(ended_at=utcnow(), ended_reason=reason, code_hash=None,
                   ended_by=by_person_id).where(
        Mandate.id == mandate.id, Mandate.ended_at.is_null()).execute()
    ended = end_acting_sessions(mandate.mediator.person, mandate.patient_id)
    audit.record("mandate.revoked", obj_type="mandate", obj_id=mandate.id,
                 detail=f"{reason}; sessions_ended={ended}")
