"""The journal is complete: every response that shows health data leaves an entry, a write and
its entry commit together (or not at all), and failed identity lookups are journaled.

The walk below does not list pages by hand: it takes every GET endpoint of `app.url_map` whose
policy rule opens a record's content (a health scope, or a rule marked as reading health data),
reaches each one by following the links of the pages an actor with access is shown (the
patient, their doctor, an emergency doctor), and calls it as a page and as an htmx fragment.
An endpoint it cannot reach fails the test, so a new page of the record is walked too.
"""
import io
import re

import pytest
from conftest import csrf_from, hidden_fields
from helpers import set_up

from portal.documents.demo import sample_dicom

# The scopes that open a part of someone's record (not: proxies, account_settings).
HEALTH_SCOPES = frozenset({"dossier_read", "dossier_write", "dossier_deposit", "dossier_manage",
                           "messaging", "messaging_read", "agenda", "summaries", "emergency",
                           "entourage"})
LINK_RE = re.compile(r'(?:href|src|data-hx-get|action)="(/[^"#]*)"')
PER_ENDPOINT = 2  # distinct addresses called per endpoint and actor


def health_endpoints(app):
    """{endpoint: action} for every GET endpoint whose rule shows a record's content."""
    from portal.policy import RULES
    found = {}
    for rule in app.url_map.iter_rules():
        action = getattr(app.view_functions[rule.endpoint], "_policy_action", None)
        if "GET" not in rule.methods or action not in RULES:
            continue
        policy_rule = RULES[action]
        if policy_rule.health_data or policy_rule.scopes & HEALTH_SCOPES:
            found[rule.endpoint] = action
    return found


def last_event_id():
    from portal.audit import ActivityEvent
    last = ActivityEvent.select().order_by(ActivityEvent.id.desc()).first()
    return last.id if last else 0


def entries_since(event_id, actor_id):
    from portal.audit import ActivityEvent
    return list(ActivityEvent.select().where(ActivityEvent.id > event_id,
                                             ActivityEvent.actor == actor_id))


