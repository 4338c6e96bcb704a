"""iCalendar output read back by a real parser (the `icalendar` package): fields, escaping,
folding, time zone, cancelled status, a stable UID; the whole agenda; and the private
subscription URL: made and shown once, minimal by default, revoked (or replaced) = 404 at once,
rate-limited, journaled without its token."""
import hashlib
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
from conftest import hidden_fields, open_space

PARIS = ZoneInfo("Europe/Paris")
TRICKY_NOTE = "Apporter : ECG, bilan; ordonnance\\copie\nÉtage 2, porte B — salle « Cœur »"
TRICKY_PLACE = "CH de Tulle, 3 place du Docteur-Maschat; bâtiment B"


@pytest.fixture
def jean_appointment(app, person):
    """An appointment of Jean's with every character that must be escaped."""
    from portal.agenda.models import Appointment
    with app.app_context():
        appointment = Appointment.create(
            patient=person("Jean"), professional_name="Dr Marc Lacombe",
            specialty="Cardiologie", place=TRICKY_PLACE, note=TRICKY_NOTE,
            starts_at=datetime(2026, 11, 23, 13, 30), duration_minutes=45)
    return appointment


def parse(response):
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    raw = response.get_data()
    lines = raw.split(b"\r\n")
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)     # folded
    return icalendar.Calendar.from_ical(raw)


def events(calendar):
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_one_appointment_reads_back_exactly(login_as, jean_appointment, ctx):
    response = login_as("jean").get(f"/agenda/{jean_appointment.id}/rendez-vous.ics")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="rendez-vous-2026-11-23.ics"'
    calendar = parse(response)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"]) == "-//Carnet//Agenda//FR"
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start == datetime(2026, 11, 23, 13, 30, tzinfo=timezone.utc)
    assert start.astimezone(PARIS).strftime("%H:%M") == "14:30"
    assert event.decoded("DTEND").astimezone(PARIS).strftime("%H:%M") == "15:15"
    assert str(event["SUMMARY"]) == "Dr Marc Lacombe – Cardiologie"
    assert str(event["LOCATION"]) == TRICKY_PLACE
    assert str(event["DESCRIPTION"]) == TRICKY_NOTE  # , ; \ and the line break survive
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["UID"]) == f"{jean_appointment.uid}@127.0.0.1"
    assert event.decoded("DTSTAMP").tzinfo is not None
    raw = response.get_data(as_text=True)
    assert "DESCRIPTION:Apporter : ECG\\, bilan\\; ordonnance\\\\copie\\nÉtage 2\\," in \
        raw.replace("\r\n ", "")


def test_a_long_line_is_folded_without_cutting_a_character(app):
    from portal.agenda.ics import escape_text, fold
    with app.app_context():
        line = "DESCRIPTION:" + escape_text("é" * 100 + "€" * 40)
        folded = fold(line)
    parts = folded.encode("utf-8").split(b"\r\n")
    assert all(len(p) <= 75 for p in parts) and parts[-1] == b""
    assert all(p.startswith(b" ") for p in parts[1:-1])
    for part in parts[:-1]:
        part.decode("utf-8")  # each physical line is valid UTF-8 on its own
    assert "".join(p.decode()[1:] if i else p.decode()
                   for i, p in enumerate(parts[:-1])) == line


def test_uid_stays_and_sequence_grows_and_cancelled_is_marked(login_as, jean_appointment, ctx):
    from portal.agenda.models import Appointment
    client = login_as("jean")
    first = events(parse(client.get("/agenda/export.ics")))
    uid = f"{jean_appointment.uid}@127.0.0.1"
    assert int(first[uid]["SEQUENCE"]) == 0
    question = client.get(f"/agenda/{jean_appointment.id}/annuler")
    client.post(f"/agenda/{jean_appointment.id}/annuler", data=hidden_fields(question))
    assert Appointment.get_by_id(jean_appointment.id).is_cancelled
    after = events(parse(client.get("/agenda/export.ics")))
    assert set(after) == set(first)  # the same events: updated, not added
    assert str(after[uid]["STATUS"]) == "CANCELLED" and int(after[uid]["SEQUENCE"]) == 1


def test_the_whole_agenda(login_as, jean_appointment, person, ctx):
    from portal.agenda.models import Appointment
    from portal.audit import ActivityEvent
    response = login_as("jean").get("/agenda/export.ics")
    assert response.headers["Content-Disposition"] == 'attachment; filename="agenda-carnet.ics"'
    calendar = parse(response)
    assert str(calendar["X-WR-CALNAME"]) == "Carnet – agenda de Jean Dupont"
    found = events(calendar)
    assert len(found) == Appointment.of_patient(person("Jean").id).count() == 3
    assert {str(e["SUMMARY"]) for e in found.values()} >= {
        "Dr Nadia Benali – Médecin généraliste", "Dr Marc Lacombe – Cardiologie"}
    assert ActivityEvent.select().where(ActivityEvent.action == "agenda.export",
                                        ActivityEvent.patient == person("Jean").id).count() == 1


# --- the private subscription URL -----------------------------------------------------------

