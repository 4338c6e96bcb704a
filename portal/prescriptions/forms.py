"""Writing a prescription (a few medicine lines), verifying its code, recording a dispensation."""
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms.fields import LeftToRight
from .models import MAX_LINES, MAX_RENEWALS

EMPTY_LINES = 3

LINE_HINTS = {
    "medicine": _l("Nom, dosage et forme, par exemple : Metformine 850 mg, comprimé."),
    "dosage": _l("Par exemple : 1 comprimé matin et soir, au cours du repas."),
    "duration": _l("Par exemple : 1 mois, 28 jours."),
    "renewals": _l("Nombre de fois où l’ordonnance peut être renouvelée, de 0 à %(max)s.",
                   max=MAX_RENEWALS),
}


def _max(n):
    return Length(max=n, message=_l("Ce champ est trop long (%(n)s caractères au plus).", n=n))


class LineForm(Form):
    """One medicine line (a sub-form: the CSRF token belongs to the enclosing form)."""

    medicine = StringField(_l("Médicament"), validators=[_max(200)],
                           render_kw={"autocomplete": "off"})
    dosage = StringField(_l("Posologie"), validators=[_max(300)],
                         render_kw={"autocomplete": "off"})
    duration = StringField(_l("Durée du traitement"), validators=[_max(60)],
                           render_kw={"autocomplete": "off"})
    renewals = StringField(_l("Renouvellements"), default="0",
                           render_kw={"inputmode": "numeric", "autocomplete": "off"})
    instructions = TextAreaField(_l("Précisions (facultatif)"), validators=[_max(500)],
                                 render_kw={"rows": 2})

    def is_blank(self):
        texts = (self.medicine.data, self.dosage.data, self.duration.data, self.instructions.data)
        return not any((text or "").strip() for text in texts) and \
            (self.renewals.data or "").strip() in ("", "0")


class PrescriptionForm(FlaskForm):
    lines = FieldList(FormField(LineForm), min_entries=EMPTY_LINES, max_entries=MAX_LINES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_hints()

    def show_hints(self):
        """Hints under the first line's fields only: the other lines ask the same things."""
        for index, entry in enumerate(self.lines):
            for name, hint in LINE_HINTS.items():
                entry.form[name].description = hint if index == 0 else ""

    def add_line(self):
        """One more empty row, up to the maximum; False when the maximum is reached."""
        if len(self.lines) >= MAX_LINES:
            return False
        entry = self.lines.append_entry()
        entry.form.medicine.render_kw = {**entry.form.medicine.render_kw, "autofocus": True}
        self.show_hints()
        return True

    @property
    def can_add_line(self):
        return len(self.lines) < MAX_LINES

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        filled = [(n, entry.form) for n, entry in enumerate(self.lines, start=1)
                  if not entry.form.is_blank()]
        if not filled:
            self.lines[0].form.medicine.errors.append(_l("Indiquez au moins un médicament."))
        for n, line in filled:
            for name, message in (
                    ("medicine", _l("Indiquez le médicament de la ligne %(n)s.", n=n)),
                    ("dosage", _l("Indiquez la posologie de la ligne %(n)s.", n=n)),
                    ("duration", _l("Indiquez la durée du traitement de la ligne %(n)s.", n=n))):
                if not (line[name].data or "").strip():
                    line[name].errors.append(message)
            renewals = (line.renewals.data or "").strip() or "0"
            if not renewals.isdigit() or int(renewals) > MAX_RENEWALS:
                line.renewals.errors.append(_l(
                    "Le nombre de renouvellements de la ligne %(n)s doit être un nombre entier "
                    "de 0 à %(max)s.", n=n, max=MAX_RENEWALS))
        # The list keeps the errors it saw during its own validation: refresh it.
        errors = [entry.errors for entry in self.lines.entries]
        self.lines.errors = errors if any(errors) else []
        return ok and not self.lines.errors

    def filled_lines(self):
        """The non-blank lines, cleaned, as dicts ready for PrescriptionLine."""
        out = []
        for entry in self.lines:
            line = entry.form
            if line.is_blank():
                continue
            out.append({"medicine": line.medicine.data.strip(),
                        "dosage": line.dosage.data.strip(),
                        "duration": line.duration.data.strip(),
                        "renewals": int((line.renewals.data or "").strip() or "0"),
                        "instructions": (line.instructions.data or "").strip()})
        return out

    def summary(self):
        """The form as its leaf fields in error, in the shape the error summary macro reads."""
        return FieldsInError([f for entry in self.lines for f in entry.form if f.errors])


class FieldsInError(list):
    """Fields with errors; `errors` maps their ids to their messages."""

    @property
    def errors(self):
        return {f.id: f.errors for f in self}


class VerifyForm(FlaskForm):
    code = StringField(
        _l("Code de l’ordonnance"),
        description=_l("Scannez le QR code de l’ordonnance, ou recopiez le code imprimé "
                       "dessous : il commence par CARNET-ORD:"),
        validators=[DataRequired(_l("Saisissez ou scannez le code de l’ordonnance.")),
                    _max(400), LeftToRight()],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"})


class DispenseForm(FlaskForm):
    note = TextAreaField(
        _l("Remarque (facultatif)"),
        description=_l("Par exemple : médicament remplacé par un générique."),
        validators=[Optional(), _max(500)],
        render_kw={"rows": 2})
