"""Recovering an account at the counter, for someone whose mailbox is lost (or who never had
one they can read): "Mot de passe oublié" sends its code to the account's address, which this
person cannot open.

At a counter (the insurer's, or a France Services mediator's; operator/announcements.py), once
the person's identity is checked, a letter is printed with a provisional **recovery** code: the
activation codes' mechanism (invites.py: 12 characters, only an HMAC kept, single use, a new
one voids the old, one message for every failure, the same throttles as an activation), with
its own reason, REASON_RECOVERY, so that an activation code never recovers an account and a
recovery code never activates one (usable_invite refuses a person with an account). Then, on a
public page, the code + NIR + birth date give a new password and, if wanted, a new address.

The second factor is kept, as "Mot de passe oublié" does (recovery.py): nothing here removes
a factor. An e-mail factor follows the account's address (a new address receives the next
login code); an authenticator app (TOTP) is still asked at the next login.
"""
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import force_locale

from .. import audit
from ..db import write_tx
from ..i18n import format_datetime
from ..links import public_url
from ..rendering import lazy_gettext as _l
from ..throttle import Throttle
from .invites import (REASON_RECOVERY, code_hash, format_code, format_reference, issue_code,
                      normalise_code)
from .models import ROLE_PATIENT, Account, ActivationInvite, Person, utcnow

# Seven days, not the six weeks of an activation code: this code replaces both the password and
# the mailbox of an account that already holds a medical record, so a letter forgotten on a
# table must stop opening it soon; a week still leaves time to reach a computer, or to come
# back to the mediator's next opening hours, after the visit.
RECOVERY_VALID_FOR = timedelta(days=7)
THROTTLE = "counter-recovery"


def recoverable_account(person):
    """The person's own active patient account, or None. Staff accounts (professionals,
    mediators, operators: mandatory second factor, their organisation vouches for them) are
    never recovered at a public counter."""
    if person is None:
        return None
    return Account.get_or_none(Account.person == person.id, Account.is_active == True,  # noqa: E712
                               Account.role == ROLE_PATIENT)


def print_recovery_letter(person, account):
    """A new recovery code for `person` (every earlier unused code of theirs stops working),
    journaled with the counter's operator or mediator as actor; returns the letter's PDF
    bytes, in the account's language. The code exists only in this PDF."""
    from ..pdf import render_pdf
    invite, code = issue_code(person, reason=REASON_RECOVERY, valid_for=RECOVERY_VALID_FOR)
    audit.record("account.recovery_code_printed", patient=person, obj_type="activation_invite",
                 obj_id=invite.id)
    language = account.language or "fr"
    with force_locale(language):
        title = _("Retrouver l’accès à votre compte Carnet")
    return render_pdf("recovery_letter.html", locale=language, paper_title=title,
                      person=person, code=format_code(code),
                      reference=format_reference(invite.reference), until=invite.expires_at,
                      issued_at=invite.created_at,
                      recovery_url=public_url("accounts.counter_recovery"))


def mismatch_message():
    """One message for every failure: wrong, used, expired or voided code, another person's
    NIR or birth date. It never tells which field was wrong."""
    return _("Ces informations ne permettent pas de retrouver votre compte : le code, le numéro "
             "de sécurité sociale ou la date de naissance ne correspondent pas, ou le code a "
             "déjà servi ou expiré. Vérifiez-les sur votre courrier et votre carte Vitale, ou "
             "demandez un nouveau code au guichet.")


def address_throttle():
    """Failures from the client's address, whatever code was typed."""
    return Throttle(THROTTLE, None)


def code_throttle(invite):
    """Failures typed against one recovery code (and from the client's address)."""
    return Throttle(THROTTLE, invite.id)


def _usable(typed):
    code = normalise_code(typed)
    if code is None:
        return None
    return (ActivationInvite.select()
            .where(ActivationInvite.token_hash == code_hash(code),
                   ActivationInvite.reason == REASON_RECOVERY,
                   ActivationInvite.used_at.is_null(), ActivationInvite.expires_at > utcnow())
            .first())


