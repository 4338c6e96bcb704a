"""The history's filter form (GET) and the "add to treatments" confirmation form."""
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from .models import CATEGORIES

TOO_LONG = _l("Saisissez au plus %(max)d caractères.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class FilterForm(FlaskForm):
    """Year and category; read from the address (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    annee = SelectField(_l("Année"), choices=[], validators=[Optional()])
    categorie = SelectField(_l("Catégorie"), choices=[], validators=[Optional()])

    def prepare(self, years):
        self.annee.choices = [("", _l("Toutes les années"))] + [(str(y), str(y)) for y in years]
        self.categorie.choices = [("", _l("Toutes les catégories"))] + list(CATEGORIES.items())


class TreatmentForm(FlaskForm):
    """The treatment about to be added, pre-filled from the delivered medicine."""

    name = StringField(_l("Médicament ou traitement"), validators=[
        DataRequired(_l("Saisissez le nom du médicament ou du traitement.")),
        Length(max=200, message=TOO_LONG)], filters=[_strip])
    dose = StringField(_l("Dose et rythme"),
                       description=_l("Par exemple : 1000 mg matin et soir."),
                       validators=[Length(max=200, message=TOO_LONG)], filters=[_strip])
