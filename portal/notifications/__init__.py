"""Notifications by e-mail: what happened, never the medical content, to the right people.

`notify(person_id, kind, subject, sentence)` reaches the person's own active accounts and, when
the person is represented (a minor, a protected adult), their legal representatives' accounts.
Each account's preferences (Paramètres › Notifications) decide for the optional kinds; security
kinds are always sent.
"""
from flask import Blueprint
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l

from .. import mail
from ..prevention.rules import THEMES as PREVENTION_THEMES

bp = Blueprint("notifications", __name__)

# kind -> (label for the settings page, can it be turned off?)
KINDS = {
    "message": (_l("Nouveau message dans la messagerie"), True),
    "document": (_l("Nouveau document dans le dossier"), True),
    "pro_access": (_l("Accès d’un professionnel de santé au dossier"), True),
    "appointment": (_l("Rendez-vous à venir"), True),
    "prevention": (_l("Rappels de prévention personnalisés"), True),
    "emergency_access": (_l("Accès en urgence au dossier (bris de glace)"), False),
    "new_session": (_l("Nouvelle connexion à votre compte"), False),
    "account_security": (_l("Changement de la sécurité de votre compte"), False),
    "connected_service": (_l("Connexion ou déconnexion d’un service connecté"), False),
}

# The kinds that can reach each role, in the order of KINDS (the settings page shows only
# these). A patient (or a legal representative, for the people they represent) may get every
# kind. A professional gets messages from patients, and, as someone's médecin traitant, the
# e-mail about an emergency access to that patient's record; they have no record of their own
# in their professional account. Mediators and operators act at a counter or in a back office:
# nothing in a patient's space is e-mailed to them, so only their own logins concern them.
KINDS_BY_ROLE = {
    "patient": tuple(KINDS),
    "professional": ("message", "emergency_access", "new_session", "account_security"),
    "mediator": ("new_session", "account_security"),
    "operator": ("new_session", "account_security"),
}


# Kinds whose e-mails each concern one theme: every theme can be turned off on its own, and
# turning the kind off stops them all. {kind: {theme: label}}; stored as "<kind>_<theme>".
THEMES = {"prevention": PREVENTION_THEMES}


def theme_key(kind, theme):
    return f"{kind}_{theme}"


def _choice_keys():
    """Every preference a person can store: the optional kinds and their themes."""
    keys = [kind for kind in KINDS if optional(kind)]
    for kind, themes in THEMES.items():
        keys += [theme_key(kind, theme) for theme in themes]
    return keys


def optional(kind):
    """Can this kind be turned off? (Security kinds cannot.)"""
    return KINDS[kind][1]


def kinds_for(account):
    """The kinds of e-mail this account may receive, as listed on its settings page."""
    return KINDS_BY_ROLE.get(account.role, ("new_session", "account_security"))


def recipients(person_id, representatives=True):
    """(account, is the person themselves) for the person's active accounts and (unless
    `representatives` is False) their active legal representatives' accounts."""
    from ..accounts.models import Account
    from ..proxies.models import Guardianship
    own = [(a, True) for a in Account.select().where(
        Account.person == person_id, Account.is_active == True)]  # noqa: E712
    if not representatives:
        return own
    guardians = Guardianship.active().where(Guardianship.ward == person_id)
    reps = [(a, False) for a in Account.select().where(
        Account.person.in_([gs.guardian_id for gs in guardians]),
        Account.is_active == True)]  # noqa: E712
    return own + reps


def preferences(account):
    """{kind: enabled} for every optional kind and theme (no saved choice: on)."""
    from .models import NotificationPreference
    saved = {row.kind: row.enabled for row in NotificationPreference.select().where(
        NotificationPreference.account == account.id)}
    return {key: saved.get(key, True) for key in _choice_keys()}


def wants(account, kind, theme=None):
    """Does this account want e-mails of this kind (and of this theme of it)? Security kinds:
    always."""
    if kind not in KINDS or (theme is not None and theme not in THEMES.get(kind, ())):
        raise KeyError((kind, theme))
    if not optional(kind):
        return True
    from .models import NotificationPreference
    keys = [kind] + ([theme_key(kind, theme)] if theme is not None else [])
    return not NotificationPreference.select().where(
        NotificationPreference.account == account.id, NotificationPreference.kind.in_(keys),
        NotificationPreference.enabled == False).exists()  # noqa: E712


def save_preferences(account, choices):
    """Store {kind or theme key: enabled} for this account; security kinds are refused
    (ValueError), so no form, forged or not, can store them. Returns the keys whose choice
    changed."""
    from ..accounts.models import utcnow
    from .models import NotificationPreference
    refused = [kind for kind in choices if kind not in _choice_keys()]
    if refused:
        raise ValueError(f"not optional: {refused}")
    before = preferences(account)
    changed = sorted(kind for kind, enabled in choices.items() if before[kind] != enabled)
    for kind in changed:
        NotificationPreference.insert(
            account=account.id, kind=kind, enabled=choices[kind], updated_at=utcnow()
        ).on_conflict(conflict_target=[NotificationPreference.account,
                                       NotificationPreference.kind],
                      update={NotificationPreference.enabled: choices[kind],
                              NotificationPreference.updated_at: utcnow()}).execute()
    return changed


def email_body(sentence):
    """The notification e-mail around one sentence saying what happened."""
    return _("Bonjour,\n\n%(sentence)s\n\nConnectez-vous à Carnet pour en savoir plus. Par "
             "sécurité, ce message ne contient aucune information médicale.\n\nCarnet",
             sentence=sentence)


def notify(person_id, kind, subject, sentence, *, representatives=True, theme=None,
           document=None, account=None, body=None):
    """E-mail everyone concerned by an event in `person_id`'s space; `sentence(is_self)` (or a
    plain string) says what happened without any medical content. `representatives=False`
    leaves the legal representatives out; `document`: the e-mail is about this document, so
    it reaches only those the record's visibility rule lets know it exists
    (policy.knows_document: never a parent, for a document hidden from legal
    representatives); `theme` (of a kind with THEMES) reaches only those who keep that theme
    on. `account`: only this account (an event of the account itself, such as a password
    change or its closing, which concerns it even once deactivated); `body(text)` wraps the
    sentence (default: email_body). Returns the count sent."""
    from flask_babel import force_locale

    from ..policy import knows_document
    sent = 0
    targets = [(account, True)] if account is not None else recipients(person_id,
                                                                       representatives)
    for target, is_self in targets:
        if not wants(target, kind, theme):
            continue
        if document is not None and not knows_document(target, document):
            continue
        # In the recipient's language when the caller passes lazy strings or a function.
        with force_locale(target.language or "fr"):
            text = str(sentence(is_self) if callable(sentence) else sentence)
            mail.send(target.email, str(subject), (body or email_body)(text))
        sent += 1
    return sent


def security_body(sentence):
    """A security e-mail about one's own account around one sentence (which says what happened
    and what to do if it was not them); no link: people should open Carnet themselves."""
    return _("Bonjour,\n\n%(sentence)s\n\nPar sécurité, ce message ne contient aucune "
             "information médicale.\n\nCarnet", sentence=sentence)
