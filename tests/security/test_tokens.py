"""Every token-addressed URL or code (calendar feed, professionals' access codes, print jobs,
activation links, closure proofs, mandate confirmation codes) goes through one rule,
policy.token_holds: it works only while the space it points at is open and, when someone made
it acting for the space, while that relationship is still current. Tokens are also revoked
when the access ends. A closed space also refuses an access code and an emergency
declaration cleanly (nothing committed)."""
import io
import re
from datetime import datetime, timedelta

import pikepdf
import pytest
from conftest import account, at, csrf_from, hidden_fields, open_space, redeem, run_majorities
from helpers import ACCESS_PAGE as PAGE, CODE_RE

CAMILLE = "camille.martin@example.org"
PASSWORD = "demo-carnet-2026"


def make_feed(client):
    """Make the subscription address of the open space; returns its token."""
    page = client.get("/agenda/abonnement")
    assert client.post("/agenda/abonnement/creer", data=hidden_fields(page)).status_code == 303
    shown = client.get("/agenda/abonnement").get_data(as_text=True)
    url = re.search(r'id="feed-url-text" class="feed-url__text"[^>]*>([^<]+)</textarea>',
                    shown).group(1)
    return url.rsplit("/", 1)[1][:-4]


def appointment(person, starts_at, name="Dr Marc Lacombe"):
    from portal.agenda.models import Appointment
    return Appointment.create(patient=person, professional_name=name, starts_at=starts_at,
                              duration_minutes=30)


def close(client):
    page = client.get("/parametres/fermer-mon-espace")
    response = client.post("/parametres/fermer-mon-espace", data={
        **hidden_fields(page), "reason": "", "understood": "y", "password": PASSWORD})
    assert response.status_code == 303
    return response.headers["Location"]


def create_code(client):
    page = client.get(PAGE)
    assert client.post(f"{PAGE}codes", data={**hidden_fields(page),
                                             "validity": "7j"}).status_code == 303
    return CODE_RE.search(client.get(PAGE).get_data(as_text=True)).group(1)


# --- the calendar feed ------------------------------------------------------------------------

def test_closing_her_space_stops_her_calendar_feed(app, login_as, person, ctx):
    from portal.agenda.models import CalendarFeed
    camille = login_as("camille")
    booked = appointment(person("Camille"), datetime(2026, 12, 3, 9, 0))
    token = make_feed(camille)
    feed = app.test_client()
    assert booked.uid in feed.get(f"/agenda/flux/{token}.ics").get_data(as_text=True)
    close(camille)
    response = feed.get(f"/agenda/flux/{token}.ics")
    assert response.status_code == 404 and booked.uid not in response.get_data(as_text=True)
    assert CalendarFeed.get(CalendarFeed.patient == person("Camille").id).revoked_at is not None


def test_her_feed_for_her_daughter_stops_when_she_closes_her_own_space(app, login_as, person,
                                                                       ctx):
    camille = login_as("camille")
    booked = appointment(person("Lina"), datetime(2026, 12, 3, 9, 0))
    assert open_space(camille, person("Lina").id).status_code == 302
    token = make_feed(camille)
    feed = app.test_client()
    assert booked.uid in feed.get(f"/agenda/flux/{token}.ics").get_data(as_text=True)
    open_space(camille, person("Camille").id)
    close(camille)  # Lina's space stays open, but the access that made the feed is gone
    assert feed.get(f"/agenda/flux/{token}.ics").status_code == 404


def test_at_majority_the_feed_her_parent_made_serves_nothing(app, login_as, person, ctx):
    from portal.agenda.models import CalendarFeed
    lina = person("Lina")
    with at(2033, 8, 30, 10, 0):
        camille = login_as("camille")
        assert open_space(camille, lina.id).status_code == 302
        token = make_feed(camille)
        booked = appointment(lina, datetime(2033, 9, 10, 8, 0))
        feed = app.test_client()
        assert booked.uid in feed.get(f"/agenda/flux/{token}.ics").get_data(as_text=True)
    with at(2033, 9, 2, 0, 5):
        assert run_majorities(app) == 1
        response = feed.get(f"/agenda/flux/{token}.ics")
        assert response.status_code == 404 and booked.uid not in response.get_data(as_text=True)
        assert CalendarFeed.get(CalendarFeed.patient == lina.id).revoked_at is not None


