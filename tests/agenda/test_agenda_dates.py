"""Dates and times as French people type them, and what they are told when it is wrong."""
from datetime import date

import pytest

TODAY = date(2026, 11, 10)  # a Tuesday


@pytest.fixture
def parse(app):
    from portal.agenda.dates import parse_day
    with app.test_request_context():
        yield lambda text: parse_day(text, TODAY)


@pytest.fixture
def parse_time(app):
    from portal.agenda.dates import parse_time
    with app.test_request_context():
        yield parse_time


@pytest.mark.parametrize("typed, expected", [
    ("23/11/2026", date(2026, 11, 23)),
    (" 23/11/2026 ", date(2026, 11, 23)),
    ("23/11/26", date(2026, 11, 23)),
    ("3/2/2027", date(2027, 2, 3)),
    ("23.11.2026", date(2026, 11, 23)),
    ("23-11-2026", date(2026, 11, 23)),
    ("23 / 11 / 2026", date(2026, 11, 23)),
    ("23/11", date(2026, 11, 23)),             # no year: this year, still to come
    ("05/01", date(2027, 1, 5)),               # no year, already past: next year
    ("10/11", date(2026, 11, 10)),             # today counts as still to come
    ("23 novembre", date(2026, 11, 23)),
    ("23 Novembre", date(2026, 11, 23)),
    ("23 novembre 2026", date(2026, 11, 23)),
    ("23 nov. 2026", date(2026, 11, 23)),
    ("1er décembre", date(2026, 12, 1)),
    ("1 decembre", date(2026, 12, 1)),
    ("2 février", date(2027, 2, 2)),           # past this year: the next one
    ("14 fevrier 2027", date(2027, 2, 14)),
    ("15 août 2027", date(2027, 8, 15)),
    ("lundi 23 novembre", date(2026, 11, 23)),
    ("Lundi 23 novembre 2026", date(2026, 11, 23)),
    ("29 février", date(2028, 2, 29)),         # the next leap year
    ("aujourd'hui", TODAY),
    ("Aujourd’hui", TODAY),
    ("demain", date(2026, 11, 11)),
    ("après-demain", date(2026, 11, 12)),
    ("2026-11-23", date(2026, 11, 23)),        # what the calendar and links send
])
def test_dates_french_people_type(parse, typed, expected):
    assert parse(typed) == expected


@pytest.mark.parametrize("typed, message", [
    ("", "Saisissez la date du rendez-vous, par exemple 23/11/2026 ou 23 novembre."),
    ("31/11/2026", "Il n’y a que 30 jours en novembre : vérifiez le jour."),
    ("31 novembre", "Il n’y a que 30 jours en novembre : vérifiez le jour."),
    ("30/02/2027", "Il n’y a que 28 jours en février : vérifiez le jour."),
    ("29/02/2027", "Il n’y a pas de 29 février en 2027 : vérifiez la date."),
    ("12/13/2026", "Le mois doit être un nombre de 1 à 12 : vérifiez la date."),
    ("00/11/2026", "Le jour doit être un nombre de 1 à 31 : vérifiez la date."),
    ("23/11/202", "Écrivez l’année avec 4 chiffres (2026) ou 2 chiffres (26)."),
    ("23 novembr", "« novembr » n’est pas un mois. Écrivez par exemple 23 novembre, ou "
                   "23/11/2026."),
    ("mardi 23 novembre 2026", "Le 23 novembre 2026 est un lundi, pas un mardi : vérifiez la "
                               "date."),
    ("23/11/2040", "Vérifiez l’année : un rendez-vous est au plus dans 5 ans."),
    ("1899-01-01", "Vérifiez l’année : cette date est trop ancienne."),
    ("la semaine prochaine", "Écrivez la date sous la forme 23/11/2026, 23 novembre, "
                             "« aujourd’hui » ou « demain »."),
    ("23112026", "Écrivez la date sous la forme 23/11/2026, 23 novembre, « aujourd’hui » ou "
                 "« demain »."),
])
def test_dates_that_are_refused_say_why(parse, typed, message):
    from portal.agenda.dates import ParseError
    with pytest.raises(ParseError) as refused:
        parse(typed)
    assert str(refused.value) == message


@pytest.mark.parametrize("typed, expected", [
    ("14h", (14, 0)), ("14h30", (14, 30)), ("14 h 30", (14, 30)), ("14H30", (14, 30)),
    ("14:30", (14, 30)), ("14.30", (14, 30)), ("9h05", (9, 5)), ("09:05", (9, 5)),
    ("0h15", (0, 15)), ("1430", (14, 30)), ("midi", (12, 0)), ("14 heures", (14, 0)),
    ("14 heures 30", (14, 30)),
])
def test_times_french_people_type(parse_time, typed, expected):
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed, message", [
    ("", "Saisissez l’heure du rendez-vous, par exemple 14h30."),
    ("25h", "L’heure doit être comprise entre 0 h et 23 h 59 : vérifiez-la."),
    ("14h75", "Les minutes vont de 00 à 59 : vérifiez l’heure."),
    ("après-midi", "Écrivez l’heure sous la forme 14h30, 14h ou 14:30."),
    ("14h3", "Écrivez l’heure sous la forme 14h30, 14h ou 14:30."),
])
def test_times_that_are_refused_say_why(parse_time, typed, message):
    from portal.agenda.dates import ParseError
    with pytest.raises(ParseError) as refused:
        parse_time(typed)
    assert str(refused.value) == message


def test_paris_time_is_stored_as_utc_across_summer_time(app):
    from datetime import datetime

    from portal.agenda.dates import ParseError, combine_local
    with app.test_request_context():
        assert combine_local(date(2026, 11, 23), 14, 30) == datetime(2026, 11, 23, 13, 30)
        assert combine_local(date(2026, 7, 14), 14, 30) == datetime(2026, 7, 14, 12, 30)
        with pytest.raises(ParseError) as refused:  # 29 March 2026: 2:00 becomes 3:00
            combine_local(date(2026, 3, 29), 2, 30)
        assert "passage à l’heure d’été" in str(refused.value)
