"""The re-approval deadline of connected services: when a service's purposes change, people
connected have REAPPROVAL_DAYS to approve the change; after that the periodic task settles
their consent (the new rights stay refused, the consent records the version declined, the
person is notified once). Driven on a moved clock."""
from datetime import timedelta

import time_machine
from conftest import SESSION_CLOCK, csrf_from, journal, outbox
from test_connect import connect, purposes

SUBJECT = "Un service connecté garde ses anciennes autorisations"


def widen(login_as, purpose_id):
    """The operator adds "write" to a purpose: the service's version goes up."""
    from portal.connect.models import Service
    operator = login_as("operateur")
    service = Service.get(Service.slug == "tensiometre-connecte")
    url = f"/operateur/services/{service.id}/finalites/{purpose_id}"
    answer = operator.post(url, data={
        "csrf_token": csrf_from(operator.get(url)), "label": "Suivre votre tension",
        "explanation": "Lire et ajouter.", "rights": ["measures:read", "measures:write"]})
    assert answer.status_code == 303
    return Service.get_by_id(service.id)


def settle(app, task=False):
    """Run the deadline's work as the worker does, in an app context of its own."""
    from portal.connect import rights
    from portal.connect.tasks import reapproval_deadlines
    with app.app_context():
        return reapproval_deadlines.call_local() if task else rights.lapse_reapprovals()


def the_consent(person_id):
    from portal.connect.models import Consent, Service
    service = Service.get(Service.slug == "tensiometre-connecte")
    return Consent.get(Consent.person == person_id, Consent.service == service.id), service


def test_after_the_deadline_the_change_is_declined_once_and_the_person_told(
        app, login_as, person, ctx):
    from portal.connect import rights
    camille = person("Camille")
    read, _write = purposes("tensiometre-connecte")
    connect(app, login_as("camille"), [read])
    service = widen(login_as, read)
    assert service.version == 2
    deadline = service.reapprove_by

    # The day before the deadline: nothing is settled, the person is still asked.
    with time_machine.travel(deadline - timedelta(days=1), tick=False):
        assert settle(app) == 0
    consent, service = the_consent(camille.id)
    assert consent.declined_version is None and rights.needs_reapproval(consent, service)
    assert outbox("camille", SUBJECT) == []

    # After it, through the periodic task (as the worker runs it).
    with time_machine.travel(deadline + timedelta(hours=1), tick=False):
        settle(app, task=True)
        consent, service = the_consent(camille.id)
        assert consent.declined_version == 2 and consent.version == 1
        assert consent.active  # still connected, with what was approved
        assert consent.right_set == {"measures:read"}
        assert rights.consented_rights(consent, service) == {"measures:read"}
        assert not rights.needs_reapproval(consent, service)
        assert rights.reapproval_lapsed(consent, service)
        assert len(outbox("camille", SUBJECT)) == 1
        (entry,) = journal("services.reapproval_lapsed", patient=camille.id)
        assert "v2 not approved" in entry.detail
        page = login_as("camille").get("/services/connectes").get_data(as_text=True)
        assert "n’a pas été approuvé à temps" in page
        assert "À approuver avant" not in page
        # Idempotent: again, nothing more (no second e-mail, no second entry).
        assert settle(app) == 0
        settle(app, task=True)
    assert len(outbox("camille", SUBJECT)) == 1
    assert len(journal("services.reapproval_lapsed", patient=camille.id)) == 1


def test_the_rights_dropped_by_a_change_are_withdrawn_for_good(app, login_as, person, ctx):
    """A right the person approved, that the change dropped and a later change brings back, is
    not granted again without a new approval."""
    from portal.connect import rights
    from portal.connect.models import Purpose
    camille = person("Camille")
    read, write = purposes("tensiometre-connecte")
    connect(app, login_as("camille"), [read, write])
    # The operator moves the write right out of the "write" purpose (version 2)…
    Purpose.update(rights="measures:read").where(Purpose.id == write).execute()
    service = rights.bump_version(rights.Service.get_by_id(Purpose.get_by_id(write).service_id))
    with time_machine.travel(service.reapprove_by + timedelta(minutes=1), tick=False):
        assert settle(app) == 1
    consent, service = the_consent(camille.id)
    assert consent.right_set == {"measures:read"}
    # …then puts it back (version 3): still not granted, the person must approve it.
    Purpose.update(rights="measures:write").where(Purpose.id == write).execute()
    service = rights.bump_version(service)
    consent, service = the_consent(camille.id)
    assert "measures:write" not in rights.consented_rights(consent, service)
    assert rights.needs_reapproval(consent, service)  # a new change: asked again
    with time_machine.travel(service.reapprove_by + timedelta(minutes=1), tick=False):
        assert settle(app) == 1  # and settled again at its own deadline
    assert the_consent(camille.id)[0].declined_version == 3


def test_approving_in_time_or_disconnecting_leaves_nothing_to_settle(app, login_as, person,
                                                                     ctx):
    from conftest import hidden_fields
    from portal.connect import rights
    camille = person("Camille")
    read, _write = purposes("tensiometre-connecte")
    browser = login_as("camille")
    connect(app, browser, [read])
    service = widen(login_as, read)
    page = browser.get("/services/connectes/tensiometre-connecte")
    browser.post("/services/connectes/tensiometre-connecte",
                 data=dict(hidden_fields(page), purposes=[str(read)]))
    with time_machine.travel(service.reapprove_by + timedelta(days=1), tick=False):
        assert settle(app) == 0
    consent, service = the_consent(camille.id)
    assert consent.version == 2 and consent.declined_version is None
    assert "measures:write" in rights.consented_rights(consent, service)
    assert outbox("camille", SUBJECT) == []


def test_the_deadline_task_runs_every_hour(ctx):
    from portal.connect.tasks import reapproval_deadlines
    validate = reapproval_deadlines.s().validate_datetime
    moment = SESSION_CLOCK.replace(tzinfo=None, minute=5)
    assert validate(moment) and validate(moment + timedelta(hours=1))
    assert not validate(moment + timedelta(minutes=10))
