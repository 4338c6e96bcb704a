"""The appointment form: a date and a time typed the French way (dates.py), the professional
typed or chosen in the directory, the reminder and what may be shown outside Carnet."""
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, StopValidation, ValidationError
from wtforms.widgets import TextInput

from ..accounts.models import utcnow
from ..i18n import _n, format_datetime
from ..measures.forms import local_now
from ..forms.fields import FrenchDateField, optional_int
from ..profile.forms import BAD_CHOICE, choice, strip, text
from .dates import (DATE_MISSING, ParseError, combine_local, normalise, parse_day, parse_time,
                    show_day)
from .models import (MAX_REMINDER_HOURS, MIN_REMINDER_HOURS, REMINDER_DAY_BEFORE,
                     REMINDER_HOURS, REMINDER_NONE, SHOW_MINIMAL, SHOW_PLACE, SHOW_PROFESSIONAL,
                     Appointment)


class TypedField(StringField):
    """Text kept exactly as typed (shown again on error); `parsed` holds what it means and
    `parse_error` what is wrong with it. Subclasses define `parse(text)`."""

    parsed = None
    parse_error = None

    def process_formdata(self, valuelist):
        self.data = (valuelist[0] if valuelist else "").strip()
        try:
            self.parsed = self.parse(self.data)
        except ParseError as error:
            self.parsed, self.parse_error = None, str(error)

    def pre_validate(self, form):
        if self.parse_error:
            raise StopValidation(self.parse_error)


def parse_appointment_day(text):
    """A FrenchDateField `parse`: the French ways of dates.py, relative to today in Paris."""
    try:
        return parse_day(text, local_now().date()), None
    except ParseError as error:
        return None, str(error)


class TimeField(TypedField):
    def parse(self, text):
        return parse_time(text)


class HoursField(TypedField):
    """The hours of an "N hours before" reminder; checked only when that reminder is chosen."""

    def parse(self, text):
        if not text:
            return None
        if not text.isdigit():
            raise ParseError(_("Écrivez un nombre d’heures en chiffres, de %(low)s à %(high)s.",
                               low=MIN_REMINDER_HOURS, high=MAX_REMINDER_HOURS))
        return int(text)

    def pre_validate(self, form):
        """Nothing here: see AppointmentForm.validate_reminder_hours."""


DURATIONS = [("", _l("Non précisée")), ("15", _l("15 minutes")), ("20", _l("20 minutes")),
             ("30", _l("30 minutes")), ("45", _l("45 minutes")), ("60", _l("1 heure")),
             ("90", _l("1 heure 30")), ("120", _l("2 heures")), ("180", _l("3 heures"))]
REMINDER_CHOICES = [(REMINDER_NONE, _l("Pas de rappel")),
                    (REMINDER_DAY_BEFORE, _l("La veille, à 18 h")),
                    (REMINDER_HOURS, _l("Quelques heures avant (indiquez combien ci-dessous)"))]
SHOW_LABELS = [(SHOW_MINIMAL, _l("Seulement « Rendez-vous de santé », avec la date et l’heure "
                                 "(conseillé)")),
               (SHOW_PROFESSIONAL, _l("Aussi le nom du professionnel")),
               (SHOW_PLACE, _l("Aussi le nom du professionnel et le lieu"))]


def professional_name_field(description):
    """The professional's name. Not Optional(): its check (a name, or a professional chosen in
    the list) must run when it is empty."""
    return StringField(
        _l("Professionnel de santé"), filters=[strip], description=description,
        validators=[Length(max=200, message=_l("Saisissez au plus %(max)d caractères."))])


