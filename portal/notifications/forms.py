"""The notification preferences form: one checkbox per optional kind the account may receive,
each explaining what the e-mail says. Security kinds have no field at all: a forged POST
naming them changes nothing."""
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField

from . import KINDS, THEMES, kinds_for, optional, theme_key

FIELD_PREFIX = "email_"

# What each e-mail says (and never says), for a patient or a legal representative.
WHAT_IT_SAYS = {
    "message": _l("L’e-mail dit qu’un nouveau message attend dans la messagerie de Carnet, "
                  "et de qui ; le message lui-même n’y figure jamais."),
    "document": _l("L’e-mail dit qu’un document a été ajouté au dossier, et par qui ; ni son "
                   "titre ni son contenu n’y figurent."),
    "pro_access": _l("L’e-mail dit quel professionnel a utilisé un code d’accès, ou a ouvert le "
                     "dossier pour la première fois de la journée (au plus un e-mail par jour "
                     "et par professionnel). Ce qu’il a consulté se lit dans l’historique "
                     "d’activité, pas dans l’e-mail."),
    "appointment": _l("L’e-mail rappelle la date et l’heure d’un rendez-vous à venir, ou dit "
                      "qu’un professionnel en a ajouté un ; jamais son motif. Le nom du "
                      "professionnel et le lieu n’y figurent que si vous l’avez choisi pour "
                      "ce rendez-vous."),
    "prevention": _l("Quand une vaccination, un dépistage ou un bilan devient à faire, l’e-mail "
                     "dit seulement qu’un rappel de prévention vous attend dans Carnet, et son "
                     "thème ; jamais le vaccin ni l’examen. Chaque rappel n’est envoyé "
                     "qu’une fois."),
    "emergency_access": _l("L’e-mail dit quel professionnel a déclaré une urgence et quand : le "
                           "dossier lui est ouvert pour 2 heures. Le motif se lit dans "
                           "l’historique d’activité, pas dans l’e-mail."),
    "new_session": _l("L’e-mail donne la date et l’heure de la connexion, le navigateur "
                      "utilisé, l’adresse IP en partie masquée, et ce qu’il faut faire si ce "
                      "n’était pas vous."),
    "account_security": _l("L’e-mail dit que votre mot de passe ou votre vérification en deux "
                           "étapes vient d’être changé, ou que votre espace vient d’être "
                           "fermé, quand, et ce qu’il faut faire si ce n’était pas vous."),
    "connected_service": _l("L’e-mail dit quel service a été connecté à l’espace santé ou en "
                            "a été déconnecté ; ce qu’il peut faire se lit dans « Services "
                            "connectés »."),
}

# The same for a professional, where their situation differs.
WHAT_IT_SAYS_PROFESSIONAL = {
    "message": _l("L’e-mail dit seulement qu’un patient, ou une personne qui agit pour lui, "
                  "vous a écrit dans la messagerie de Carnet ; le message lui-même n’y figure "
                  "jamais."),
    "emergency_access": _l("Si vous êtes le médecin traitant d’un patient et qu’un autre "
                           "professionnel ouvre son dossier en urgence, l’e-mail dit qui et "
                           "quand ; le motif se lit dans l’historique du patient, pas dans "
                           "l’e-mail."),
}

# Why a security e-mail cannot be turned off.
WHY_ALWAYS = {
    "emergency_access": _l("Toujours envoyé : c’est le seul moyen de savoir sans attendre que "
                           "quelqu’un a ouvert un dossier sans accord préalable."),
    "new_session": _l("Toujours envoyé : si quelqu’un d’autre se connecte à votre compte, "
                      "c’est ainsi que vous l’apprenez à temps pour réagir."),
    "account_security": _l("Toujours envoyé : si quelqu’un d’autre change ce qui protège votre "
                           "compte, c’est ainsi que vous l’apprenez à temps pour réagir."),
    "connected_service": _l("Toujours envoyé : une application qui accède à l’espace santé "
                            "doit toujours être connue de la personne."),
}


def what_it_says(kind, role):
    if role == "professional" and kind in WHAT_IT_SAYS_PROFESSIONAL:
        return WHAT_IT_SAYS_PROFESSIONAL[kind]
    return WHAT_IT_SAYS[kind]


class PreferencesForm(FlaskForm):
    """Base of the per-account form built by `preferences_form` (CSRF only)."""


# The legend over a kind's themes.
THEMES_LEGEND = {"prevention": _l("Rappels de prévention, par thème")}


def preferences_form(account, current):
    """The form for this account: a checkbox for each optional kind of its role, each followed
    by its themes' checkboxes, checked as `current` ({kind or theme key: enabled}) says."""
    fields = {}
    for kind in kinds_for(account):
        if not optional(kind):
            continue
        fields[FIELD_PREFIX + kind] = BooleanField(KINDS[kind][0], default=current[kind],
                                                   description=what_it_says(kind, account.role))
        for theme, label in THEMES.get(kind, {}).items():
            key = theme_key(kind, theme)
            fields[FIELD_PREFIX + key] = BooleanField(label, default=current[key])
    return type("AccountPreferencesForm", (PreferencesForm,), fields)()


def theme_fields(form):
    """{kind's field name: (legend, [its themes' fields])}, for the template to show each
    kind's themes under it."""
    return {FIELD_PREFIX + kind: (THEMES_LEGEND[kind],
                                  [form[FIELD_PREFIX + theme_key(kind, theme)] for theme in themes])
            for kind, themes in THEMES.items() if FIELD_PREFIX + kind in form}


def choices_from(form):
    """{kind: enabled} from a validated form (its own fields only)."""
    return {name[len(FIELD_PREFIX):]: bool(field.data) for name, field in form._fields.items()
            if name.startswith(FIELD_PREFIX)}
