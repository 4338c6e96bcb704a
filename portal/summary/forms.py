"""What to print: the sections of Ma synthèse and the paper's language."""
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired, ValidationError

from ..forms.fields import CheckboxesField, one_of_choices, options
from .models import SECTIONS

LANGUAGES = {"fr": _l("Français"), "en": _l("Anglais (English)"), "ar": _l("Arabe (العربية)")}


def at_least_one(form, field):
    if not field.data:
        raise ValidationError(_l("Choisissez au moins une rubrique à imprimer."))


def language_field():
    return RadioField(
        _l("Langue du document"), choices=options(LANGUAGES.items()), validate_choice=False,
        validators=[InputRequired(_l("Choisissez la langue du document.")),
                    one_of_choices(_l("Choisissez une langue proposée."))])


class SummaryForm(FlaskForm):
    sections = CheckboxesField(
        _l("Rubriques à imprimer"), choices=options(SECTIONS.items()),
        description=_l("Votre identité est toujours imprimée. Décochez ce que vous ne voulez "
                       "pas montrer."),
        validators=[at_least_one, one_of_choices(_l("Choisissez parmi les rubriques "
                                                    "proposées."))])
    language = language_field()


class CardForm(FlaskForm):
    language = language_field()
