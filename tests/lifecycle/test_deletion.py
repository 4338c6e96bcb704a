"""A space's legal clock, on a moved clock: a closed space is deleted 10 years after its closing
(not a day before), or within 3 months when the person asks; reopening (identity checked,
confirmed, e-mailed) cancels it; a space past its deletion cannot be reopened; a legal
representative closes and reopens a minor's (or a protected adult's) space, a caregiver or a
mediator cannot; and the hostile cases (another person's closure, another child, a double
deletion, a deletion racing a reopening)."""
import re
from datetime import timedelta

import pytest
import time_machine
from conftest import hidden_fields, outbox

CAMILLE = "camille.martin@example.org"
JEAN = "jean.dupont@example.org"
PASSWORD = "demo-carnet-2026"


def close_own(client, **changes):
    page = client.get("/parametres/fermer-mon-espace")
    return client.post("/parametres/fermer-mon-espace", data={
        **hidden_fields(page), "understood": "y", "password": PASSWORD, **changes})


def closure_of(person_id):
    from portal.lifecycle.models import SpaceClosure
    return SpaceClosure.select().where(SpaceClosure.person == person_id).order_by(
        SpaceClosure.id.desc()).first()


def run_deletions(app, moment):
    """The hourly task's work, at `moment`."""
    from portal.lifecycle.deletion import delete_due_spaces
    with time_machine.travel(moment, tick=False):
        with app.app_context():
            return delete_due_spaces()


def operator_reopens(operator, closure_id, document="cni"):
    url = f"/operateur/espaces-fermes/{closure_id}/rouvrir"
    page = operator.get(url)
    checked = {**hidden_fields(page), "identity_checked": "y", "identity_document": document}
    confirm = operator.post(url, data=checked)
    assert "Confirmer la réouverture" in confirm.get_data(as_text=True)
    return operator.post(url, data=hidden_fields(confirm) | checked | {"confirmed": "1"})


def test_a_closed_space_is_kept_ten_years_then_deleted(app, ctx, person, login_as):
    from portal.accounts.models import Person
    from portal.lifecycle.models import SpaceTombstone
    jean = person("Jean")
    assert close_own(login_as(JEAN)).status_code == 303
    closure = closure_of(jean.id)
    closed = closure.closed_at
    assert closure.delete_after.year == closed.year + 10
    assert (closure.delete_after.month, closure.delete_after.day) == (closed.month, closed.day)
    assert run_deletions(app, closure.delete_after - timedelta(days=1)) == 0
    assert Person.get_or_none(Person.id == jean.id) is not None
    assert run_deletions(app, closure.delete_after + timedelta(minutes=1)) == 1
    assert Person.get_or_none(Person.id == jean.id) is None
    tombstone = SpaceTombstone.get(SpaceTombstone.closure_id == closure.id)
    assert tombstone.cause == "expiry" and tombstone.deletion_requested_at is None


def test_early_deletion_happens_within_three_months(app, ctx, person, login_as):
    from portal.accounts.models import Person
    from portal.proxies.models import add_months
    jean = person("Jean")
    assert close_own(login_as(JEAN), delete_early="y").status_code == 303
    closure = closure_of(jean.id)
    three_months = add_months(closure.deletion_requested_at, 3)
    assert closure.delete_after < three_months
    assert run_deletions(app, closure.delete_after - timedelta(days=1)) == 0
    assert run_deletions(app, three_months - timedelta(minutes=1)) == 1
    assert Person.get_or_none(Person.id == jean.id) is None


