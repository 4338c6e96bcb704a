"""Forms of the connected services: the operator's service and purpose forms, and the consent
form people fill in (one checkbox per purpose, none ticked in advance)."""
import re

from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms.fields import CheckboxesField, one_of_choices, options
from .rights import RIGHTS, SERVICE_CATEGORIES, right_label


def _uris(text):
    return [u.strip() for u in (text or "").splitlines() if u.strip()]


class ServiceForm(FlaskForm):
    """Reference or edit a service (its OAuth client is made with it)."""

    name = StringField(_l("Nom du service"), validators=[
        DataRequired(_l("Saisissez le nom du service.")), Length(max=120)])
    publisher = StringField(_l("Éditeur"), validators=[
        DataRequired(_l("Saisissez l’éditeur du service.")), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[
        DataRequired(_l("Décrivez le service en quelques phrases."))])
    categories = CheckboxesField(_l("Catégories"), choices=options(SERVICE_CATEGORIES.items()),
                                 validators=[one_of_choices(_l("Choisissez des catégories de "
                                                               "la liste."))])
    redirect_uris = TextAreaField(
        _l("Adresses de retour (redirect URI)"),
        description=_l("Une adresse https par ligne (http seulement pour 127.0.0.1)."),
        validators=[DataRequired(_l("Saisissez au moins une adresse de retour."))])
    confidential = BooleanField(_l("Client confidentiel (avec un secret)"),
                                description=_l("Sinon, client public : PKCE obligatoire."))

    def validate_redirect_uris(self, field):
        for uri in _uris(field.data):
            if not (uri.startswith("https://") or re.match(r"^http://127\.0\.0\.1(:\d+)?/", uri)):
                raise ValidationError(_l("Chaque adresse de retour doit commencer par "
                                         "https:// (ou http://127.0.0.1 pour un essai local)."))

    @property
    def uris(self):
        return _uris(self.redirect_uris.data)


class PurposeForm(FlaskForm):
    """A purpose: its label, its plain-French explanation, the rights it needs."""

    label = StringField(_l("Finalité"), validators=[
        DataRequired(_l("Saisissez la finalité.")), Length(max=200)])
    explanation = TextAreaField(_l("Explication en français simple"), validators=[
        DataRequired(_l("Expliquez la finalité en quelques mots simples."))])
    rights = CheckboxesField(_l("Données et droits"),
                             validators=[DataRequired(_l("Choisissez au moins un droit.")),
                                         one_of_choices(_l("Choisissez des droits de la "
                                                           "liste."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Made per form, in the reader's language (right_label joins translated words).
        self.rights.choices = options((r, right_label(r)) for r in RIGHTS)


class ConsentForm(FlaskForm):
    """One choice per purpose; nothing ticked in advance."""

    purposes = CheckboxesField(_l("Ce que vous autorisez"), coerce=str)

    def __init__(self, purposes, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.purposes.choices = [(str(p.id), p.label) for p in purposes]

    def validate_purposes(self, field):
        known = {str(value) for value, _label in field.choices}
        if any(value not in known for value in field.data or []):
            raise ValidationError(_l("Choisissez des finalités de la liste."))

    @property
    def chosen(self):
        return {int(v) for v in self.purposes.data or []}
