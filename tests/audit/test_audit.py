"""The activity journal: every read of health data recorded, sealed, append-only."""
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
                                    "email": "amina.diallo@example.org",
                                     "password": "wrong-wrong-wrong"})
    assert events(action="auth.login")[-1].actor.email == "amina.diallo@example.org"
    assert events(action="auth.login_failed")[-1].outcome == "denied"


def _seal_and_verify(app):
    from portal.audit.seal import seal_pending
    from portal.audit.verify import verify
    with app.app_context():
        seal_pending()
        return verify(full=True)


def _unguard():
    """An attacker with database access has to remove the append-only guard first."""
    from portal.db import is_postgres
    from portal.extensions import db
    if is_postgres():
        db.execute_sql('ALTER TABLE "activity_event" DISABLE TRIGGER "activity_event_no_change"')
    else:
        db.execute_sql('DROP TRIGGER "activity_event_no_update"')
        db.execute_sql('DROP TRIGGER "activity_event_no_delete"')


@pytest.mark.db
def test_sealed_journal_verifies_and_detects_a_tampered_row(app, login_as, ctx):
    from portal.extensions import db
    client = login_as("jean")
    for _ in range(3):
        client.get("/dossier/")
    report = _seal_and_verify(app)
    assert report.intact and report.checked >= 4
    target = events(action="dossier.view")[1]
    _unguard()
    db.execute_sql(f'UPDATE "activity_event" SET "detail" = {db.param} WHERE "id" = {db.param}',
                   ("/rien", target.id))
    report = _seal_and_verify(app)
    assert report.broken_entry == target.id and report.problem == "entry_hash"
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--full"])
    assert result.exit_code == 1 and f"entry {target.id}" in result.output


@pytest.mark.db
def test_deleting_a_sealed_row_is_detected(app, login_as, ctx):
    from portal.extensions import db
    client = login_as("jean")
    client.get("/dossier/")
    client.get("/dossier/")
    assert _seal_and_verify(app).intact
    victim = events(action="dossier.view")[0]
    _unguard()
    db.execute_sql(f'DELETE FROM "activity_event" WHERE "id" = {db.param}', (victim.id,))
    assert _seal_and_verify(app).problem in ("patient_chain", "count")


@pytest.mark.db
def test_database_refuses_update_and_delete_of_journal_rows(app, login_as, ctx):
    from portal.audit import ActivityEvent
    from portal.extensions import db
    login_as("jean").get("/dossier/")
    for sealed in (False, True):
        with pytest.raises(DB_ERRORS):
            with db.atomic():
                ActivityEvent.update(detail="x").execute()
        with pytest.raises(DB_ERRORS):
            with db.atomic():
                ActivityEvent.delete().execute()
        _seal_and_verify(app)


def test_cli_reports_an_intact_journal_and_what_waits(app, login_as):
    login_as("jean").get("/dossier/")
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "journal intact" in result.output
    assert "not yet sealed" in result.output
    runner = app.test_cli_runner()
    assert "entries sealed" in runner.invoke(args=["audit", "seal"]).output
    result = runner.invoke(args=["audit", "verify", "--full"])
    assert result.exit_code == 0 and "not yet sealed" not in result.output