def test_the_proof_says_what_will_be_deleted_and_when(app, ctx, person, login_as, tmp_path):
    from test_lifecycle import pdf_text
    client = login_as(JEAN)
    answer = close_own(client, delete_early="y")
    path = answer.headers["Location"]
    text = pdf_text(client.get(path + "/pdf").data, tmp_path, "deletion-proof.pdf")
    closure = closure_of(person("Jean").id)
    assert "Attestation de fermeture et de demande de suppression de l’espace santé" in text
    assert "Jean DUPONT" in text and "Suppression demandée" in text
    day = closure.delete_after.day
    assert re.search(rf"au plus tard le {day} \w+ {closure.delete_after.year}", text)
    assert "les messages, les mesures" in text and "pièces jointes" in text
    assert f"C-{closure.id:06d}" in text
    mail = outbox(JEAN, "Votre espace Carnet est fermé")[-1]
    assert "seront supprimées définitivement le" in mail.body


def test_reopening_cancels_a_pending_deletion_and_restores_everything(app, ctx, person,
                                                                      login_as):
    from conftest import journal
    from portal.accounts.models import Account, Person
    from portal.documents.models import Document
    jean = person("Jean")
    documents = Document.select().where(Document.patient == jean.id).count()
    assert close_own(login_as(JEAN), delete_early="y").status_code == 303
    closure = closure_of(jean.id)
    with time_machine.travel(closure.delete_after - timedelta(days=2), tick=False):
        operator = login_as("operateur@example.org")
        assert operator_reopens(operator, closure.id, "passeport").status_code == 303
    assert run_deletions(app, closure.delete_after + timedelta(days=30)) == 0
    assert Person.get_or_none(Person.id == jean.id) is not None
    assert Account.get(Account.email == JEAN).is_active
    assert Document.select().where(Document.patient == jean.id).count() == documents
    assert login_as(JEAN).get("/dossier/").status_code == 200
    [reopened] = journal("space.reopened", patient=jean.id)
    assert reopened.detail == "identity=passeport" and reopened.actor.role == "operator"
    assert len(journal("space.deletion_cancelled", patient=jean.id)) == 1
    mail = outbox(JEAN, "Votre espace Carnet est rouvert")
    assert len(mail) == 1 and "suppression prévue de vos données est annulée" in mail[0].body


def test_the_operator_must_tick_the_identity_check_then_confirm(app, ctx, person, login_as):
    from portal.accounts.models import Account
    assert close_own(login_as(JEAN)).status_code == 303
    closure = closure_of(person("Jean").id)
    operator = login_as("operateur@example.org")
    url = f"/operateur/espaces-fermes/{closure.id}/rouvrir"
    page = operator.get(url)
    html = operator.post(url, data={**hidden_fields(page), "identity_document": "cni"}
                         ).get_data(as_text=True)
    assert "Cochez la case après avoir vérifié l’identité de la personne." in html
    html = operator.post(url, data={**hidden_fields(page), "identity_checked": "y"}
                         ).get_data(as_text=True)
    assert "Choisissez la pièce d’identité que la personne a présentée." in html
    # a forged "confirmed" without the check is refused the same way
    html = operator.post(url, data={**hidden_fields(page), "confirmed": "1"}
                         ).get_data(as_text=True)
    assert "Cochez la case" in html
    assert not Account.get(Account.email == JEAN).is_active
    assert login_as(CAMILLE).get(url).status_code == 403


def test_a_space_past_its_deletion_cannot_be_reopened(app, ctx, person, login_as):
    from portal.accounts.models import Account
    assert close_own(login_as(JEAN)).status_code == 303
    closure = closure_of(person("Jean").id)
    url = f"/operateur/espaces-fermes/{closure.id}/rouvrir"
    with time_machine.travel(closure.delete_after + timedelta(minutes=1), tick=False):
        operator = login_as("operateur@example.org")
        page = operator.get(url)
        assert page.status_code == 410
        assert "ne peut plus être rouvert" in page.get_data(as_text=True)
        listing = operator.get("/operateur/espaces-fermes")
        forced = operator.post(url, data={**hidden_fields(listing), "identity_checked": "y",
                                          "identity_document": "cni", "confirmed": "1"})
        assert forced.status_code == 410
    assert not Account.get(Account.email == JEAN).is_active
    run_deletions(app, closure.delete_after + timedelta(minutes=2))
    with time_machine.travel(closure.delete_after + timedelta(minutes=3), tick=False):
        operator = login_as("operateur@example.org")
        page = operator.get(url)
        assert page.status_code == 410
        html = page.get_data(as_text=True)
        assert "supprimé définitivement le" in html and f"C-{closure.id:06d}" in html
        assert operator.get("/operateur/espaces-fermes/999999/rouvrir").status_code == 404


