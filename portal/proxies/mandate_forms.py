"""A mediator's mandate: the tasks it may cover, its durations, and the counter's two forms."""
from datetime import timedelta

from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from ..accounts.forms import CodeForm
from ..accounts.identity import IdentityMixin, birth_date_field, nir_field
from ..forms.fields import CheckboxesField, LeftToRight, one_of_choices, options
from .models import MANDATE_TASKS, add_months

# What each task lets the mediator do, in plain words: (name, one-line explanation).
TASK_LABELS = {
    "agenda": (_l("Agenda"),
               _l("Voir et noter les rendez-vous de santé.")),
    "messages_read": (_l("Lire les messages"),
                      _l("Lire les messages reçus dans la messagerie de santé, sans pouvoir "
                         "en envoyer.")),
    "documents": (_l("Documents et dossier médical"),
                  _l("Consulter le dossier médical (documents, profil, mesures) et y ajouter "
                     "des documents, par exemple une ordonnance scannée.")),
    "summaries": (_l("Imprimer des synthèses"),
                  _l("Imprimer les synthèses du dossier, par exemple pour un rendez-vous.")),
}

# Durations offered at the counter: key -> (label, days, months). Never beyond 12 months.
DURATIONS = {
    "1j": (_l("1 jour"), 1, 0),
    "1s": (_l("1 semaine"), 7, 0),
    "1m": (_l("1 mois"), 0, 1),
    "3m": (_l("3 mois"), 0, 3),
    "6m": (_l("6 mois"), 0, 6),
    "12m": (_l("12 mois"), 0, 12),
}


def ends_after(start, duration):
    """When a mandate of `duration` (a DURATIONS key) signed at `start` ends."""
    _label, days, months = DURATIONS[duration]
    return add_months(start, months) + timedelta(days=days)


def task_names(tasks):
    """The tasks' plain names, in the order of MANDATE_TASKS."""
    return [str(TASK_LABELS[t][0]) for t in MANDATE_TASKS if t in tasks]


class MandateForm(IdentityMixin, FlaskForm):
    """At the counter: who the patient is, what the mandate covers, for how long, and the
    mediator's word that the patient is there and agrees."""

    nir = nir_field(_l("Numéro de sécurité sociale de la personne accompagnée"))
    birth_date = birth_date_field()
    tasks = CheckboxesField(
        _l("Ce que le mandat vous permet de faire"),
        choices=options((key, TASK_LABELS[key][0]) for key in MANDATE_TASKS),
        description=_l("Cochez seulement ce dont la personne a besoin. Vous ne verrez rien "
                       "d’autre dans son espace."),
        validators=[one_of_choices(_l("Choisissez parmi les tâches proposées."))])
    duration = RadioField(
        _l("Durée du mandat"),
        choices=options((key, label) for key, (label, *_rest) in DURATIONS.items()),
        validate_choice=False,
        validators=[InputRequired(_l("Choisissez la durée du mandat.")),
                    one_of_choices(_l("Choisissez une des durées proposées."))])
    present = BooleanField(
        _l("La personne est présente à mes côtés et elle est d’accord pour me confier ce "
           "mandat."),
        description=_l("Elle recevra un code par e-mail et vous le lira pour signer."),
        validators=[DataRequired(_l("Cochez la case pour confirmer que la personne est "
                                    "présente et d’accord."))])

    def validate_tasks(self, field):
        if not field.data:
            raise ValidationError(_l("Cochez au moins une tâche."))


class MandateCodeForm(CodeForm):
    """The code the patient reads out (checked like a login code: 6 digits)."""

    code = StringField(
        _l("Code de confirmation reçu par la personne"),
        description=_l("6 chiffres, par exemple 123456. La personne le lit dans l’e-mail "
                       "qu’elle vient de recevoir."),
        validators=[DataRequired(_l("Saisissez le code à 6 chiffres.")), LeftToRight()],
        render_kw={"autocomplete": "off", "inputmode": "numeric", "pattern": "[0-9 ]*",
                   "maxlength": "7", "spellcheck": "false"})
