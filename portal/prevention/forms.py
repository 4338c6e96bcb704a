"""The form of one prevention item: done (on a date), to plan, or not done; for a vaccine done,
optionally added to the medical profile."""
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField
from wtforms.validators import DataRequired

from ..forms.fields import FrenchDateField, one_of_choices, options
from ..profile.forms import BAD_CHOICE
from .engine import MARK_DONE, MARK_NOT_DONE, MARK_TO_PLAN

STATUSES = [(MARK_DONE, _l("C’est fait")), (MARK_TO_PLAN, _l("À planifier")),
            (MARK_NOT_DONE, _l("Ce n’est pas fait"))]


class MarkForm(FlaskForm):
    # The occurrence the form was shown for: refused if the calendar moved on since.
    cycle = HiddenField()
    status = RadioField(_l("Où en est-ce ?"), choices=options(STATUSES), validate_choice=False,
                        validators=[DataRequired(_l("Choisissez où en est cette action.")),
                                    one_of_choices(BAD_CHOICE)])
    done_on = FrenchDateField(
        _l("Date à laquelle c’est fait"),
        description=_l("Seulement si c’est fait. Par exemple 14/05/2024."),
        future=_l("La date ne peut pas être dans le futur."))
    add_to_profile = BooleanField(
        _l("Ajouter aussi cette vaccination au profil médical"),
        description=_l("Elle apparaîtra dans la rubrique « Vaccinations » avec cette date. Vous "
                       "pourrez y ajouter le numéro de lot."))

    patient = None   # the open space's person: the date is never before their birth
    earliest = None  # (date, message): a season's item is done during its season

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.status.data != MARK_DONE:
            return valid
        if self.done_on.data is None and not self.done_on.errors:
            self.done_on.errors = [_("Indiquez la date à laquelle c’est fait.")]
            return False
        if self.done_on.data is not None and self.earliest and \
                self.done_on.data < self.earliest[0]:
            self.done_on.errors = [str(self.earliest[1])]
            return False
        return valid
