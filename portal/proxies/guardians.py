"""Legal representatives (parents, guardians) of minors and protected adults.

- A minor's parent manages the minor's space and may invite the second parent, who must
  accept from their own account (at most two parental representatives).
- An operator attaches a protected adult's representative as a judge decided (no invitation:
  the court decided), with the judgment stored in the adult's documents.
- At 18, a daily task ends the parents' access, invites the young adult to activate their own
  account and tells the parents; a protected adult's representative is not concerned.

This module holds the rules, the writes, the e-mails and the huey task (queued under the name
`portal.proxies.guardians.daily_guardianships`: it stays here); the pages are in
guardian_routes.py.
"""
from datetime import date

from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from huey import crontab

from .. import audit, mail
from ..accounts.invites import INVITE_VALID_FOR, invite_url, issue_invite
from ..accounts.models import Account, Person, utcnow
from ..db import write_tx
from ..extensions import huey
from ..i18n import LazyDate, _ln, _n, feminine
from ..policy import GUARDIAN
from .models import (ENDED_BY_PATIENT, ENDED_DECLINED, ENDED_EXPIRED, ENDED_MAJORITY,
                     INVITATION_VALID_FOR, Delegation, Guardianship)
from .guardianship import (MAJORITY_AGE, MAX_PARENTS, PARENT, _active_patient_account, _current,
                           _end, _parents_count, _tell)
from .sessions import end_acting_sessions


# --- reading ---------------------------------------------------------------------------------

def representatives(person):
    """This space's legal representatives (with invitations waiting), and the people this
    person represents (with invitations addressed to them)."""
    order = (Guardianship.accepted_at.is_null(), Guardianship.created_at)
    guardians = _current(Guardianship.select().where(Guardianship.ward == person.id))
    wards = _current(Guardianship.select().where(Guardianship.guardian == person.id))
    return list(guardians.order_by(*order)), list(wards.order_by(*order))


def managing_parent(ward, relation, person_id):
    """The parental guardianship through which `person_id` acts in `ward`'s space (`relation`:
    the relation open, a minor's), or None."""
    if relation is None or relation.kind != GUARDIAN or not ward.is_minor:
        return None
    return Guardianship.active().where(Guardianship.guardian == person_id,
                                       Guardianship.ward == ward.id,
                                       Guardianship.kind == PARENT).first()


# --- the second parent -------------------------------------------------------------------------

def invite(ward, invitee, relationship, inviter):
    """Create the invitation `inviter` (a Person) sends, or say why not: (invitation, None) or
    (None, French message)."""
    if invitee is None:
        return None, _("Aucune personne ne correspond à ce numéro de sécurité sociale et à "
                       "cette date de naissance. Vérifiez-les.")
    if invitee.age_on() < MAJORITY_AGE:
        return None, _("Un représentant légal doit être majeur : vérifiez le numéro de sécurité "
                       "sociale et la date de naissance.")
    account = _active_patient_account(invitee)
    if account is None:
        return None, _("Cette personne n’a pas de compte Carnet actif. Elle doit d’abord "
                       "activer son propre espace santé ; vous pourrez ensuite l’inviter.")
    now = utcnow()
    with write_tx():
        mine = Guardianship.select().where(Guardianship.ward == ward.id,
                                           Guardianship.guardian == invitee.id)
        if mine.where(Guardianship.ended_at.is_null(),
                      Guardianship.accepted_at.is_null(False)).exists():
            return None, _n("Cette personne est déjà représentant légal de %(name)s.",
                            name=ward.full_name)
        if _current(mine).exists():
            return None, _("Une invitation attend déjà la réponse de cette personne.")
        if _parents_count(ward) >= MAX_PARENTS:
            return None, _n("%(name)s a déjà deux représentants légaux (ou une invitation en "
                            "attente).", name=ward.full_name)
        invitation = Guardianship.create(guardian=invitee, ward=ward, kind=PARENT,
                                         invited_by=inviter.id,
                                         invitation_expires_at=now + INVITATION_VALID_FOR)
    audit.record("guardianship.invited", obj_type="guardianship", obj_id=invitation.id,
                 detail=f"relationship={relationship}")
    mail.send(account.email, _l("Carnet : invitation à devenir représentant légal"),
              _ln("Bonjour,\n\n%(inviter)s vous invite à rejoindre l’espace santé de %(ward)s "
                  "dans Carnet, comme second représentant légal.\nPour accepter ou refuser, "
                  "connectez-vous à Carnet puis ouvrez « Mes proches », avant le %(date)s.\nSi "
                  "cette invitation ne vous concerne pas, refusez-la.\n",
                  inviter=inviter.full_name, ward=ward.full_name,
                  date=LazyDate(invitation.invitation_expires_at)))
    return invitation, None


OF_AGE, EXPIRED, ACCEPTED = "of_age", "expired", "accepted"