def test_a_parent_closes_and_reopens_her_childs_space(app, ctx, person, login_as, tmp_path):
    from conftest import journal, open_space
    from test_lifecycle import pdf_text
    from portal.accounts.models import Account
    lina = person("Lina")
    camille = login_as(CAMILLE)
    html = camille.get("/proches").get_data(as_text=True)
    assert f'href="/proches/{lina.id}/fermer-son-espace"' in html
    url = f"/proches/{lina.id}/fermer-son-espace"
    page = camille.get(url)
    assert "Fermer l’espace santé de Lina Martin" in page.get_data(as_text=True)
    wrong = camille.post(url, data={**hidden_fields(page), "understood": "y",
                                    "password": "pas le bon", "reason": "Déménagement"})
    assert "Le mot de passe est incorrect." in wrong.get_data(as_text=True)
    assert "Déménagement" in wrong.get_data(as_text=True) and closure_of(lina.id) is None
    answer = camille.post(url, data={**hidden_fields(page), "understood": "y",
                                     "password": PASSWORD})
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/attestation/")
    proof = camille.get(answer.headers["Location"]).get_data(as_text=True)
    assert "L’espace santé de Lina Martin est fermé depuis le" in proof
    text = pdf_text(camille.get(answer.headers["Location"] + "/pdf").data, tmp_path,
                    "representative-closure-proof.pdf")
    assert "à la demande de son représentant légal, Camille Martin" in text
    closure = closure_of(lina.id)
    assert closure.closed_by.email == CAMILLE and closure.reopened_at is None
    [closed] = journal("space.closed", patient=lina.id)
    assert closed.actor.email == CAMILLE and closed.detail == "representative"
    assert open_space(camille, lina.id).status_code == 404  # closed to her too
    assert Account.get(Account.email == CAMILLE).is_active  # her own account goes on
    # she reopens it from Mes proches
    html = camille.get("/proches").get_data(as_text=True)
    assert "Espace fermé" in html
    url = f"/proches/{lina.id}/rouvrir-son-espace"
    page = camille.get(url)
    assert camille.post(url, data={**hidden_fields(page), "password": PASSWORD}
                        ).status_code == 303
    assert closure_of(lina.id).reopened_at is not None
    [reopened] = journal("space.reopened", patient=lina.id)
    assert reopened.actor.email == CAMILLE
    assert open_space(camille, lina.id).status_code == 302


def test_a_protected_adults_representative_may_a_parent_of_an_adult_may_not(app, ctx, person,
                                                                            login_as):
    from portal.proxies.models import Guardianship
    from portal.accounts.models import utcnow
    jean, lina = person("Jean"), person("Lina")
    camille_person = person("Camille")
    Guardianship.create(guardian=camille_person, ward=jean, kind="tutelle",
                        accepted_at=utcnow())
    camille = login_as(CAMILLE)
    assert camille.get(f"/proches/{jean.id}/fermer-son-espace").status_code == 200
    # Lina comes of age: her parent no longer represents her (before the daily job runs)
    with time_machine.travel(lina.birth_date.replace(year=lina.birth_date.year + 18)
                             + timedelta(days=1)):
        camille = login_as(CAMILLE)
        assert camille.get(f"/proches/{jean.id}/fermer-son-espace").status_code == 200
        assert camille.get(f"/proches/{lina.id}/fermer-son-espace").status_code == 404