def test_the_rule_alone_stops_a_feed_whose_access_ended_without_any_revocation(app, login_as,
                                                                               person, ctx):
    """Checked on every use: a relationship that simply stopped (no event marked the feed)
    serves nothing."""
    from portal.accounts.models import utcnow
    from portal.proxies.models import Guardianship
    camille = login_as("camille")
    booked = appointment(person("Lina"), datetime(2026, 12, 3, 9, 0))
    open_space(camille, person("Lina").id)
    token = make_feed(camille)
    feed = app.test_client()
    assert feed.get(f"/agenda/flux/{token}.ics").status_code == 200
    Guardianship.update(ended_at=utcnow()).where(
        Guardianship.ward == person("Lina").id,
        Guardianship.guardian == person("Camille").id).execute()
    response = feed.get(f"/agenda/flux/{token}.ics")
    assert response.status_code == 404 and booked.uid not in response.get_data(as_text=True)


# --- print jobs -------------------------------------------------------------------------------

def small_pdf():
    out = io.BytesIO()
    document = pikepdf.new()
    document.add_blank_page()
    document.save(out)
    return out.getvalue()


def ready_job(app, patient, account):
    """A finished print job of `account` in `patient`'s space (its file stored)."""
    from portal.accounts.models import utcnow
    from portal.documents.store import store_blob
    from portal.summary.models import CARD, DONE, PrintJob
    with app.app_context():
        stored = store_blob(small_pdf(), filename="carte.pdf")
    now = utcnow()
    return PrintJob.create(patient=patient, requested_by=account, kind=CARD, status=DONE,
                           finished_at=now, expires_at=now + timedelta(hours=24),
                           storage_key=stored["storage_key"], size=stored["size"],
                           sha256=stored["sha256"])


def test_a_print_job_made_under_a_delegation_serves_nothing_once_it_ends(app, login_as, person,
                                                                          ctx):
    from portal.proxies.models import Delegation
    from portal.summary.models import PrintJob
    jean = person("Jean")
    camille = login_as("camille")
    open_space(camille, jean.id)
    job = ready_job(app, jean, account(CAMILLE))
    assert camille.get(f"/imprimer/{job.id}/fichier").status_code == 200
    # Jean ends the delegation through his page.
    holder = login_as("jean")
    delegation = Delegation.get(Delegation.patient == jean.id,
                                Delegation.caregiver == person("Camille").id)
    page = holder.get(f"/proches/delegations/{delegation.id}/fin")
    assert holder.post(f"/proches/delegations/{delegation.id}/fin",
                       data=hidden_fields(page)).status_code in (302, 303)
    stopped = PrintJob.get_by_id(job.id)
    assert stopped.storage_key is None and stopped.status == "expired"
    # A new delegation later does not bring the old file back.
    Delegation.update(ended_at=None).where(Delegation.id == delegation.id).execute()
    again = login_as("camille")
    open_space(again, jean.id)
    assert again.get(f"/imprimer/{job.id}/fichier").status_code != 200


def test_a_print_job_made_under_a_mandate_serves_nothing_once_it_ends(app, login_as, person, ctx):
    from portal.accounts.models import utcnow
    from portal.proxies.models import Mandate
    from portal.summary.models import PrintJob
    jean = person("Jean")
    sophie = login_as("sophie")
    open_space(sophie, jean.id)
    job = ready_job(app, jean, account("sophie.bernard@example.org"))
    assert sophie.get(f"/imprimer/{job.id}/fichier").status_code == 200
    holder = login_as("jean")
    mandate = Mandate.get(Mandate.patient == jean.id, Mandate.ended_at.is_null())
    page = holder.get("/proches")
    assert holder.post(f"/proches/mandats/{mandate.id}/fin",
                       data=hidden_fields(page)).status_code == 303
    assert PrintJob.get_by_id(job.id).storage_key is None
    # Signed again (a new mandate): the file made under the old one stays gone.
    now = utcnow()
    Mandate.create(patient=jean, mediator=mandate.mediator, tasks=mandate.tasks,
                   starts_at=now, ends_at=now + timedelta(days=30), confirmed_at=now)
    again = login_as("sophie")
    open_space(again, jean.id)
    assert again.get(f"/imprimer/{job.id}/fichier").status_code != 200


