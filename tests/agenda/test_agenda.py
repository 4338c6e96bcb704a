"""The agenda through its real forms: adding, changing and cancelling an appointment, what is
said when something typed is wrong (and kept), the form's own calendar, the directory, who may
open what (another patient's appointment is a 404; a caregiver without the agenda is told why),
a professional adding an appointment, the lists, the month view and the journal."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from conftest import hidden_fields, journal, open_space

NOW = datetime(2026, 11, 10, 8, 0, tzinfo=timezone.utc)  # Tuesday 10 November, 9:00 in Paris
JEAN_EMAIL = "jean.dupont@example.org"
CAMILLE_EMAIL = "camille.martin@example.org"
ADDED_SUBJECT = "Carnet : un rendez-vous a été ajouté à l’agenda"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def form_data(page, **values):
    """What the add/edit form sends when filled in as `values` say."""
    data = {**hidden_fields(page), "day": "23 novembre", "time": "14h30",
            "professional_name": "Dr Marc Lacombe", "professional": "",
            "specialty": "Cardiologie", "place": "Centre hospitalier de Tulle",
            "duration": "45", "note": "Apporter l’électrocardiogramme.", "reminder": "none",
            "reminder_hours": "", "show_in_feed": "minimal"}
    data.update(values)
    return data


def value_of(html, name):
    match = re.search(rf'<input [^>]*name="{name}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'<input [^>]*value="([^"]*)"[^>]*name="{name}"', html)
    return match and match.group(1)


def add(client, **values):
    page = client.get("/agenda/ajouter")
    return client.post("/agenda/ajouter", data=form_data(page, **values))


def latest(person_id):
    from portal.agenda.models import Appointment
    return Appointment.select().where(Appointment.patient == person_id).order_by(
        Appointment.id.desc()).first()


def test_an_appointment_is_added_changed_and_cancelled_through_the_forms(
        frozen, login_as, person):
    from portal.agenda.models import Appointment
    jean = person("Jean")
    client = login_as("jean")
    response = add(client, reminder="day_before")
    assert response.status_code == 303
    appointment = latest(jean.id)
    assert response.headers["Location"].endswith(f"/agenda/{appointment.id}")
    assert appointment.starts_at == datetime(2026, 11, 23, 13, 30)  # 14:30 in Paris is UTC+1
    assert appointment.remind_at == datetime(2026, 11, 22, 17, 0)   # the day before, 18:00
    assert (appointment.professional_name, appointment.specialty, appointment.duration_minutes,
            appointment.created_by.email) == ("Dr Marc Lacombe", "Cardiologie", 45, JEAN_EMAIL)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Le rendez-vous du lundi 23 novembre 2026 à 14:30 est ajouté à l’agenda." in page
    assert "Apporter l’électrocardiogramme." in page and "La veille, à 18 h" in page
    assert len(journal("agenda.add", patient=jean.id)) == 1

    # Changing it: the form shows what is stored; a new time makes the reminder due again.
    Appointment.update(reminder_sent_at=datetime(2026, 11, 22, 17, 0)).where(
        Appointment.id == appointment.id).execute()
    edit = client.get(f"/agenda/{appointment.id}/modifier")
    html = edit.get_data(as_text=True)
    assert value_of(html, "day") == "23/11/2026" and value_of(html, "time") == "14:30"
    assert value_of(html, "professional_name") == "Dr Marc Lacombe"
    response = client.post(f"/agenda/{appointment.id}/modifier",
                           data=form_data(edit, day="23/11/2026", time="15h",
                                          reminder="day_before"))
    assert response.status_code == 303
    changed = Appointment.get_by_id(appointment.id)
    assert changed.starts_at == datetime(2026, 11, 23, 14, 0)
    assert changed.reminder_sent_at is None and changed.sequence == 1
    assert changed.uid == appointment.uid
    assert len(journal("agenda.edit", patient=jean.id)) == 1

    # Cancelling asks first, then keeps it, marked as cancelled.
    question = client.get(f"/agenda/{appointment.id}/annuler")
    assert "Annuler le rendez-vous du lundi 23 novembre 2026 à 15:00 ?" in \
        question.get_data(as_text=True)
    response = client.post(f"/agenda/{appointment.id}/annuler", data=hidden_fields(question))
    assert response.status_code == 303 and response.headers["Location"].endswith("/agenda/")
    cancelled = Appointment.get_by_id(appointment.id)
    assert cancelled.cancelled_at is not None and cancelled.cancelled_by.email == JEAN_EMAIL
    assert cancelled.sequence == 2
    home = client.get("/agenda/").get_data(as_text=True)
    assert "Il reste dans l’agenda, marqué comme annulé." in home
    item = home[home.index(f'href="/agenda/{appointment.id}"'):]
    assert "Annulé" in item[:item.index("</li>")]
    response = client.get(f"/agenda/{appointment.id}/modifier")
    assert response.status_code == 303
    assert "ne peut plus être modifié" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert len(journal("agenda.cancel", patient=jean.id)) == 1


@pytest.mark.parametrize("values, field, message", [
    ({"day": "31/11/2026"}, "day", "Il n’y a que 30 jours en novembre : vérifiez le jour."),
    ({"day": "23 novembr"}, "day", "« novembr » n’est pas un mois."),
    ({"day": ""}, "day", "Saisissez la date du rendez-vous, par exemple 23/11/2026"),
    ({"time": "25h"}, "time", "L’heure doit être comprise entre 0 h et 23 h 59"),
    ({"time": "après-midi"}, "time", "Écrivez l’heure sous la forme 14h30, 14h ou 14:30."),
    ({"professional_name": ""}, "professional_name", "Saisissez le nom du professionnel"),
    ({"reminder": "hours_before", "reminder_hours": "100"}, "reminder_hours",
     "Le rappel peut être envoyé de 1 à 72 heures avant le rendez-vous"),
    ({"reminder": "hours_before", "reminder_hours": "trois"}, "reminder_hours",
     "Écrivez un nombre d’heures en chiffres, de 1 à 72."),
    ({"reminder": "hours_before"}, "reminder_hours", "Indiquez combien d’heures avant"),
    ({"day": "aujourd'hui", "time": "18h", "reminder": "day_before"}, "reminder",
     "Ce rappel tomberait dans le passé (le 9 novembre 2026 à 18:00)"),
    ({"day": "9/11/2026", "reminder": "day_before"}, "reminder",
     "Ce rendez-vous est passé : choisissez « Pas de rappel »."),
    ({"duration": "37"}, "duration", "Choisissez une des valeurs proposées."),
    ({"show_in_feed": "everything"}, "show_in_feed", "Choisissez une des valeurs proposées."),
])
def test_wrong_input_is_explained_and_kept(frozen, login_as, person, values, field, message):
    jean = person("Jean")
    before = latest(jean.id)
    response = add(login_as("jean"), **values)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Erreur :" in html and 'class="error-summary"' in html
    summary = html[html.index('class="error-summary"'):]
    assert message in summary[:summary.index("</div>")]
    assert f'href="#{field}' in summary
    for name, typed in values.items():
        if name in ("day", "time", "professional_name", "reminder_hours") and typed:
            assert value_of(html, name) == typed.replace("'", "&#39;"), name
    assert 'value="Dr Marc Lacombe"' in html or values.get("professional_name") == ""
    assert latest(jean.id) == before  # nothing saved


def test_an_hours_count_is_ignored_unless_that_reminder_is_chosen(frozen, login_as, person):
    response = add(login_as("jean"), reminder="day_before", reminder_hours="trois")
    assert response.status_code == 303
    appointment = latest(person("Jean").id)
    assert appointment.reminder == "day_before" and appointment.reminder_hours is None
    response = add(login_as("jean"), reminder="hours_before", reminder_hours="3")
    assert response.status_code == 303
    assert latest(person("Jean").id).remind_at == datetime(2026, 11, 23, 10, 30)


def test_the_forms_calendar_picks_a_day_and_keeps_everything_typed(frozen, login_as, person):
    jean = person("Jean")
    before = latest(jean.id)
    client = login_as("jean")
    page = client.get("/agenda/ajouter")
    html = page.get_data(as_text=True)
    assert "<caption>novembre 2026</caption>" in html and "<details class=\"picker\">" in html
    typed = form_data(page, day="", professional_name="Dr Élodie Vergne", note="Contrôle")
    # Another month: the calendar stays open there, with the focus on the button used.
    response = client.post("/agenda/ajouter", data={**typed, "mois_suivant": "2026-12"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "error-summary" not in html
    assert "<caption>décembre 2026</caption>" in html and '<details class="picker" open>' in html
    assert re.search(r'id="picker-next" autofocus', html)
    assert value_of(html, "professional_name") == "Dr Élodie Vergne"
    # A day: written into the date field (French form), which gets the focus; nothing saved.
    response = client.post("/agenda/ajouter", data={**typed, "jour": "2026-12-02"})
    html = response.get_data(as_text=True)
    assert value_of(html, "day") == "02/12/2026" and "error-summary" not in html
    assert re.search(r'<input [^>]*autofocus[^>]*name="day"', html)
    assert value_of(html, "professional_name") == "Dr Élodie Vergne" and "Contrôle" in html
    assert 'class="picker__day picker__day--chosen"' in html
    assert latest(jean.id) == before
    # A link from elsewhere may give the day.
    html = client.get("/agenda/ajouter?date=2026-12-24").get_data(as_text=True)
    assert value_of(html, "day") == "24/12/2026"
    # Then saving as usual.
    response = client.post("/agenda/ajouter", data={**typed, "day": "02/12/2026"})
    assert response.status_code == 303
    assert latest(jean.id).starts_at == datetime(2026, 12, 2, 13, 30)


def test_a_professional_from_the_directory(frozen, login_as, person):
    from portal.accounts.models import Account
    benali = Account.get(Account.email == "dr.benali@example.org")
    client = login_as("jean")
    page = client.get("/agenda/ajouter")
    html = page.get_data(as_text=True)
    team = html[html.index('<optgroup label="Professionnels qui suivent ce dossier">'):]
    assert f'<option value="{benali.id}">Dr Nadia Benali – Médecin généraliste</option>' in \
        team[:team.index("</optgroup>")]
    assert '<optgroup label="Annuaire de Carnet">' in html  # Dr Lefèvre follows no one here
    response = client.post("/agenda/ajouter", data=form_data(
        page, professional=str(benali.id), professional_name="", specialty=""))
    assert response.status_code == 303
    appointment = latest(person("Jean").id)
    assert appointment.professional_id == benali.id
    assert appointment.professional_name == "Dr Nadia Benali"
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dr Nadia Benali" in shown and "Médecin généraliste" in shown
    # Both a typed name and another professional chosen: which one?
    response = client.post("/agenda/ajouter", data=form_data(
        client.get("/agenda/ajouter"), professional=str(benali.id)))
    assert "Gardez l’un des deux : le nom saisi (« Dr Marc Lacombe ») ou le professionnel " \
           "choisi dans la liste (Dr Nadia Benali)." in response.get_data(as_text=True)
    # An account that is not a professional of the directory (a tampered form).
    jean_account = Account.get(Account.email == JEAN_EMAIL)
    response = client.post("/agenda/ajouter", data=form_data(
        client.get("/agenda/ajouter"), professional=str(jean_account.id)))
    assert "Choisissez une des valeurs proposées." in response.get_data(as_text=True)


def test_another_patients_appointment_is_a_404(login_as, person, ctx):
    jean_appointment = latest(person("Jean").id)
    camille = login_as("camille")  # her own space is open
    for url in (f"/agenda/{jean_appointment.id}", f"/agenda/{jean_appointment.id}/modifier",
                f"/agenda/{jean_appointment.id}/annuler",
                f"/agenda/{jean_appointment.id}/rendez-vous.ics"):
        assert camille.get(url).status_code == 404, url
    fields = hidden_fields(camille.get("/agenda/ajouter"))
    assert camille.post(f"/agenda/{jean_appointment.id}/annuler",
                        data=fields).status_code == 404
    assert latest(person("Jean").id).cancelled_at is None
    # Through her delegation (agenda scope) Jean's space, and so his appointment, opens.
    assert open_space(camille, person("Jean").id).status_code == 302
    assert camille.get(f"/agenda/{jean_appointment.id}").status_code == 200


def test_a_caregiver_without_the_agenda_is_told_why(login_as, person, ctx):
    from portal.proxies.models import Delegation
    Delegation.update(scopes="dossier_read,messaging").execute()
    camille = login_as("camille")
    assert open_space(camille, person("Jean").id).status_code == 302
    for url in ("/agenda/", "/agenda/ajouter", "/agenda/mois/2026-11", "/agenda/export.ics"):
        response = camille.get(url)
        assert response.status_code == 403, url
        text = response.get_data(as_text=True)
        assert "Dans l’espace de Jean Dupont, votre relation (Proche aidante (délégation)) ne " \
               "permet pas cette action : il faut l’autorisation « agenda »." in text
    assert ">Agenda<" not in camille.get("/dossier/").get_data(as_text=True)


def test_acting_for_someone_is_journaled_with_the_relation(frozen, login_as, person):
    camille = login_as("camille")
    assert open_space(camille, person("Lina").id).status_code == 302
    page = camille.get("/agenda/")
    assert "Agenda de Lina Martin" in page.get_data(as_text=True)
    assert add(camille, professional_name="Dr Élodie Vergne").status_code == 303
    (event,) = journal("agenda.add", patient=person("Lina").id)
    assert event.via == "guardian" and event.actor.email == CAMILLE_EMAIL
    # Sophie's mandate with the agenda task, current on the test's day whatever day the demo
    # was seeded.
    from portal.proxies.models import Mandate
    now = NOW.replace(tzinfo=None)  # stored as naive UTC
    Mandate.update(starts_at=now - timedelta(days=20), ends_at=now + timedelta(days=160),
                   confirmed_at=now - timedelta(days=20)).where(
        Mandate.patient == person("Jean").id).execute()
    sophie = login_as("sophie")
    assert open_space(sophie, person("Jean").id).status_code == 302
    assert add(sophie).status_code == 303
    (event,) = journal("agenda.add", patient=person("Jean").id)
    assert event.via == "mandate"


def test_a_professional_adds_an_appointment_and_the_patient_is_told_without_details(
        frozen, login_as, person):
    from portal.mail import OutboxMessage
    benali = login_as("benali")
    assert open_space(benali, person("Lina").id).status_code == 302
    page = benali.get("/agenda/pro/ajouter")
    html = page.get_data(as_text=True)
    assert value_of(html, "professional_name") == "Dr Nadia Benali"
    assert value_of(html, "specialty") == "Médecin généraliste"
    assert 'name="professional"' not in html and 'name="show_in_feed"' not in html
    data = {**hidden_fields(page), "day": "25/11/2026", "time": "17h15",
            "professional_name": "Dr Nadia Benali", "specialty": "Médecin généraliste",
            "place": "Cabinet médical, 8 avenue Victor-Hugo", "duration": "20",
            "note": "Vaccin ROR, deuxième dose", "reminder": "day_before", "reminder_hours": ""}
    response = benali.post("/agenda/pro/ajouter", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/agenda/pro/ajouter")
    appointment = latest(person("Lina").id)
    assert appointment.professional.email == "dr.benali@example.org"
    assert appointment.created_by.email == "dr.benali@example.org"
    assert appointment.show_in_feed == "minimal"
    after = benali.get("/agenda/pro/ajouter").get_data(as_text=True)
    assert "Un e-mail le signale au patient, sans aucun détail médical." in after
    assert "mercredi 25 novembre 2026 à 17:15" in after  # in "what you added"
    # Lina has no account: her parent is told, without the note, place or specialty.
    (mail,) = OutboxMessage.select().where(OutboxMessage.to == CAMILLE_EMAIL,
                                           OutboxMessage.subject == ADDED_SUBJECT)
    assert "Dr Nadia Benali a ajouté un rendez-vous à l’agenda Carnet de Lina Martin, le " \
           "mercredi 25 novembre 2026 à 17:15." in mail.body
    for secret in ("ROR", "Victor-Hugo", "généraliste"):
        assert secret not in mail.body
    assert len(journal("agenda.pro_add", patient=person("Lina").id)) == 1
    # The professional does not read the agenda; the parent sees who added it.
    assert benali.get("/agenda/").status_code == 403
    camille = login_as("camille")
    assert open_space(camille, person("Lina").id).status_code == 302
    assert "Ajouté par le Dr Nadia Benali" in camille.get("/agenda/").get_data(as_text=True)


def test_lists_are_split_and_paged(frozen, login_as, person, app):
    from portal.agenda.models import Appointment
    amina = person("Amina")
    with app.app_context():
        for days in range(-3, 22):
            Appointment.create(patient=amina, professional_name=f"Dr {days:+d}",
                               starts_at=NOW.replace(tzinfo=None) + timedelta(days=days))
    client = login_as("amina")
    html = client.get("/agenda/").get_data(as_text=True)
    assert "À venir (21)" in html and "Passés (4)" in html  # today's 9:00 is past
    upcoming = html[html.index('id="a-venir"'):html.index('id="passes"')]
    assert upcoming.index("Dr +1") < upcoming.index("Dr +2") and "Dr +21" not in upcoming
    assert "Page 1 sur 2" in upcoming
    page2 = client.get("/agenda/?a_venir=2&passes=1").get_data(as_text=True)
    assert "Dr +21" in page2[page2.index('id="a-venir"'):page2.index('id="passes"')]
    past = html[html.index('id="passes"'):]
    assert past.index("Dr +0") < past.index("Dr -1") < past.index("Dr -3")


def test_month_view_and_the_today_shortcut(frozen, login_as, person, app):
    from portal.agenda.models import Appointment
    amina = person("Amina")
    with app.app_context():
        Appointment.create(patient=amina, professional_name="Dr Marc Lacombe",
                           starts_at=datetime(2026, 11, 23, 13, 30))
        Appointment.create(patient=amina, professional_name="Dr Hors du mois",
                           starts_at=datetime(2026, 11, 30, 23, 30))  # 1 December in Paris
    client = login_as("amina")
    home = client.get("/agenda/").get_data(as_text=True)
    assert '<a href="/agenda/mois/2026-11#jour-2026-11-10">Aujourd’hui</a>' in home
    html = client.get("/agenda/mois/2026-11").get_data(as_text=True)
    assert "<h1>Mon agenda – novembre 2026</h1>" in html
    assert '<td id="jour-2026-11-10" class="month__day month__day--empty month__day--today" ' \
           'aria-current="date">' in html
    day = html[html.index('id="jour-2026-11-23"'):]
    assert "14:30 Dr Marc Lacombe" in day[:day.index("</td>")]
    assert "Dr Hors du mois" not in html
    assert "1 rendez-vous ce mois-ci." in html
    december = client.get("/agenda/mois/2026-12").get_data(as_text=True)
    assert "00:30 Dr Hors du mois" in december
    for wrong in ("2026-13", "2026-1", "novembre", "2026-11-01"):
        assert client.get(f"/agenda/mois/{wrong}").status_code == 404, wrong


def test_demo_agenda(app, person):
    from portal.agenda.models import Appointment
    from portal.seed import seed_demo
    with app.app_context():
        jean = list(Appointment.of_patient(person("Jean").id).order_by(Appointment.starts_at))
        assert [a.professional_name for a in jean] == ["Dr Nadia Benali", "Dr Marc Lacombe"]
        assert jean[0].created_by.email == "dr.benali@example.org" and jean[0].remind_at
        assert jean[0].local_start.weekday() == 1 and jean[0].local_start.hour == 11
        assert jean[1].specialty == "Cardiologie" and "Centre hospitalier de Tulle" in jean[1].place
        (lina,) = Appointment.of_patient(person("Lina").id)
        assert lina.specialty == "Chirurgienne-dentiste" and lina.local_start.weekday() == 2
        (camille,) = Appointment.of_patient(person("Camille").id)
        assert camille.is_past() and not camille.remind_at
        assert not list(Appointment.of_patient(person("Amina").id))
        assert seed_demo() == 0


def test_the_optional_fields_are_folded_unless_they_hold_something(frozen, login_as, person):
    """Phone-first: "Plus de détails" is closed on an empty form, open again after a refusal
    when one of its fields holds a value or an error, so nothing typed is out of sight."""
    client = login_as("jean")
    empty = client.get("/agenda/ajouter").get_data(as_text=True)
    assert '<details class="more-details">' in empty
    refused = add(client, day="").get_data(as_text=True)  # the place, the note… were typed
    assert '<details class="more-details" open>' in refused
    assert value_of(refused, "place") == "Centre hospitalier de Tulle"
    plain = add(client, day="", specialty="", place="", duration="", note="")
    assert '<details class="more-details">' in plain.get_data(as_text=True)  # defaults only
    hours = add(client, day="", specialty="", place="", duration="", note="",
                reminder="hours_before", reminder_hours="500").get_data(as_text=True)
    assert '<details class="more-details" open>' in hours  # its error is in sight