def test_a_caregiver_a_mediator_and_another_childs_parent_cannot(app, ctx, person, login_as):
    jean, lina = person("Jean"), person("Lina")
    # Camille is Jean's caregiver (a delegation), not his representative
    camille = login_as(CAMILLE)
    assert camille.get(f"/proches/{jean.id}/fermer-son-espace").status_code == 404
    assert camille.get(f"/proches/{jean.id}/rouvrir-son-espace").status_code == 404
    page = camille.get(f"/proches/{lina.id}/fermer-son-espace")
    assert camille.post(f"/proches/{jean.id}/fermer-son-espace", data={
        **hidden_fields(page), "understood": "y", "password": PASSWORD}).status_code == 404
    assert closure_of(jean.id) is None
    # Jean represents no child: Lina's pages are a 404 for him
    assert login_as(JEAN).get(f"/proches/{lina.id}/fermer-son-espace").status_code == 404
    # a mediator, even with a mandate, and a professional: refused by the rule itself
    assert login_as("sophie.bernard@example.org").get(
        f"/proches/{jean.id}/fermer-son-espace").status_code == 403
    assert login_as("dr.benali@example.org").get(
        f"/proches/{lina.id}/fermer-son-espace").status_code == 403


def test_another_persons_closure_is_a_404(app, ctx, person, login_as):
    lina = person("Lina")
    camille = login_as(CAMILLE)
    page = camille.get(f"/proches/{lina.id}/fermer-son-espace")
    camille.post(f"/proches/{lina.id}/fermer-son-espace", data={
        **hidden_fields(page), "understood": "y", "password": PASSWORD})
    closure = closure_of(lina.id)
    # Jean cannot reach it by its id, through either page
    jean = login_as(JEAN)
    assert jean.get(f"/proches/{lina.id}/rouvrir-son-espace").status_code == 404
    assert jean.get(f"/operateur/espaces-fermes/{closure.id}/rouvrir").status_code == 403


@pytest.mark.db
def test_a_double_deletion_and_a_deletion_racing_a_reopening(app, ctx, person, login_as,
                                                             monkeypatch):
    from portal.accounts.models import Person
    from portal.lifecycle import deletion
    from portal.lifecycle.models import SpaceTombstone
    from portal.lifecycle.service import reopen
    jean, amina = person("Jean"), person("Amina")
    assert close_own(login_as(JEAN)).status_code == 303
    assert close_own(login_as("amina.diallo@example.org")).status_code == 303
    jean_closure, amina_closure = closure_of(jean.id), closure_of(amina.id)
    due = max(jean_closure.delete_after, amina_closure.delete_after) + timedelta(minutes=1)
    # Amina's space is reopened while the deletion is on its way (after its first look)
    import portal.audit.seal as seal
    real_seal_pending = seal.seal_pending

    def reopen_meanwhile(*args, **kwargs):
        from portal.accounts.models import Account
        if closure_of(amina.id).reopened_at is None:
            with time_machine.travel(amina_closure.delete_after - timedelta(days=1),
                                     tick=False):
                reopen(amina_closure, Account.get(Account.email == "operateur@example.org"),
                       identity="cni")
        return real_seal_pending(*args, **kwargs)
    monkeypatch.setattr(seal, "seal_pending", reopen_meanwhile)
    with time_machine.travel(due, tick=False):
        with app.app_context():
            assert deletion.delete_space(amina_closure.id) is None
            first = deletion.delete_space(jean_closure.id)
            assert first is not None
            assert deletion.delete_space(jean_closure.id) is None  # twice: nothing more
    assert Person.get_or_none(Person.id == amina.id) is not None
    assert closure_of(amina.id).reopened_at is not None
    assert Person.get_or_none(Person.id == jean.id) is None
    assert SpaceTombstone.select().count() == 1