def accept(invitation, acceptor):
    """`acceptor` (the invited Person) accepts: ACCEPTED (the inviting parent is told), EXPIRED
    (too late), or OF_AGE (the child turned 18 meanwhile: the invitation ends)."""
    ward = invitation.ward
    if not ward.is_minor:
        if _end(invitation, ENDED_MAJORITY):
            audit.record("guardianship.ended", patient=ward, obj_type="guardianship",
                         obj_id=invitation.id, detail=f"reason={ENDED_MAJORITY}")
        return OF_AGE
    now = utcnow()
    with write_tx():
        accepted = Guardianship.update(accepted_at=now).where(
            Guardianship.id == invitation.id, Guardianship.accepted_at.is_null(),
            Guardianship.ended_at.is_null(), Guardianship.invitation_expires_at > now).execute()
    if not accepted:
        return EXPIRED
    audit.record("guardianship.accepted", patient=ward, obj_type="guardianship",
                 obj_id=invitation.id)
    if invitation.invited_by:
        names = {"name": acceptor.full_name, "ward": ward.full_name}
        _tell(invitation.invited_by, _l("Carnet : invitation acceptée"),
              _ln("Bonjour,\n\n%(name)s a accepté votre invitation : elle est maintenant "
                  "représentante légale de %(ward)s dans Carnet.\n", **names)
              if feminine(acceptor) else
              _ln("Bonjour,\n\n%(name)s a accepté votre invitation : il est maintenant "
                  "représentant légal de %(ward)s dans Carnet.\n", **names))
    return ACCEPTED


def decline(invitation, decliner):
    """`decliner` (the invited Person) declines; the inviting parent is told. False when the
    invitation had already ended."""
    if not _end(invitation, ENDED_DECLINED):
        return False
    audit.record("guardianship.declined", patient=invitation.ward, obj_type="guardianship",
                 obj_id=invitation.id)
    if invitation.invited_by:
        _tell(invitation.invited_by, _l("Carnet : invitation refusée"),
              _ln("Bonjour,\n\n%(name)s a refusé votre invitation à devenir représentant légal "
                  "de %(ward)s dans Carnet.\n", name=decliner.full_name,
                  ward=invitation.ward.full_name))
    return True


def cancel_invitation(invitation, ward):
    """The managing parent withdraws an invitation not answered yet; the invited person is
    told. False when it had already ended."""
    if not _end(invitation, ENDED_BY_PATIENT):
        return False
    audit.record("guardianship.invitation_cancelled", obj_type="guardianship",
                 obj_id=invitation.id)
    _tell(invitation.guardian, _l("Carnet : invitation annulée"),
          _ln("Bonjour,\n\nL’invitation à devenir représentant légal de %(ward)s dans Carnet a "
              "été annulée. Vous n’avez rien à faire.\n", ward=ward.full_name))
    return True


# --- majority ------------------------------------------------------------------------------------

def _eighteenth_birthday(birth):
    try:
        return birth.replace(year=birth.year + MAJORITY_AGE)
    except ValueError:  # born on 29 February: of age on 1 March in a common year
        return date(birth.year + MAJORITY_AGE, 3, 1)


