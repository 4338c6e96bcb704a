"""Legal representatives: the rules and writes shared by the parents' pages (guardians.py)
and the operators' attaching of a protected adult's representative (operator/views.py)."""
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_login import current_user

from .. import audit, mail
from ..accounts.models import ROLE_PATIENT, Account, utcnow
from ..db import write_tx
from ..i18n import LazyDate, _ln, feminine
from .guardian_forms import ADULT_MEASURE_LABELS, END_REASON_LABELS
from .models import ENDED_OPERATOR, Guardianship
from .sessions import end_acting_sessions

PARENT = "parent"
MAX_PARENTS = 2
MAJORITY_AGE = 18
KIND_LABELS = {
    PARENT: _l("Représentant légal (parent)"),
    "tutelle": _l("Tuteur ou tutrice (tutelle)"),
    "habilitation": _l("Personne habilitée (habilitation familiale)"),
}


def _current(query):
    """Accepted ones, and invitations still waiting for an answer; never ended ones."""
    return query.where(Guardianship.ended_at.is_null(),
                       Guardianship.accepted_at.is_null(False)
                       | (Guardianship.invitation_expires_at > utcnow()))


def _parents_count(ward):
    """Parental representatives of `ward`, counting invitations waiting for an answer."""
    return _current(Guardianship.select().where(Guardianship.ward == ward.id,
                                                Guardianship.kind == PARENT)).count()


def _active_patient_account(person):
    return Account.get_or_none(Account.person == person.id, Account.role == ROLE_PATIENT,
                               Account.is_active == True)  # noqa: E712


def _addresses(person):
    """Where to write to a person: their login e-mail, else the e-mail on file."""
    account = Account.get_or_none(Account.person == person.id,
                                  Account.is_active == True)  # noqa: E712
    address = account.email if account else person.email
    return [address] if address else []


def _tell(person, subject, body):
    for address in _addresses(person):
        mail.send(address, subject, body)


def _end(guardianship, reason):
    """End it once (a conditional UPDATE: a second attempt changes nothing); True if done."""
    with write_tx():
        return bool(Guardianship.update(ended_at=utcnow(), ended_reason=reason).where(
            Guardianship.id == guardianship.id, Guardianship.ended_at.is_null()).execute())


# --- protected adults (operators) ----------------------------------------------------------------

def attach_refusal(adult, guardian):
    """Why this representative cannot be attached to this adult (French), or None."""
    same = _("Aucune personne ne correspond à ce numéro de sécurité sociale et à cette date de "
             "naissance. Vérifiez-les.")
    if adult is None:
        return "nir", same
    if guardian is None:
        return "guardian_nir", same
    if adult.age_on() < MAJORITY_AGE:
        return "nir", _("Cette personne est mineure : ses représentants légaux sont ses parents "
                        "(ou le tuteur désigné pour un mineur), pas une mesure pour majeur "
                        "protégé.")
    if guardian.id == adult.id:
        return "guardian_nir", _("Le représentant doit être une autre personne que la personne "
                                 "protégée.")
    if guardian.age_on() < MAJORITY_AGE:
        return "guardian_nir", _("Le représentant doit être majeur.")
    if _active_patient_account(guardian) is None:
        return "guardian_nir", _("Le représentant n’a pas de compte Carnet actif : il doit "
                                 "d’abord activer son propre espace santé.")
    if Guardianship.active().where(Guardianship.ward == adult.id,
                                   Guardianship.guardian == guardian.id).exists():
        return "guardian_nir", _("Cette personne représente déjà la personne protégée dans "
                                 "Carnet.")
    return None


def attach(adult, guardian, measure, decision_date, decision_reference, document):
    """Create the representation the judge decided (accepted at once), journal it, tell both."""
    with write_tx():
        guardianship = Guardianship.create(
            guardian=guardian, ward=adult, kind=measure, accepted_at=utcnow(),
            invited_by=current_user.person_id, decision_document=document)
    audit.record("guardianship.attached", patient=adult, obj_type="guardianship",
                 obj_id=guardianship.id,
                 detail=f"measure={measure}; decision={decision_date.isoformat()} "
                        f"{decision_reference}; document={document.id}")
    label = str(ADULT_MEASURE_LABELS[measure]).lower()
    _tell(guardian, _ln("Carnet : vous pouvez agir pour %(name)s", name=adult.full_name),
          _ln("Bonjour,\n\nÀ la suite du jugement du %(date)s (%(measure)s), vous êtes "
              "rattachée dans Carnet comme représentante légale de %(name)s.\nVous pouvez "
              "ouvrir son espace santé depuis « Mes proches ».\n", date=LazyDate(decision_date),
              measure=label, name=adult.full_name) if feminine(guardian) else
          _ln("Bonjour,\n\nÀ la suite du jugement du %(date)s (%(measure)s), vous êtes "
              "rattaché dans Carnet comme représentant légal de %(name)s.\nVous pouvez ouvrir "
              "son espace santé depuis « Mes proches ».\n", date=LazyDate(decision_date),
              measure=label, name=adult.full_name))
    _tell(adult, _l("Carnet : votre représentant légal"),
          _ln("Bonjour,\n\nÀ la suite du jugement du %(date)s (%(measure)s), %(guardian)s peut "
              "désormais agir dans votre espace santé Carnet. Le jugement est rangé dans vos "
              "documents.\nPour toute question, adressez-vous à votre caisse d’assurance "
              "maladie.\n", date=LazyDate(decision_date), measure=label,
              guardian=guardian.full_name))
    return guardianship


def attached_by(account):
    """The protected adults' representations this operator attached (names only)."""
    return (Guardianship.select().where(Guardianship.invited_by == account.person_id,
                                        Guardianship.kind != PARENT)
            .order_by(Guardianship.ended_at.is_null(False), Guardianship.created_at.desc()))


def end_attached(guardianship, reason):
    """An operator ends a representation (e.g. mainlevée): sessions close, both are told."""
    if not _end(guardianship, ENDED_OPERATOR):
        return False
    ended = end_acting_sessions(guardianship.guardian, guardianship.ward_id)
    audit.record("guardianship.ended", patient=guardianship.ward, obj_type="guardianship",
                 obj_id=guardianship.id, detail=f"reason={reason}; sessions_ended={ended}")
    text = str(END_REASON_LABELS[reason]).lower()
    _tell(guardianship.guardian, _l("Carnet : fin de votre accès"),
          _ln("Bonjour,\n\nVotre accès à l’espace santé de %(name)s comme représentant légal a "
              "pris fin (%(reason)s).\n", name=guardianship.ward.full_name, reason=text))
    _tell(guardianship.ward, _l("Carnet : fin de la représentation"),
          _ln("Bonjour,\n\n%(guardian)s n’a plus accès à votre espace santé Carnet comme "
              "représentant légal (%(reason)s).\n", guardian=guardianship.guardian.full_name,
              reason=text))
    return True
