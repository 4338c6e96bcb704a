"""The history's filters: a GET form (no CSRF token), every value checked in French."""
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import ValidationError

from ..forms.fields import FrenchDateField, options
from .presenters import ACTOR_TYPES, FAMILIES


class HistoryFilterForm(FlaskForm):
    """Who acted, which kind of action, between which dates (all optional)."""

    class Meta:
        csrf = False

    qui = SelectField(_l("Qui"), choices=options(ACTOR_TYPES), validate_choice=False)
    action = SelectField(_l("Type d’action"), choices=options(FAMILIES), validate_choice=False)
    du = FrenchDateField(_l("Du"), description=_l("Par exemple : 01/03/2026"))
    au = FrenchDateField(_l("Au"), description=_l("Inclus. Par exemple : 31/03/2026"))

    def validate_qui(self, field):
        if field.data not in dict(ACTOR_TYPES):
            raise ValidationError(_l("Choisissez qui a agi dans la liste."))

    def validate_action(self, field):
        if field.data not in dict(FAMILIES):
            raise ValidationError(_l("Choisissez un type d’action dans la liste."))

    def validate_au(self, field):
        if self.du.data and field.data and field.data < self.du.data:
            raise ValidationError(_l("La date de fin doit être après la date de début."))

    def filters(self):
        """The valid filters only (an invalid one is ignored, and said so next to its field)."""
        return {
            "qui": self.qui.data if not self.qui.errors else "",
            "action": self.action.data if not self.action.errors else "",
            "du": self.du.data if not self.du.errors else None,
            "au": self.au.data if not self.au.errors else None,
        }

    def params(self):
        """The filters as typed, for pagination and export links (empty ones left out)."""
        raw = {"qui": self.qui.data or "", "action": self.action.data or "",
               "du": self.du._value() or "", "au": self.au._value() or ""}
        return {key: value for key, value in raw.items() if value}