class AppointmentForm(FlaskForm):
    """Add or change an appointment. The view gives the directory's professionals
    (`set_professionals`); after validation `starts_at` holds the time as naive UTC."""

    day = FrenchDateField(_l("Date"),
                          description=_l("Par exemple : 23/11/2026, 23 novembre ou demain."),
                          required=DATE_MISSING, parse=parse_appointment_day, show=show_day,
                          keep_typed=True, widget=TextInput(),
                          render_kw={"autocomplete": "off", "spellcheck": "false"})
    time = TimeField(_l("Heure"), description=_l("Heure de Paris. Par exemple : 14h30 ou 9h."),
                     render_kw={"autocomplete": "off", "spellcheck": "false"})
    professional_name = professional_name_field(
        _l("Par exemple : Dr Karim Lacombe. Ou choisissez un professionnel inscrit sur Carnet "
           "dans la liste suivante."))
    professional = choice(_l("Ou un professionnel inscrit sur Carnet"), [("", _l("Aucun"))],
                          coerce=optional_int,
                          description=_l("Facultatif. Ceux qui suivent ce dossier d’abord, puis "
                                         "l’annuaire de Carnet."))
    specialty = text(_l("Spécialité"), 120,
                     description=_l("Facultatif. Par exemple : cardiologie, dentiste, "
                                    "kinésithérapie."))
    place = text(_l("Lieu ou adresse"), 300,
                 description=_l("Facultatif. Par exemple : Centre hospitalier de Tulle, "
                                "3 place du Docteur-Maschat, 19000 Tulle."))
    duration = choice(_l("Durée prévue"), DURATIONS, coerce=optional_int)
    note = text(_l("Note"), 2000, area=True,
                description=_l("Facultatif. Par exemple : apporter la carte Vitale et les "
                               "derniers résultats. Visible des personnes qui voient cet "
                               "agenda, jamais envoyée par e-mail."))
    reminder = choice(_l("Rappel par e-mail"), REMINDER_CHOICES, radio=True,
                      required=_l("Choisissez un rappel, ou « Pas de rappel »."))
    reminder_hours = HoursField(
        _l("Nombre d’heures avant le rendez-vous"),
        description=_l("Seulement pour un rappel quelques heures avant : de 1 à 72."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    show_in_feed = choice(_l("Ce qui peut apparaître en dehors de Carnet"), SHOW_LABELS,
                          radio=True, required=BAD_CHOICE,
                          description=_l("Dans le calendrier de votre téléphone (abonnement) et "
                                         "dans les e-mails de rappel. La spécialité et la note "
                                         "n’en sortent jamais."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("reminder", REMINDER_NONE)
        kwargs.setdefault("show_in_feed", SHOW_MINIMAL)
        super().__init__(*args, **kwargs)
        self.starts_at = None
        self.directory_names = {}
        self.original = None  # the appointment being changed, if any

    # The fields folded under "Plus de détails" on the form (agenda/_fields.html).
    DETAIL_FIELDS = ("specialty", "place", "duration", "note", "reminder", "reminder_hours",
                     "show_in_feed")

    def details_open(self):
        """Whether "Plus de détails" opens: one of its fields has an error or a value other than
        its default, so that nothing typed or refused is out of sight after a refused POST."""
        defaults = {"reminder": REMINDER_NONE, "show_in_feed": SHOW_MINIMAL}
        for name in self.DETAIL_FIELDS:
            field = self._fields.get(name)
            if field is None:
                continue
            if field.errors:
                return True
            value = field.data
            if value not in (None, "", defaults.get(name)):
                return True
        return False

    def set_professionals(self, groups):
        """`groups`: [(group label, [account, …]), …]: the select's options, by group."""
        found = [SelectChoice("", _("Aucun"))]
        for label, accounts in groups:
            for account in accounts:
                self.directory_names[account.id] = account.display_name
                found.append(SelectChoice(str(account.id), _n(
                    "%(name)s – %(profession)s", name=account.display_name,
                    profession=account.role_label), optgroup=str(label)))
        self.professional.choices = found

    def validate_time(self, field):
        if self.day.data is not None and field.parsed is not None:
            try:
                self.starts_at = combine_local(self.day.data, *field.parsed)
            except ParseError as error:
                raise ValidationError(str(error)) from None

    def validate_professional_name(self, field):
        chosen = self.directory_names.get(self.professional.data) \
            if "professional" in self._fields else None
        if not field.data and not chosen:
            raise ValidationError(_("Saisissez le nom du professionnel, ou choisissez-le dans "
                                    "la liste des professionnels inscrits sur Carnet."))
        if field.data and chosen and normalise(field.data) != normalise(chosen):
            raise ValidationError(_("Gardez l’un des deux : le nom saisi (« %(typed)s ») ou le "
                                    "professionnel choisi dans la liste (%(chosen)s).",
                                    typed=field.data, chosen=chosen))

    def validate_reminder_hours(self, field):
        if self.reminder.data != REMINDER_HOURS:
            return  # ignored, and kept as typed
        if field.parse_error:
            raise StopValidation(field.parse_error)
        if field.parsed is None:
            raise StopValidation(_("Indiquez combien d’heures avant le rendez-vous envoyer le "
                                   "rappel : un nombre de %(low)s à %(high)s.",
                                   low=MIN_REMINDER_HOURS, high=MAX_REMINDER_HOURS))
        if not MIN_REMINDER_HOURS <= field.parsed <= MAX_REMINDER_HOURS:
            raise ValidationError(_("Le rappel peut être envoyé de %(low)s à %(high)s heures "
                                    "avant le rendez-vous : écrivez un nombre de %(low)s à "
                                    "%(high)s.", low=MIN_REMINDER_HOURS,
                                    high=MAX_REMINDER_HOURS))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid and self.reminder.data != REMINDER_NONE:
            problem = self._reminder_problem()
            if problem:
                self.reminder.errors.append(problem)
                valid = False
        return valid

    def _reminder_problem(self):
        """Why the reminder chosen cannot be sent (its time has passed), or None. A change that
        keeps the time and the reminder as they were is never refused."""
        hours = self.reminder_hours.parsed if self.reminder.data == REMINDER_HOURS else None
        wanted = (self.starts_at, self.reminder.data, hours)
        original = self.original
        if original is not None and wanted == (original.starts_at, original.reminder,
                                               original.reminder_hours):
            return None
        now = utcnow()
        if self.starts_at <= now:
            return _("Ce rendez-vous est passé : choisissez « Pas de rappel ».")
        due = Appointment(starts_at=self.starts_at, reminder=self.reminder.data,
                          reminder_hours=hours).compute_remind_at()
        if due <= now:
            return _("Ce rappel tomberait dans le passé (le %(when)s) : choisissez un délai plus "
                     "court, ou « Pas de rappel ».",
                     when=format_datetime(due, _("d MMMM yyyy 'à' HH:mm")))
        return None

    def load(self, appointment):
        """Show a stored appointment (GET of the edit form)."""
        local = appointment.local_start
        self.day.data = local.date()
        self.time.data = local.strftime("%H:%M")
        if "professional" in self._fields:
            self.professional.data = appointment.professional_id
            if appointment.professional_id:
                self.professional_name.data = ""
        self.duration.data = appointment.duration_minutes
        self.reminder_hours.data = str(appointment.reminder_hours or "")

    def apply(self, appointment):
        """Copy the answers onto `appointment`; True when its time or its reminder changed
        (its reminder is then due again)."""
        before = (appointment.starts_at, appointment.reminder, appointment.reminder_hours)
        appointment.starts_at = self.starts_at
        if "professional" in self._fields:
            appointment.professional = self.professional.data or None
            chosen = self.directory_names.get(self.professional.data)
            appointment.professional_name = chosen or self.professional_name.data
        else:
            appointment.professional_name = self.professional_name.data
        appointment.specialty = self.specialty.data or ""
        appointment.place = self.place.data or ""
        appointment.duration_minutes = self.duration.data or None
        appointment.note = self.note.data or ""
        appointment.reminder = self.reminder.data
        appointment.reminder_hours = self.reminder_hours.parsed \
            if self.reminder.data == REMINDER_HOURS else None
        if "show_in_feed" in self._fields:
            appointment.show_in_feed = self.show_in_feed.data
        appointment.remind_at = appointment.compute_remind_at()
        return before != (appointment.starts_at, appointment.reminder,
                          appointment.reminder_hours)


class ProAppointmentForm(AppointmentForm):
    """A professional adds an appointment with themselves in a patient's space: no directory
    list (they are the professional), and the choice of what leaves Carnet stays the
    patient's."""

    professional = None
    show_in_feed = None
    professional_name = professional_name_field(
        _l("Votre nom, tel que le patient le lira. Par exemple : Dr Nadia Benali."))
