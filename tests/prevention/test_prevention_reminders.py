"""Prevention reminders by e-mail: each due item reminded once (claimed before sending, so a
second run or a run after a crash sends nothing more), a new cycle reminded again, the person
and their legal representatives each following their own choices (the whole kind, or one
theme), and nothing medical beyond "un rappel de prévention vous attend" and the theme."""
from datetime import date, datetime

import pytest
from conftest import account, hidden_fields

DAY = date(2026, 11, 23)
SUBJECT = "Carnet : un rappel de prévention vous attend"
JEAN, CAMILLE, AMINA = ("jean.dupont@example.org", "camille.martin@example.org",
                        "amina.diallo@example.org")
SELF = "Un rappel de prévention vous attend dans votre espace santé Carnet (thème : {})."
LINA = "Un rappel de prévention attend dans l’espace santé Carnet de Lina Martin (thème : {})."


def run(app, today=DAY):
    from portal.prevention.tasks import send_prevention_reminders
    with app.app_context():
        return send_prevention_reminders(today=today)


def sent_to(address):
    from portal.mail import OutboxMessage
    return list(OutboxMessage.select().where(OutboxMessage.to == address,
                                             OutboxMessage.subject == SUBJECT)
                .order_by(OutboxMessage.id))


def sentences(address):
    return [m.body.split("\n\n")[1] for m in sent_to(address)]


@pytest.mark.db
def test_each_due_item_is_reminded_once_to_the_person_and_to_the_parents(app, ctx):
    from portal.prevention.models import PreventionReminder
    # Jean: RSV, flu and Covid-19 (one e-mail: one theme); Camille: her bilan prévention, and
    # Lina's two vaccines as her mother; Amina: her cervical screening.
    assert run(app) == 7
    assert sentences(JEAN) == [SELF.format("Vaccinations")]
    assert sorted(sentences(CAMILLE)) == sorted([SELF.format("Bilan prévention"),
                                                 LINA.format("Vaccinations")])
    assert sentences(AMINA) == [SELF.format("Dépistages des cancers")]
    # Professionals' own persons are not reminded from here (Dr Benali is 50).
    assert sent_to("dr.benali@example.org") == []
    claims = {(r.patient.given_names, r.code, r.cycle, r.emails)
              for r in PreventionReminder.select()}
    assert ("Jean", "VAC_FLU", "2026", 1) in claims and ("Lina", "VAC_DTCAP_11", "", 1) in claims
    # Run again the same day, or the next: nothing more.
    assert run(app) == 0 and run(app, date(2026, 11, 24)) == 0
    assert len(sent_to(JEAN)) == 1 and len(sent_to(CAMILLE)) == 2


def test_a_new_cycle_is_reminded_again(app, ctx):
    run(app)
    run(app, date(2027, 3, 1))  # the flu season is over: nothing new for Jean
    assert len(sent_to(JEAN)) == 1
    run(app, date(2027, 10, 15))  # the next season opens
    assert len(sent_to(JEAN)) == 2


@pytest.mark.db
def test_a_claimed_reminder_is_not_sent_again_after_a_crash(app, person, ctx):
    from portal.prevention.models import PreventionReminder, calendar_for
    jean = person("Jean")
    for item in calendar_for(jean, DAY).due:  # claimed by a run that stopped before sending
        PreventionReminder.create(patient=jean, code=item.code, cycle=item.cycle,
                                  theme=item.rule.theme)
    assert run(app) == 4  # the others' reminders only
    assert sent_to(JEAN) == []


def test_turning_prevention_reminders_off_stops_them_for_the_person_and_the_children(app, ctx):
    from portal.notifications import save_preferences
    save_preferences(account(CAMILLE), {"prevention": False})
    assert run(app) == 7  # claimed all the same: turning them back on sends no backlog
    assert sent_to(CAMILLE) == []
    assert sentences(JEAN) == [SELF.format("Vaccinations")]


def test_a_theme_turned_off_on_the_settings_page_stops_only_that_theme(app, login_as, ctx):
    import re
    client = login_as("camille")
    page = client.get("/parametres/notifications")
    html = page.get_data(as_text=True)
    assert "Rappels de prévention, par thème" in html
    boxes = re.findall(r'name="(email_[a-z_]+)"', html)
    data = {**hidden_fields(page), **{name: "y" for name in boxes
                                      if name != "email_prevention_vaccination"}}
    assert client.post("/parametres/notifications", data=data).status_code == 303
    run(app)
    assert sentences(CAMILLE) == [SELF.format("Bilan prévention")]  # not Lina's vaccines


def test_the_choice_of_a_theme_is_stored_and_read_like_a_kind(app, ctx):
    from portal.notifications import preferences, save_preferences, wants
    camille = account(CAMILLE)
    assert wants(camille, "prevention", "dental")
    assert save_preferences(camille, {"prevention_dental": False}) == ["prevention_dental"]
    assert not wants(camille, "prevention", "dental") and wants(camille, "prevention")
    assert wants(camille, "prevention", "screening")
    assert preferences(camille)["prevention_dental"] is False
    with pytest.raises(KeyError):
        wants(camille, "prevention", "newsletter")
    with pytest.raises(ValueError):
        save_preferences(camille, {"prevention_newsletter": False})


def test_reminders_say_nothing_medical(app, ctx):
    from portal.prevention.rules import RULES
    run(app)
    for address in (JEAN, CAMILLE, AMINA):
        for message in sent_to(address):
            text = (message.subject + message.body).lower()
            assert "ce message ne contient aucune information médicale" in text
            for rule in RULES:
                assert str(rule.label).lower() not in text, (rule.code, address)
            for word in ("vrs", "grippe", "covid", "diphtérie", "méningocoque", "col de",
                         "frottis", "45-50"):
                assert word not in text, (word, address)


def test_the_daily_task_runs_every_morning():
    from portal.prevention.tasks import prevention_reminders
    check = prevention_reminders.task_class().validate_datetime
    assert check(datetime(2026, 11, 23, 8, 30)) and not check(datetime(2026, 11, 23, 8, 31))