def test_the_periodic_purge_removes_files_whose_access_lapsed(app, login_as, person, ctx):
    """A mandate that simply ran out (no event) leaves no file behind either."""
    from portal.accounts.models import utcnow
    from portal.proxies.models import Mandate
    from portal.summary.models import PrintJob
    from portal.summary.tasks import purge
    jean = person("Jean")
    job = ready_job(app, jean, account("sophie.bernard@example.org"))
    kept = ready_job(app, jean, account("jean.dupont@example.org"))
    Mandate.update(ends_at=utcnow() - timedelta(minutes=1)).where(
        Mandate.patient == jean.id).execute()
    with app.app_context():
        purge()
    assert PrintJob.get_by_id(job.id).storage_key is None
    assert PrintJob.get_by_id(kept.id).storage_key is not None


# --- access codes -----------------------------------------------------------------------------

def test_a_code_her_parent_made_stops_at_majority(app, login_as, person, ctx):
    from portal.access.models import AccessCode, Grant
    lina = person("Lina")
    with at(2033, 9, 1, 10, 0):
        camille = login_as("camille")
        open_space(camille, lina.id)
        code = create_code(camille)
    with at(2033, 9, 2, 0, 5):
        assert run_majorities(app) == 1
        assert AccessCode.get(AccessCode.patient == lina.id).revoked_at is not None
        html = redeem(login_as("lefevre"), code).get_data(as_text=True)
        assert "Ce code a été révoqué" in html
        assert Grant.select().where(Grant.patient == lina.id,
                                    Grant.professional == account("dr.lefevre@example.org").id
                                    ).count() == 0


def test_a_code_whose_maker_lost_access_is_refused_even_unrevoked(app, login_as, person, ctx):
    from portal.access.models import Grant
    from portal.accounts.models import utcnow
    from portal.proxies.models import Guardianship
    lina = person("Lina")
    camille = login_as("camille")
    open_space(camille, lina.id)
    code = create_code(camille)
    Guardianship.update(ended_at=utcnow()).where(Guardianship.ward == lina.id).execute()
    html = redeem(login_as("lefevre"), code).get_data(as_text=True)
    assert "Ce code ne vaut plus : la personne qui l’a créé n’agit plus pour ce" in html
    assert Grant.select().where(Grant.patient == lina.id,
                                Grant.professional == account("dr.lefevre@example.org").id
                                ).count() == 0


def test_a_code_for_a_closed_space_is_refused_and_commits_nothing(app, login_as, person, ctx):
    """Item 9: no 500, no grant, no used code; a clear French message."""
    from portal.access.models import AccessCode, Grant
    from portal.audit import ActivityEvent
    from portal.lifecycle.models import SpaceClosure
    camille = login_as("camille")
    code = create_code(camille)
    # Closed by the holder (here without the revocation, to prove the rule itself refuses).
    SpaceClosure.create(person=person("Camille"), kind="closure")
    lefevre = login_as("lefevre")
    grants = Grant.select().count()
    response = redeem(lefevre, code)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Cet espace santé est fermé" in html and code in html
    assert Grant.select().count() == grants
    assert AccessCode.get().used_at is None
    refused = ActivityEvent.get(ActivityEvent.action == "access.code_redeem")
    assert refused.outcome == "refused" and refused.detail == "closed"


def test_closing_revokes_her_unused_codes(app, login_as, person, ctx):
    from portal.access.models import AccessCode
    camille = login_as("camille")
    create_code(camille)
    close(camille)
    assert AccessCode.get().revoked_at is not None


# --- emergency access to a closed space (item 9) -----------------------------------------------

def test_an_emergency_on_a_closed_space_is_refused_and_commits_nothing(app, login_as, person,
                                                                      ctx):
    from portal.audit import ActivityEvent
    from portal.emergency.models import EmergencyAccess
    from portal.mail import OutboxMessage
    camille = person("Camille")
    close(login_as("camille"))
    lefevre = login_as("lefevre")
    mails = OutboxMessage.select().count()
    page = lefevre.get("/urgence/")
    response = lefevre.post("/urgence/", data={
        "csrf_token": csrf_from(page), "nir": camille.nir, "birth_date": "14/05/1980",
        "reason": "Malaise au domicile, patiente inconsciente.", "confirm": "y"})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Cet espace santé est fermé" in html
    assert "Malaise au domicile, patiente inconsciente." in html  # what was typed is kept
    assert EmergencyAccess.select().count() == 0
    assert OutboxMessage.select().count() == mails
    refused = ActivityEvent.get(ActivityEvent.action == "emergency.declared")
    assert refused.outcome == "denied"


