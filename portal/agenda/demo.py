"""Demo appointments, dated from the day the demo is seeded: Jean's consultation with Dr Benali
on Tuesday at 11:30 (the one agreed in the demo conversation, added by her from his space)
and his cardiology check-up at Tulle hospital; Lina's dental check-up on a Wednesday afternoon
(her mother Camille gets the reminder); a past pulmonology visit of Camille's (her asthma)."""
from datetime import date, datetime, time, timedelta

from ..measures.forms import to_utc
from .models import (REMINDER_DAY_BEFORE, REMINDER_HOURS, REMINDER_NONE, SHOW_PROFESSIONAL,
                     Appointment)

HOSPITAL = "Centre hospitalier de Tulle, 3 place du Docteur-Maschat, 19000 Tulle"
TUESDAY, WEDNESDAY, THURSDAY = 1, 2, 3


def weekday_from(today, days, weekday):
    """The first `weekday` at least `days` days after `today` (demo dates fall on workdays)."""
    start = today + timedelta(days=days)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


# (patient, created by, directory professional or None, name typed, specialty, place,
#  day (a function of today), local time, minutes, reminder, hours, shown outside, note)
APPOINTMENTS = [
    ("jean", "benali", "benali", "", "", "Cabinet médical, 8 avenue Victor-Hugo, 19000 Tulle",
     lambda today: weekday_from(today, 2, TUESDAY), time(11, 30), 20,
     REMINDER_DAY_BEFORE, None, SHOW_PROFESSIONAL,
     "Faire le point sur le traitement du diabète. Apporter le carnet de glycémies et la liste "
     "des médicaments. Pas besoin d’être à jeun."),
    ("jean", "jean", None, "Dr Marc Lacombe", "Cardiologie", HOSPITAL,
     lambda today: weekday_from(today, 17, THURSDAY), time(9, 15), 45, REMINDER_HOURS, 3, None,
     "Électrocardiogramme et échographie cardiaque. Venir avec l’ordonnance et les derniers "
     "résultats de prise de sang. Camille m’accompagne."),
    ("lina", "camille", None, "Dr Élodie Vergne", "Chirurgienne-dentiste",
     "Cabinet dentaire, 5 rue Jean-Jaurès, 19000 Tulle",
     lambda today: weekday_from(today, 6, WEDNESDAY), time(14, 30), 30, REMINDER_DAY_BEFORE,
     None, None,
     "Contrôle annuel (examen M’T dents, pris en charge à 100 %). Brosse à dents dans le "
     "cartable."),
    ("camille", "camille", None, "Dr Sylvie Roche", "Pneumologie", HOSPITAL,
     lambda today: weekday_from(today, -30, TUESDAY), time(10, 0), 30, REMINDER_NONE, None, None,
     "Bilan annuel de l’asthme avec épreuves fonctionnelles respiratoires. Apporter le "
     "Salbutamol et le compte rendu de l’an dernier."),
]


def seed(people, accounts):
    """Create the demo appointments that are missing (matched by patient and professional's
    name); returns how many were created."""
    today = date.today()
    created = 0
    for (patient, author, pro, name, specialty, place, day, at, minutes, reminder, hours,
         shown, note) in APPOINTMENTS:
        professional = accounts[pro] if pro else None
        name = professional.display_name if professional else name
        if Appointment.select().where(Appointment.patient == people[patient],
                                      Appointment.professional_name == name).exists():
            continue
        appointment = Appointment(
            patient=people[patient], created_by=accounts.get(author), professional=professional,
            professional_name=name, specialty=specialty, place=place,
            starts_at=to_utc(datetime.combine(day(today), at)), duration_minutes=minutes,
            note=note, reminder=reminder, reminder_hours=hours,
            show_in_feed=shown or Appointment.show_in_feed.default)
        appointment.remind_at = appointment.compute_remind_at()
        appointment.save()
        created += 1
    return created