def prepare_jean(client, person):
    """Give Jean's record what some pages need: his own DICOM upload (report, delete, preview),
    a printed card (print job page), a person to contact, a data export (its download)."""
    from portal.entourage.models import Contact
    page = client.get("/dossier/documents/ajouter")
    response = client.post("/dossier/documents/ajouter", data={
        **hidden_fields(page), "title": "Scanner du genou", "document_date": "2026-01-05",
        "category": "autres", "fichier": (io.BytesIO(sample_dicom(size=16)), "genou.dcm")},
        content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    uploaded = response.headers["Location"]
    page = client.get("/imprimer/")
    response = client.post("/imprimer/carte", data={**hidden_fields(page), "carte-language": "fr"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:1000]
    if not Contact.select().where(Contact.patient == person("Jean").id).exists():
        page = client.get("/entourage/personnes/ajouter/a-prevenir")
        client.post("/entourage/personnes/ajouter/a-prevenir", data={
            **hidden_fields(page), "name": "Marie Dupont", "relationship": "Fille",
            "phone": "06 12 34 56 78"})
    # A data export, built at once (the worker is immediate in tests): its download.
    from portal.export.models import ExportJob
    page = client.get("/mes-donnees/")
    assert client.post("/mes-donnees/demander", data=hidden_fields(page)).status_code == 303
    export = ExportJob.select().where(ExportJob.patient == person("Jean").id).order_by(
        ExportJob.id.desc()).first()
    return [uploaded, f"/mes-donnees/{export.id}/fichier"]


def walk(app, client, account_id, wanted, reached, silent, start=()):
    """Follow links from the record's pages; call each health endpoint's addresses (page and
    htmx fragment) and note those that answer 2xx with no new journal entry by the actor."""
    adapter = app.url_map.bind("localhost")
    seen, queue = set(), [*start, "/dossier/", "/messagerie/", "/messagerie/pro/", "/agenda/",
                          "/agenda/prevention", "/entourage", "/imprimer/", "/urgence/synthese",
                          "/dossier/profil/", "/dossier/mesures/", "/dossier/documents/",
                          "/dossier/ordonnances/", "/messagerie/corbeille",
                          "/messagerie/pro/corbeille"]
    queue += [rule.rule for rule in app.url_map.iter_rules()
              if rule.endpoint in wanted and not rule.arguments]
    per_endpoint = {}
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            endpoint, _args = adapter.match(url.split("?")[0], method="GET")
        except Exception:
            continue
        if endpoint not in wanted or per_endpoint.get(endpoint, 0) >= PER_ENDPOINT:
            continue
        for headers in ({}, {"HX-Request": "true"}):
            before = last_event_id()
            response = client.get(url, headers=headers)
            if not 200 <= response.status_code < 300 or response.status_code == 204:
                continue
            if headers == {}:
                per_endpoint[endpoint] = per_endpoint.get(endpoint, 0) + 1
                reached.add(endpoint)
            walk.calls = getattr(walk, "calls", 0) + 1
            if not entries_since(before, account_id):
                silent.add((endpoint, url, "htmx" if headers else "page"))
            if response.mimetype == "text/html" and not headers:
                queue.extend(m for m in LINK_RE.findall(response.get_data(as_text=True))
                             if m not in seen)


def test_every_response_that_shows_health_data_leaves_a_journal_entry(ctx, login_as, person):
    from portal.accounts.models import Account
    wanted = health_endpoints(ctx)
    reached, silent = set(), set()
    jean = login_as("jean")
    start = prepare_jean(jean, person)
    walk(ctx, jean, Account.get(Account.email == "jean.dupont@example.org").id, wanted,
         reached, silent, start)
    for key, email in (("grant:treating_doctor", "dr.benali@example.org"),
                       ("emergency", "dr.lefevre@example.org")):
        client, _owner = set_up(key, person, login_as)
        walk(ctx, client, Account.get(Account.email == email).id, wanted, reached, silent)
    assert not silent, "responses showing health data with no journal entry: " + \
        ", ".join(sorted(f"{e} {u} ({how})" for e, u, how in silent))
    unreached = set(wanted) - reached
    assert not unreached, f"the walk reached no address of: {sorted(unreached)}"
    print(f"{len(wanted)} endpoints, {getattr(walk, 'calls', 0)} responses checked")


@pytest.mark.db
def test_a_write_and_its_journal_entry_commit_together(ctx, login_as, person, monkeypatch):
    """A crash between the write and its entry (here: the journal write fails) leaves neither:
    before, the measure and the message were committed on their own."""
    from portal import audit
    from portal.accounts.models import Account
    from portal.measures.models import Measure
    from portal.messaging.models import Message
    jean = login_as("jean")
    measures, messages = Measure.select().count(), Message.select().count()
    measure_page = jean.get("/dossier/mesures/poids/")
    write_page = jean.get("/messagerie/ecrire")
    real = audit.record

    def crash(action, **kwargs):
        if action.startswith(("measures.", "messaging.")) and kwargs.get("outcome", "ok") == "ok":
            raise RuntimeError("the process died here")
        return real(action, **kwargs)

    monkeypatch.setattr(audit, "record", crash)
    ctx.config["PROPAGATE_EXCEPTIONS"] = False
    response = jean.post("/dossier/mesures/poids/ajouter", data={
        **hidden_fields(measure_page), "value": "72,5", "day": "2026-11-20", "at": "08:00"})
    assert response.status_code == 500
    assert Measure.select().count() == measures
    benali = Account.get(Account.email == "dr.benali@example.org")
    response = jean.post("/messagerie/ecrire", data={
        **hidden_fields(write_page), "action": "envoyer", "professional": str(benali.id),
        "subject": "Question", "body": "Ma tension reste haute"})
    assert response.status_code == 500
    assert Message.select().count() == messages


def test_a_failed_identity_lookup_is_journaled(ctx, login_as):
    """Someone searching for a person by NIR and birth date, and finding no one, is traced."""
    from portal.accounts.models import Account
    from portal.accounts.nir import with_key
    from portal.audit import ActivityEvent
    client = login_as("lefevre")
    page = client.get("/urgence/")
    before = last_event_id()
    response = client.post("/urgence/", data={
        "csrf_token": csrf_from(page), "nir": with_key("1800175123456"), "confirm": "y",
        "birth_date": "01/01/1980", "reason": "Malaise sur la voie publique, inconscient"})
    assert "Aucun dossier ne correspond" in response.get_data(as_text=True)
    assert response.status_code == 200
    entries = [e for e in ActivityEvent.select().where(ActivityEvent.id > before)
               if e.outcome != "ok"]
    assert entries, "a failed identity lookup left no journal entry"
    assert entries[0].actor_id == Account.get(Account.email == "dr.lefevre@example.org").id
    assert entries[0].patient_id is None
    assert "1800175" not in entries[0].detail.replace(" ", "")


@pytest.mark.db
def test_denials_are_kept_when_the_action_rolls_back(ctx, login_as, person):
    """A refusal decided by the rule (here: a caregiver who may read Jean's record but not
    write it) is journaled although the request's transaction rolls back."""
    from portal.audit import ActivityEvent
    from portal.proxies.models import Delegation
    Delegation.update(scopes="dossier_read").execute()
    camille, jean = set_up("deleg:dossier_read", person, login_as)
    page = camille.get("/dossier/mesures/poids/")
    before = last_event_id()
    response = camille.post("/dossier/mesures/poids/ajouter", data={
        **hidden_fields(page), "_space": str(jean.id), "value": "70", "day": "2026-11-20",
        "at": "08:00"})
    assert response.status_code == 403
    denied = list(ActivityEvent.select().where(ActivityEvent.id > before))
    assert [(e.action, e.outcome, e.patient_id) for e in denied] == [
        ("measures.edit", "denied", jean.id)]