def check(form):
    """(invite, account) when the form's code, NIR and birth date name one usable recovery
    code and its person's account; otherwise (None, None), the code field saying so (one
    message for every failure), the failure counted and journaled. ("blocked", None) while
    the code's throttle is full: the field then says until when."""
    invite = _usable(form.code.data)
    if invite is not None:
        attempt = code_throttle(invite)
        if attempt.blocked():
            form.code.errors.append(attempt.message())
            return "blocked", None
        person = form.find_person()
        account = recoverable_account(person)
        if person is not None and person.id == invite.person_id and account is not None:
            return invite, account
        attempt.failed()
        audit.record("account.counter_recovery_failed", patient=invite.person_id,
                     outcome="denied", obj_type="activation_invite", obj_id=invite.id)
    else:
        address_throttle().failed()
        audit.record("account.counter_recovery_failed", patient=audit.NOBODY, via="",
                     outcome="denied", obj_type="activation_invite")
    form.code.errors.append(mismatch_message())
    return None, None


def address_taken(email, account):
    """Is `email` another account's address?"""
    return Account.select().where(Account.email == email, Account.id != account.id).exists()


def recover(invite, account, password, email=None):
    """Use the code (once), set the new password and, if given, the new address; every session
    of the account ends; the owner is told at the old address and at the new one. Returns the
    account as it now is, or None when the code was used (or voided, or expired) meanwhile, or
    the address was taken meanwhile (nothing is then changed)."""
    from .reauth import change_password
    now = utcnow()
    old_email = account.email
    changed = bool(email) and email != old_email
    with write_tx():
        if changed and address_taken(email, account):
            return None  # before the code is used: it still works with another address
        used = ActivationInvite.update(used_at=now).where(
            ActivationInvite.id == invite.id, ActivationInvite.used_at.is_null(),
            ActivationInvite.expires_at > now).execute()
        if not used:
            return None
        if changed:
            Account.update(email=email).where(Account.id == account.id).execute()
            Person.update(email=email).where(Person.id == account.person_id).execute()
        account = Account.get_by_id(account.id)
        change_password(account, password, recovered="counter")
        audit.record("account.recovered_at_counter", actor=account, patient=account.person_id,
                     obj_type="activation_invite", obj_id=invite.id,
                     detail="email_changed" if changed else "")
    _tell(account, old_email, changed)
    return account


def _tell(account, old_email, changed):
    """The security e-mail, in the account's language: to the old address (someone who still
    reads it learns of it, and whoever did it without the owner is found out) and, when it
    changed, to the new one."""
    from ..notifications.events import account_security
    when = format_datetime(utcnow(), "d MMMM yyyy, HH:mm")
    subject = _l("Carnet : votre compte a été récupéré au guichet")
    before = Account(id=account.id, person=account.person_id, email=old_email,
                     language=account.language, role=account.role)

    def sentence():
        if changed:
            done = _("Le mot de passe et l’adresse e-mail de votre compte Carnet ont été changés "
                     "le %(when)s (heure de Paris), avec un code remis à un guichet (caisse "
                     "d’Assurance Maladie ou espace France Services) après vérification de "
                     "votre identité.", when=when)
        else:
            done = _("Le mot de passe de votre compte Carnet a été changé le %(when)s (heure de "
                     "Paris), avec un code remis à un guichet (caisse d’Assurance Maladie ou "
                     "espace France Services) après vérification de votre identité.", when=when)
        return done + "\n\n" + _(
            "Toutes vos sessions ont été fermées.\n\nSi c’est vous, vous n’avez rien à "
            "faire.\n\nSi ce n’est pas vous, contactez sans attendre votre caisse d’Assurance "
            "Maladie.")
    account_security(before, sentence, subject)
    if changed:
        account_security(account, sentence, subject)