def make_feed(client):
    """Make (or replace) the address on the page; returns (token, the page showing it)."""
    page = client.get("/agenda/abonnement")
    form = re.search(r'<form method="post" action="/agenda/abonnement/creer"', page.get_data(
        as_text=True))
    assert form, "no button to make an address"
    response = client.post("/agenda/abonnement/creer", data=hidden_fields(page))
    assert response.status_code == 303
    shown = client.get("/agenda/abonnement").get_data(as_text=True)
    url = re.search(r'id="feed-url-text" class="feed-url__text"[^>]*>([^<]+)</textarea>',
                    shown).group(1)
    assert url.startswith("http://127.0.0.1:8000/agenda/flux/") and url.endswith(".ics")
    assert f'href="webcal://{url.split("://")[1]}"' in shown
    return url.rsplit("/", 1)[1][:-4], shown


def test_the_address_is_shown_once_and_only_its_hash_is_kept(login_as, person, ctx):
    from portal.agenda.models import CalendarFeed
    client = login_as("jean")
    token, shown = make_feed(client)
    assert len(token) == 43  # 32 random bytes, urlsafe base64
    assert "Copiez-la maintenant" in shown
    assert token not in client.get("/agenda/abonnement").get_data(as_text=True)  # once
    (feed,) = CalendarFeed.select().where(CalendarFeed.patient == person("Jean").id)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(feed.__data__)


def test_the_feed_shows_only_what_the_person_chose(app, login_as, jean_appointment, person):
    from portal.agenda.models import SHOW_PLACE, Appointment
    client = login_as("jean")
    token, _page = make_feed(client)
    anonymous = app.test_client()
    response = anonymous.get(f"/agenda/flux/{token}.ics")
    assert "no-store" in response.headers["Cache-Control"]
    calendar = parse(response)
    assert "REFRESH-INTERVAL" in calendar
    event = events(calendar)[f"{jean_appointment.uid}@127.0.0.1"]
    assert str(event["SUMMARY"]) == "Rendez-vous de santé"
    assert "LOCATION" not in event and "DESCRIPTION" not in event
    assert event.decoded("DTSTART") == datetime(2026, 11, 23, 13, 30, tzinfo=timezone.utc)
    text = response.get_data(as_text=True).replace("\r\n ", "")
    for secret in ("Lacombe", "Cardiologie", "ECG", "Tulle", "diabète", "généraliste", "Jean"):
        assert secret not in text, secret
    # Dr Benali's appointment (demo): the name only, as chosen for it.
    assert "SUMMARY:Rendez-vous de santé – Dr Nadia Benali" in text
    Appointment.update(show_in_feed=SHOW_PLACE).where(
        Appointment.id == jean_appointment.id).execute()
    event = events(parse(anonymous.get(f"/agenda/flux/{token}.ics")))[
        f"{jean_appointment.uid}@127.0.0.1"]
    assert str(event["SUMMARY"]) == "Rendez-vous de santé – Dr Marc Lacombe"
    assert str(event["LOCATION"]) == TRICKY_PLACE and "DESCRIPTION" not in event


def test_revoking_or_replacing_stops_the_address_at_once(app, login_as, person, ctx):
    from portal.audit import ActivityEvent
    client = login_as("jean")
    anonymous = app.test_client()
    old, _page = make_feed(client)
    assert anonymous.get(f"/agenda/flux/{old}.ics").status_code == 200
    new, shown = make_feed(client)  # replacing it
    assert "L’ancienne adresse ne fonctionne plus." in shown
    assert anonymous.get(f"/agenda/flux/{old}.ics").status_code == 404
    assert anonymous.get(f"/agenda/flux/{new}.ics").status_code == 200
    page = client.get("/agenda/abonnement")
    assert "Dernière mise à jour par une application" in page.get_data(as_text=True)
    response = client.post("/agenda/abonnement/revoquer", data=hidden_fields(page))
    assert response.status_code == 303
    assert anonymous.get(f"/agenda/flux/{new}.ics").status_code == 404
    assert "Aucune adresse d’abonnement n’est active." in client.get(
        "/agenda/abonnement").get_data(as_text=True)
    assert anonymous.get("/agenda/flux/" + "x" * 43 + ".ics").status_code == 404
    fetches = list(ActivityEvent.select().where(ActivityEvent.action == "agenda.feed_fetch",
                                                ActivityEvent.patient == person("Jean").id))
    assert len(fetches) == 2 and all(e.actor_id is None for e in fetches)
    for event in ActivityEvent.select().where(ActivityEvent.action.startswith("agenda.feed")):
        assert old not in event.detail + event.object_id and new not in event.detail
    actions = [e.action for e in ActivityEvent.select().where(
        ActivityEvent.action.in_(["agenda.feed_create", "agenda.feed_revoke"]))]
    assert actions == ["agenda.feed_create", "agenda.feed_create", "agenda.feed_revoke"]


def test_a_parent_manages_the_address_of_a_child_and_a_caregiver_cannot(login_as, person, ctx):
    camille = login_as("camille")
    assert open_space(camille, person("Lina").id).status_code == 302
    token, shown = make_feed(camille)
    assert "S’abonner à l’agenda de Lina Martin" in shown
    # her delegation gives the agenda, not this
    assert open_space(camille, person("Jean").id).status_code == 302
    assert camille.get("/agenda/abonnement").status_code == 403


def test_fetching_is_rate_limited(app, login_as, ctx):
    token, _page = make_feed(login_as("jean"))
    anonymous = app.test_client()
    codes = [anonymous.get(f"/agenda/flux/{token}.ics").status_code for _ in range(61)]
    assert codes[:60] == [200] * 60 and codes[60] == 429
    guesses = [anonymous.get(f"/agenda/flux/guess{n}.ics").status_code for n in range(31)]
    assert guesses[:30] == [404] * 30 and guesses[30] == 429
