"""Who may write to whom, and the queries every messaging page starts from.

The national service's rules: a professional starts a conversation with a patient; the patient
replies, and starts one only with a professional who wrote to them and did not close the
exchange. Beyond it, Carnet lets the patient's side also write first to their médecin traitant
and to the professionals they authorised. A professional who turned "patients may write to me"
off in their settings receives no new conversation from patients (they still get replies).
Conversations are always loaded through `patient_side(patient_id)` or `professional_side(account)`:
an id outside them is a 404.
"""
from ..access.models import Grant
from ..accounts.models import ROLE_PROFESSIONAL, Account, Person, utcnow
from ..db import Prepared
from .models import Conversation, Message, MessagingSettings


def patient_side(patient_id):
    """The conversations the patient's side of `patient_id` still has (trash included)."""
    return Conversation.select().where(Conversation.patient == patient_id,
                                       Conversation.patient_deleted_at.is_null())


def professional_side(account):
    """A professional's own conversations, across patients (trash included)."""
    return Conversation.select().where(Conversation.professional == account.id,
                                       Conversation.professional_deleted_at.is_null())


def in_box(query, pro):
    trashed = Conversation.professional_trashed_at if pro else Conversation.patient_trashed_at
    return query.where(trashed.is_null())


def in_trash(query, pro):
    trashed = Conversation.professional_trashed_at if pro else Conversation.patient_trashed_at
    return query.where(trashed.is_null(False))


def unread_messages(query, pro):
    """Messages of these conversations the side has not read yet (what the other side
    wrote)."""
    return (Message.select().join(Conversation)
            .where(Conversation.id.in_(query.select(Conversation.id)),
                   Message.from_professional == (not pro), Message.read_at.is_null()))


def unread_by_conversation(conversation_ids, pro):
    """{conversation id: unread count} for one page of a list."""
    if not conversation_ids:
        return {}
    from peewee import fn
    rows = (Message.select(Message.conversation, fn.COUNT(Message.id).alias("n"))
            .where(Message.conversation.in_(conversation_ids),
                   Message.from_professional == (not pro), Message.read_at.is_null())
            .group_by(Message.conversation))
    return {row.conversation_id: row.n for row in rows}


def _unread_count_query(owner, pro):
    """The number of unread_messages(in_box(…)) of one side, as one COUNT over a join."""
    from peewee import fn
    if pro:
        mine = (Conversation.professional == owner, Conversation.professional_deleted_at.is_null(),
                Conversation.professional_trashed_at.is_null())
    else:
        mine = (Conversation.patient == owner, Conversation.patient_deleted_at.is_null(),
                Conversation.patient_trashed_at.is_null())
    return (Message.select(fn.COUNT(Message.id)).join(Conversation)
            .where(*mine, Message.from_professional == (not pro), Message.read_at.is_null())
            .tuples())


# The header's badge asks one of these on every page: built once (see db.Prepared).
_UNREAD_FOR_PATIENT = Prepared(lambda patient_id: _unread_count_query(patient_id, False), 0)
_UNREAD_FOR_PROFESSIONAL = Prepared(lambda account_id: _unread_count_query(account_id, True), 0)


def unread_count_for_patient(patient_id):
    return _UNREAD_FOR_PATIENT.first(patient_id)[0]


def unread_count_for_professional(account):
    return _UNREAD_FOR_PROFESSIONAL.first(account.id)[0]


def mark_read(conversation, pro):
    """The reader's side has now seen what the other side wrote."""
    return (Message.update(read_at=utcnow())
            .where(Message.conversation == conversation.id,
                   Message.from_professional == (not pro), Message.read_at.is_null())
            .execute())


def _accepts_patients(professional_ids):
    """The professionals among these who let patients start conversations."""
    refused = {s.professional_id for s in MessagingSettings.select().where(
        MessagingSettings.professional.in_(professional_ids),
        MessagingSettings.patients_may_write == False)}  # noqa: E712
    return [pid for pid in professional_ids if pid not in refused]


def writable_professionals(patient_id):
    """The professionals the patient's side of `patient_id` may start a conversation with,
    each with why: (account, "wrote" / "treating" / "authorised"). Exactly these are offered."""
    reasons = {}
    wrote = (Conversation.select(Conversation.professional).where(
        Conversation.patient == patient_id, Conversation.closed_at.is_null(),
        Conversation.id.in_(Message.select(Message.conversation).where(
            Message.from_professional == True, Message.no_reply == False))))  # noqa: E712
    for row in wrote:
        reasons[row.professional_id] = "wrote"
    grants = Grant.select().where(
        Grant.patient == patient_id, Grant.blocked == False,  # noqa: E712
        Grant.expires_at.is_null() | (Grant.expires_at > utcnow()))
    for grant in grants:
        if grant.treating_doctor:
            reasons[grant.professional_id] = "treating"
        else:
            reasons.setdefault(grant.professional_id, "authorised")
    allowed = _accepts_patients(sorted(reasons))
    accounts = (Account.select(Account, Person).join(Person)
                .where(Account.id.in_(allowed), Account.role == ROLE_PROFESSIONAL,
                       Account.is_active == True)  # noqa: E712
                .order_by(Person.family_name, Person.given_names))
    return [(account, reasons[account.id]) for account in accounts]


def last_professional_message(conversation):
    return (Message.select().where(Message.conversation == conversation.id,
                                   Message.from_professional == True)  # noqa: E712
            .order_by(Message.created_at.desc(), Message.id.desc()).first())


def why_no_reply(conversation, pro):
    """None when this side may reply in the conversation, else the reason to show."""
    from flask_babel import gettext as _
    if conversation.closed_at is not None:
        if pro:
            return _("Vous avez clôturé cette conversation : il n’est plus possible d’y "
                     "répondre.")
        return _("Cette conversation a été clôturée par le professionnel : il n’est plus "
                 "possible d’y répondre.")
    if pro:
        if conversation.patient_deleted_at is not None:
            return _("Le patient a supprimé cette conversation : écrivez-lui dans une "
                     "nouvelle conversation, depuis son espace.")
        return None
    if conversation.professional_deleted_at is not None or \
            not conversation.professional.is_active:
        return _("Ce professionnel ne reçoit plus de messages dans cette conversation.")
    last = last_professional_message(conversation)
    if last is not None and last.no_reply:
        return _("Le professionnel a indiqué que son message n’appelle pas de réponse.")
    return None


def pharmacists():
    """The pharmacists a patient may send a prescription to (any registered pharmacy that
    accepts patients' messages: the patient chooses their pharmacy freely)."""
    query = (Account.select(Account, Person).join(Person)
             .where(Account.role == ROLE_PROFESSIONAL, Account.profession == "pharmacien",
                    Account.is_active == True)  # noqa: E712
             .order_by(Person.family_name, Person.given_names).limit(500))
    accounts = list(query)
    allowed = set(_accepts_patients([a.id for a in accounts]))
    return [a for a in accounts if a.id in allowed]