# --- activation links, closure proofs, mandate codes -----------------------------------------

def test_an_activation_link_for_a_closed_space_opens_nothing(app, person, ctx):
    from portal.accounts.invites import issue_invite
    from portal.lifecycle.models import SpaceClosure
    lina = person("Lina")
    with app.app_context():
        _invite, token = issue_invite(lina)
    client = app.test_client()
    client.get(f"/activation/{token}")
    assert client.get("/activation").status_code == 200
    SpaceClosure.create(person=lina, kind="closure")
    assert client.get("/activation").status_code == 404


def test_a_closure_proof_stops_once_the_space_is_reopened(app, login_as, person, ctx):
    from portal.lifecycle.models import SpaceClosure
    from portal.lifecycle.service import reopen
    path = close(login_as("camille"))
    reader = app.test_client()
    assert reader.get(path).status_code == 200
    with app.app_context():
        reopen(SpaceClosure.get(), account("operateur@example.org"))
    assert reader.get(path).status_code == 404
    assert reader.get(path + "/pdf").status_code == 404


def test_a_mandate_code_for_a_space_closed_meanwhile_signs_nothing(app, login_as, person, ctx):
    from portal.lifecycle.models import SpaceClosure
    from portal.mail import latest_for
    from portal.proxies.models import Mandate
    amina = person("Amina")
    sophie = login_as("sophie")
    page = sophie.get("/mandats/nouveau")
    response = sophie.post("/mandats/nouveau", data={
        "csrf_token": csrf_from(page), "nir": amina.nir,
        "birth_date": amina.birth_date.strftime("%d/%m/%Y"), "tasks": ["agenda"],
        "duration": "1m", "present": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    mandate = Mandate.get(Mandate.patient == amina.id)
    code = re.search(r"confirmation : (\d{6})", latest_for("amina.diallo@example.org").body
                     ).group(1)
    SpaceClosure.create(person=amina, kind="closure")
    page = sophie.get(location)
    answer = sophie.post(location, data={"csrf_token": csrf_from(page), "code": code})
    assert Mandate.get_by_id(mandate.id).confirmed_at is None
    if answer.status_code == 303:
        answer = sophie.get(answer.headers["Location"])
    assert "Cet espace santé est fermé" in answer.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["feed", "code", "print"])
def test_one_rule_decides_for_every_kind(app, kind, person, ctx):
    """policy.token_holds is what each kind asks (the same answers for the same facts)."""
    from portal.lifecycle.models import SpaceClosure
    from portal.policy import ACCESS_MANAGE, AGENDA_FEED_MANAGE, SUMMARY_DOWNLOAD, token_holds
    action = {"feed": AGENDA_FEED_MANAGE, "code": ACCESS_MANAGE, "print": SUMMARY_DOWNLOAD}[kind]
    camille = account(CAMILLE)
    with app.test_request_context():
        assert token_holds(person("Camille").id, camille, action)
        assert not token_holds(person("Amina").id, camille, action)  # no relationship
        SpaceClosure.create(person=person("Camille"), kind="closure")
        assert not token_holds(person("Camille").id, camille, action)


def test_an_invitation_to_a_closed_space_cannot_be_accepted(app, login_as, person, ctx):
    from portal.accounts.models import utcnow
    from portal.lifecycle.models import SpaceClosure
    from portal.proxies.models import Delegation
    now = utcnow()
    invitation = Delegation.create(
        patient=person("Jean"), caregiver=person("Amina"), scopes="agenda",
        starts_on=now.date(), ends_on=now.date() + timedelta(days=60), sworn_at=now,
        invitation_expires_at=now + timedelta(days=7))
    SpaceClosure.create(person=person("Jean"), kind="closure")
    amina = login_as("amina")
    page = amina.get("/proches")
    response = amina.post(f"/proches/delegations/{invitation.id}/accepter",
                          data=hidden_fields(page))
    assert response.status_code in (302, 303)
    assert "Cet espace santé est fermé" in amina.get(response.headers["Location"]).get_data(
        as_text=True)
    assert Delegation.get_by_id(invitation.id).accepted_at is None
