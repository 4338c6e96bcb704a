"""Forms of the "Professionnels de santé" page and of the access-code entry."""
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms.fields import LeftToRight
from .codes import ALPHABET, CODE_LENGTH, normalise_code

VALIDITY_CHOICES = [SelectChoice("1h", _l("1 heure")), SelectChoice("24h", _l("24 heures")),
                    SelectChoice("7j", _l("7 jours"))]


class SearchForm(FlaskForm):
    """Look a professional up in the directory (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Nom ou numéro RPPS du professionnel"),
                    description=_l("Au moins 2 caractères, par exemple : Girard ou 10000000002."),
                    validators=[DataRequired(_l("Saisissez un nom ou un numéro RPPS.")),
                                Length(min=2, max=100, message=_l(
                                    "Saisissez entre 2 et 100 caractères."))],
                    render_kw={"autocomplete": "off"})


class ProfessionalForm(FlaskForm):
    """Authorise the professional chosen in the search results."""

    professional_id = HiddenField(validators=[DataRequired()])


class CodeForm(FlaskForm):
    """Create a time-limited access code."""

    validity = RadioField(_l("Durée de validité du code"), choices=VALIDITY_CHOICES,
                          default="24h",
                          validators=[DataRequired(_l("Choisissez une durée de validité."))])


class RedeemForm(FlaskForm):
    """A professional types the code a patient gave them."""

    code = StringField(_l("Code d’accès"),
                       description=_l("12 caractères, donnés par le patient ou la patiente, "
                                      "par exemple : ABCD-EFGH-JKMN."),
                       validators=[DataRequired(_l("Saisissez le code d’accès.")), LeftToRight()],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                  "spellcheck": "false"})

    def validate_code(self, field):
        code = normalise_code(field.data)
        if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
            raise ValidationError(_l("Ce code n’a pas le bon format : 12 lettres ou chiffres, "
                                     "par exemple ABCD-EFGH-JKMN."))