@pytest.mark.db
def test_the_journal_refuses_any_other_change_of_an_entry(app, ctx, person):
    from peewee import DatabaseError
    from portal.audit import ActivityEvent, record
    from portal.audit.seal import seal_pending
    from portal.extensions import db
    jean = person("Jean")
    with app.app_context():
        record("test.entry", patient=jean, detail="avant")
        entry = ActivityEvent.select().order_by(ActivityEvent.id.desc()).first()
        with pytest.raises(DatabaseError):  # unsealed: it cannot be erased
            with db.atomic():
                ActivityEvent.update(erased_at=entry.at, detail="").where(
                    ActivityEvent.id == entry.id).execute()
        seal_pending()
        with pytest.raises(DatabaseError):  # sealed: rewriting it is refused
            with db.atomic():
                ActivityEvent.update(detail="après").where(
                    ActivityEvent.id == entry.id).execute()
        with pytest.raises(DatabaseError):  # erasing cannot change its hash
            with db.atomic():
                ActivityEvent.update(erased_at=entry.at, detail="", entry_hash="0" * 64).where(
                    ActivityEvent.id == entry.id).execute()
        with pytest.raises(DatabaseError):
            with db.atomic():
                ActivityEvent.delete().where(ActivityEvent.id == entry.id).execute()
        ActivityEvent.update(erased_at=entry.at, detail="", patient=None).where(
            ActivityEvent.id == entry.id).execute()
        assert ActivityEvent.get_by_id(entry.id).detail == ""


@pytest.mark.db
def test_deleting_a_parent_keeps_what_she_wrote_in_her_childs_space(app, ctx, person,
                                                                     login_as):
    from conftest import open_space
    from helpers import tiny_pdf
    from portal.accounts.models import Account, Person
    from portal.audit import ActivityEvent
    from portal.audit.seal import seal_pending
    from portal.audit.verify import verify
    from portal.documents.models import Document
    from portal.documents.store import store_document
    from portal.lifecycle.deletion import PLACEHOLDER_EMAIL
    from portal.proxies.models import Delegation, Guardianship
    lina, jean = person("Lina"), person("Jean")
    camille_account = Account.get(Account.email == CAMILLE)
    camille = login_as(CAMILLE)
    assert open_space(camille, lina.id).status_code == 302  # journaled: actor Camille, Lina
    with app.app_context():
        document = store_document(lina, camille_account, tiny_pdf("Carnet de vaccination"),
                                  filename="vaccins.pdf", title="Carnet de vaccination",
                                  category="autres", document_date=lina.birth_date)
    lina_entries = ActivityEvent.select().where(ActivityEvent.patient == lina.id).count()
    assert close_own(login_as(CAMILLE)).status_code == 303
    closure = closure_of(camille_account.person_id)
    assert run_deletions(app, closure.delete_after + timedelta(minutes=1)) == 1
    assert Person.get_or_none(Person.id == camille_account.person_id) is None
    kept = Document.get_by_id(document.id)  # Lina's record is hers
    assert kept.patient_id == lina.id and kept.author.email == PLACEHOLDER_EMAIL
    assert not Guardianship.select().where(Guardianship.ward == lina.id).exists()
    assert not Delegation.select().where(Delegation.patient == jean.id,
                                         Delegation.caregiver == camille_account.person_id
                                         ).exists()
    # Lina's journal keeps its length; what Camille did there is erased, the chain verifies
    assert ActivityEvent.select().where(ActivityEvent.patient == lina.id).count() == lina_entries
    assert ActivityEvent.select().where(ActivityEvent.patient == lina.id,
                                        ActivityEvent.object_type == "erased:actor").exists()
    with app.app_context():
        with time_machine.travel(closure.delete_after + timedelta(minutes=2), tick=False):
            from portal.audit import record
            record("test.after", patient=lina)  # her chain goes on after the erased entries
            seal_pending()
            report = verify(full=True)
    assert report.intact, (report.problem, report.broken_seal, report.broken_entry)
