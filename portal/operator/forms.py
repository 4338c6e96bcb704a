"""The operators' forms for announcing a space and giving a new code at the counter."""
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..accounts.identity import IdentityMixin, birth_date_field, nir_field
from ..forms.fields import LeftToRight

CHECKED = _l("J’ai vérifié l’identité de cette personne, présente devant moi, avec une pièce "
             "d’identité")
CHECK_FIRST = _l("Cochez la case : un code ne se remet qu’à la personne elle-même, après "
                 "vérification de son identité.")


class AnnounceForm(FlaskForm):
    """One insured person to announce (the CSV import does many: `flask announce import`)."""

    nir = nir_field()
    family_name = StringField(_l("Nom de famille"), validators=[
        DataRequired(_l("Saisissez le nom de famille.")), Length(max=100)])
    given_names = StringField(_l("Prénoms"), validators=[
        DataRequired(_l("Saisissez les prénoms.")), Length(max=100)])
    birth_date = birth_date_field()
    sex = RadioField(_l("Sexe"), choices=[("F", _l("Féminin")), ("M", _l("Masculin"))],
                     validators=[DataRequired(_l("Choisissez le sexe."))])
    address_1 = StringField(_l("Adresse (ligne 1)"), validators=[
        DataRequired(_l("Saisissez l’adresse postale : le courrier y sera envoyé.")),
        Length(max=100)])
    address_2 = StringField(_l("Adresse (ligne 2, facultative)"), validators=[Length(max=100)])
    address_3 = StringField(_l("Code postal et commune"), validators=[
        DataRequired(_l("Saisissez le code postal et la commune.")), Length(max=100)])
    email = EmailField(_l("Adresse e-mail (facultative)"),
                       description=_l("Si vous la connaissez, le code y est envoyé ; sinon, "
                                      "un courrier est à imprimer."),
                       validators=[Optional(), Length(max=254)])

    def validate_nir(self, field):
        IdentityMixin.validate_nir(self, field)


class CounterCodeForm(IdentityMixin, FlaskForm):
    """The person in front of the counter: who they are, and the operator's word that their
    identity was checked."""

    nir = nir_field()
    birth_date = birth_date_field()
    checked = BooleanField(CHECKED, validators=[DataRequired(CHECK_FIRST)])


class PrintForm(FlaskForm):
    """Printing a letter issues a new code: the code of any earlier letter stops working."""

    source = StringField(validators=[Optional(), Length(max=80), LeftToRight()])