def _born_on_or_before(today, years):
    """The latest birth date of someone who is `years` old on `today` (29 February → 28)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return date(today.year - years, 2, 28)


def process_majorities(today=None):
    """End every parental representation of a young adult who turned 18 on or before `today`
    (a conditional UPDATE: run twice, it acts once); close the parents' sessions open on the
    space; invite the young adult to activate an account; tell the parents. Returns the
    number of representations ended."""
    today = today or utcnow().date()
    cutoff = _born_on_or_before(today, MAJORITY_AGE)
    rows = (Guardianship.select(Guardianship, Person)
            .join(Person, on=(Guardianship.ward == Person.id))
            .where(Guardianship.kind == PARENT, Guardianship.ended_at.is_null(),
                   Person.birth_date <= cutoff)
            .order_by(Guardianship.ward, Guardianship.id))
    ended_by_ward = {}
    for gs in list(rows):
        if _end(gs, ENDED_MAJORITY):
            ended_by_ward.setdefault(gs.ward_id, []).append(gs)
    for guardianships in ended_by_ward.values():
        _end_delegations_at_majority(guardianships[0].ward)
        _come_of_age(guardianships[0].ward, guardianships)
    return sum(len(v) for v in ended_by_ward.values())


def _end_delegations_at_majority(young_adult):
    """Caregivers chosen by the parents for a child stop with the parents' authority: the
    young adult decides again (and may invite them back)."""
    from .delegations import END, paper_author, store_attestations
    delegations = Delegation.select().where(Delegation.patient == young_adult.id,
                                            Delegation.ended_at.is_null())
    for d in list(delegations):
        if not Delegation.update(ended_at=utcnow(), ended_reason=ENDED_MAJORITY).where(
                Delegation.id == d.id, Delegation.ended_at.is_null()).execute():
            continue
        ended = end_acting_sessions(d.caregiver, young_adult.id)
        audit.record("delegation.ended", patient=young_adult, obj_type="delegation",
                     obj_id=d.id, detail=f"reason={ENDED_MAJORITY}; sessions_ended={ended}")
        store_attestations(d.id, END, paper_author(d).id)
        _tell(d.caregiver, _l("Carnet : fin d’une délégation"),
              _ln("Bonjour,\n\n%(name)s a 18 ans : la délégation que ses représentants légaux "
                  "vous avaient donnée a pris fin. Si %(given)s le souhaite, une nouvelle "
                  "délégation peut vous être donnée depuis son propre compte.\n",
                  name=young_adult.full_name, given=young_adult.given_names))


def _come_of_age(young_adult, guardianships):
    invited_by_mail = False
    has_account = Account.select().where(Account.person == young_adult.id).exists()
    if not has_account:
        invite, token = issue_invite(young_adult, sent_to=young_adult.email)
        audit.record("account.activation_invited", patient=young_adult,
                     obj_type="activation_invite", obj_id=invite.id,
                     detail="email" if young_adult.email else "counter")
        if young_adult.email:
            invited_by_mail = True
            mail.send(young_adult.email, _l("Carnet : votre espace santé est à vous"),
                      _ln("Bonjour %(name)s,\n\nVous avez 18 ans : votre espace santé Carnet est "
                          "désormais à vous seulement : vos parents n’y ont plus accès.\nPour "
                          "l’activer, ouvrez ce lien avant le %(date)s :\n%(link)s\nVous "
                          "saisirez votre numéro de sécurité sociale et votre date de naissance "
                          "(sur votre carte Vitale), puis choisirez votre mot de passe.\nCe lien "
                          "ne sert qu’une fois. Ne le transmettez à personne.\n",
                          name=young_adult.given_names, date=LazyDate(invite.expires_at),
                          link=invite_url(token)))
    else:
        _tell(young_adult, _l("Carnet : votre espace santé est à vous"),
              _ln("Bonjour %(name)s,\n\nVous avez 18 ans : vos parents n’ont plus accès à votre "
                  "espace santé Carnet. Si vous le souhaitez, vous pouvez donner une délégation "
                  "à un proche depuis « Mes proches ».\n", name=young_adult.given_names))
    for gs in guardianships:
        pending = gs.accepted_at is None
        ended = 0 if pending else end_acting_sessions(gs.guardian, young_adult.id)
        audit.record("guardianship.ended", patient=young_adult, obj_type="guardianship",
                     obj_id=gs.id, detail=f"reason={ENDED_MAJORITY}; sessions_ended={ended}")
        if pending:
            continue  # an invitation never accepted: nothing was open, nothing to say
        if has_account or invited_by_mail:
            how = _l("Une invitation à activer son espace lui a été envoyée par e-mail.") \
                if invited_by_mail else ""
        else:
            how = _ln("Nous ne connaissons pas son adresse e-mail : %(given)s peut activer son "
                      "espace à l’accueil de sa caisse d’assurance maladie (CPAM) ou avec l’aide "
                      "d’un aidant numérique (France Services), en apportant sa carte Vitale et "
                      "une pièce d’identité. Le lien d’activation est valable %(days)s jours et "
                      "peut être renouvelé au guichet.", given=young_adult.given_names,
                      days=INVITE_VALID_FOR.days)
        _tell(gs.guardian, _ln("Carnet : %(name)s a 18 ans", name=young_adult.full_name),
              _ln("Bonjour,\n\n%(name)s a eu 18 ans le %(date)s. Son espace santé lui appartient "
                  "désormais : votre accès comme représentant légal a pris fin.\n%(how)s\nSi "
                  "%(given)s le souhaite, une délégation donnée depuis son compte (« Mes "
                  "proches ») vous permettra de continuer à l’aider.\n",
                  name=young_adult.full_name, given=young_adult.given_names,
                  date=LazyDate(_eighteenth_birthday(young_adult.birth_date)),
                  how=how))


def expire_invitations():
    """End the invitations nobody answered in time (they no longer count in the limit)."""
    now = utcnow()
    stale = Guardianship.select().where(Guardianship.accepted_at.is_null(),
                                        Guardianship.ended_at.is_null(),
                                        Guardianship.invitation_expires_at <= now)
    count = 0
    for gs in list(stale):
        if _end(gs, ENDED_EXPIRED):
            count += 1
            audit.record("guardianship.invitation_expired", patient=gs.ward,
                         obj_type="guardianship", obj_id=gs.id)
    return count


@huey.periodic_task(crontab(hour="3", minute="15"))
def daily_guardianships():
    """Every night: majorities reached, then invitations left unanswered."""
    from ..worker import app_context
    with app_context():
        process_majorities()
        expire_invitations()
