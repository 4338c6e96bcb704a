"""The activity journal: every read of health data recorded, hash-chained, append-only."""
import pytest
from conftest import csrf_from
from peewee import IntegrityError, InternalError, OperationalError

# SQLite's RAISE(ABORT) and PostgreSQL's RAISE EXCEPTION, as peewee reports them.
DB_ERRORS = (IntegrityError, InternalError, OperationalError)


def events(**where):
    from portal.audit import ActivityEvent
    query = ActivityEvent.select().order_by(ActivityEvent.id)
    for key, value in where.items():
        query = query.where(getattr(ActivityEvent, key) == value)
    return list(query)


def test_reading_the_dossier_is_journaled_with_actor_patient_and_relationship(login_as, person,
                                                                              ctx):
    client = login_as("camille")
    page = client.get("/espaces")
    client.post(f"/espaces/{person('Jean').id}", data={"csrf_token": csrf_from(page)})
    client.get("/dossier/")
    read = events(action="dossier.view")[-1]
    assert read.actor.email == "camille.martin@example.org"
    assert read.patient_id == person("Jean").id and read.via == "delegation"
    assert read.actor_name == "Camille Martin" and read.outcome == "ok"


def test_patients_own_reads_are_journaled_as_their_own(login_as, person, ctx):
    login_as("jean").get("/dossier/")
    read = events(action="dossier.view")[-1]
    assert read.patient_id == person("Jean").id and read.via == "self"


def test_professional_reads_are_journaled(login_as, person, ctx):
    client = login_as("benali")
    page = client.get("/espaces")
    client.post(f"/espaces/{person('Lina').id}", data={"csrf_token": csrf_from(page)})
    client.get("/dossier/")
    assert events(action="dossier.view")[-1].via == "grant"
    assert events(action="space.open")[-1].patient_id == person("Lina").id


def test_denied_attempts_are_journaled(login_as, person, ctx):
    client = login_as("camille")
    page = client.get("/espaces")
    client.post(f"/espaces/{person('Jean').id}", data={"csrf_token": csrf_from(page)})
    client.get("/proches")
    denied = events(outcome="denied", action="proxies.view")
    assert denied and denied[-1].patient_id == person("Jean").id


def test_logins_and_failures_are_journaled(login_as, client, ctx):
    login_as("amina")
    page = client.get("/connexion")
    client.post("/connexion", data={"csrf_token": csrf_from(page),
                                    "email": "amina.diallo@example.org", "password": "wrong-wrong-wrong"})
    assert events(action="auth.login")[-1].actor.email == "amina.diallo@example.org"
    assert events(action="auth.login_failed")[-1].outcome == "denied"


@pytest.mark.db
def test_chain_verifies_and_detects_a_tampered_row(app, login_as, ctx):
    from portal import audit
    from portal.db import is_postgres
    from portal.extensions import db
    client = login_as("jean")
    for _ in range(3):
        client.get("/dossier/")
    checked, broken, reason = audit.verify()
    assert reason is None and checked >= 4
    target = events(action="dossier.view")[1]
    # An attacker with database access has to remove the append-only guard first.
    if is_postgres():
        db.execute_sql('ALTER TABLE "activity_event" DISABLE TRIGGER "activity_event_no_change"')
    else:
        db.execute_sql('DROP TRIGGER "activity_event_no_update"')
    db.execute_sql('UPDATE "activity_event" SET "detail" = %s WHERE "id" = %s'
                   if is_postgres() else
                   'UPDATE "activity_event" SET "detail" = ? WHERE "id" = ?', ("/rien", target.id))
    checked, broken, reason = audit.verify()
    assert broken == target.id and reason == "hash"
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"entry {target.id}" in result.output


@pytest.mark.db
def test_deleting_a_row_breaks_the_chain(app, login_as, ctx):
    from portal import audit
    from portal.db import is_postgres
    from portal.extensions import db
    client = login_as("jean")
    client.get("/dossier/")
    client.get("/dossier/")
    victim = events(action="dossier.view")[0]
    if is_postgres():
        db.execute_sql('ALTER TABLE "activity_event" DISABLE TRIGGER "activity_event_no_change"')
        db.execute_sql('DELETE FROM "activity_event" WHERE "id" = %s', (victim.id,))
    else:
        db.execute_sql('DROP TRIGGER "activity_event_no_delete"')
        db.execute_sql('DELETE FROM "activity_event" WHERE "id" = ?', (victim.id,))
    assert audit.verify()[2] == "prev_hash"


@pytest.mark.db
def test_database_refuses_update_and_delete_of_journal_rows(login_as, ctx):
    from portal.audit import ActivityEvent
    from portal.extensions import db
    login_as("jean").get("/dossier/")
    with pytest.raises(DB_ERRORS):
        with db.atomic():
            ActivityEvent.update(detail="x").execute()
    with pytest.raises(DB_ERRORS):
        with db.atomic():
            ActivityEvent.delete().execute()


def test_cli_reports_an_intact_chain(app, login_as):
    login_as("jean").get("/dossier/")
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audit chain intact" in result.output
