"""The space's lifecycle through the real forms: closing one's space (what it changes is said
first; password asked again; nothing happens on a mistake), then no one reaches it, the login
says why, the proof is made by the worker and reachable through its private link (also
e-mailed) for a week; opposing the opening from an activation invitation, with its proof;
an operator reopening a space; and the journal."""
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pikepdf
from conftest import csrf_from, hidden_fields

CAMILLE = "camille.martin@example.org"
PASSWORD = "demo-carnet-2026"


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pdf"


def pdf_text(data, tmp_path, name="proof.pdf"):
    """The PDF's text, once its tagging is checked; a copy is kept in test-artifacts/pdf/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(data)
    path = tmp_path / "proof.pdf"
    path.write_bytes(data)
    with pikepdf.open(path) as document:
        assert "/StructTreeRoot" in document.Root and bool(document.Root.MarkInfo.Marked)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.split())


def close_camille(client, **changes):
    page = client.get("/parametres/fermer-mon-espace")
    assert page.status_code == 200
    data = {**hidden_fields(page), "reason": "Je préfère le papier.", "understood": "y",
            "password": PASSWORD, **changes}
    return client.post("/parametres/fermer-mon-espace", data=data)


def proof_path(response):
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return response.headers["Location"]


def test_the_page_says_what_closing_changes_and_who_she_can_no_longer_act_for(
        app, client, login_as, ctx):
    login_as(CAMILLE, client)
    assert 'href="/parametres/fermer-mon-espace"' in client.get("/parametres/").get_data(
        as_text=True)
    html = client.get("/parametres/fermer-mon-espace").get_data(as_text=True)
    assert "plus personne ne pourra consulter votre espace" in html
    assert "Lina Martin" in html and "Jean Dupont" in html  # whom she acts for today


def test_a_mistake_closes_nothing_and_keeps_what_was_typed(app, client, login_as, ctx, person):
    from portal.accounts.models import Account
    from portal.lifecycle.models import SpaceClosure
    login_as(CAMILLE, client)
    html = close_camille(client, password="pas le bon").get_data(as_text=True)
    assert "Le mot de passe est incorrect." in html and "<title>Erreur :" in html
    assert "Je préfère le papier." in html
    html = close_camille(client, understood="").get_data(as_text=True)
    assert "Cochez la case pour confirmer que vous avez compris." in html
    assert SpaceClosure.select().count() == 0
    assert Account.get(Account.email == CAMILLE).is_active
    assert client.get("/dossier/").status_code == 200


def test_closing_ends_every_access_and_gives_a_proof(app, client, login_as, ctx, person,
                                                      tmp_path):
    from portal.accounts.models import Account, UserSession
    from portal.audit import ActivityEvent
    from portal.mail import latest_for
    camille = person("Camille")
    other_device = login_as(CAMILLE)
    doctor = login_as("dr.benali@example.org")
    login_as(CAMILLE, client)
    path = proof_path(close_camille(client))
    assert re.fullmatch(r"/attestation/[\w-]{40,}", path)
    account = Account.get(Account.email == CAMILLE)
    assert not account.is_active
    assert UserSession.select().where(UserSession.account == account.id).count() == 0
    assert other_device.get("/dossier/").status_code == 302  # logged out everywhere
    # the professional no longer reaches her space
    page = doctor.get("/espaces")
    assert doctor.post(f"/espaces/{camille.id}",
                       data={"csrf_token": csrf_from(page)}).status_code == 404
    # the proof: ready (the worker ran), private link, tagged PDF
    html = client.get(path).get_data(as_text=True)
    assert "Votre attestation est prête." in html
    assert 'data-hx-trigger' not in re.search(r'<div id="etat-attestation"[^>]*>', html).group(0)
    pdf = client.get(path + "/pdf")
    assert pdf.mimetype == "application/pdf" and pdf.headers["Cache-Control"] == "no-store"
    text = pdf_text(pdf.data, tmp_path, "closure-proof.pdf")
    assert "Attestation de fermeture de l’espace santé" in text
    assert "Camille MARTIN" in text and "14 mai 1980" in text
    assert "Asthme" not in text and "Pollens" not in text  # no medical content
    mail = latest_for(CAMILLE)
    assert "Votre espace Carnet est fermé" in mail.subject and path in mail.body
    # the login says why, to whoever knows the password only
    page = client.get("/connexion")
    answer = client.post("/connexion", data={"csrf_token": csrf_from(page), "email": CAMILLE,
                                             "password": PASSWORD}).get_data(as_text=True)
    assert "Votre espace santé a été fermé le" in answer
    answer = client.post("/connexion", data={"csrf_token": csrf_from(page), "email": CAMILLE,
                                             "password": "autre chose"}).get_data(as_text=True)
    assert "Adresse e-mail ou mot de passe incorrect." in answer and "fermé" not in answer
    assert ActivityEvent.select().where(ActivityEvent.action == "space.closed",
                                        ActivityEvent.patient == camille.id).count() == 1


def test_only_the_holder_closes_and_a_wrong_token_is_a_404(app, client, login_as, ctx, person):
    login_as(CAMILLE, client)
    page = client.get("/espaces")
    client.post(f"/espaces/{person('Lina').id}", data={"csrf_token": csrf_from(page)})
    assert client.get("/parametres/fermer-mon-espace").status_code == 403
    assert app.test_client().get("/attestation/pas-un-jeton").status_code == 404
    assert login_as("sophie.bernard@example.org").get(
        "/parametres/fermer-mon-espace").status_code == 403


def test_the_proof_page_polls_until_ready_and_the_link_expires(app, client, login_as, ctx,
                                                               monkeypatch):
    import portal.lifecycle.service as service
    from portal.lifecycle.models import Proof
    from portal.lifecycle.tasks import purge_proofs, run_proof
    monkeypatch.setattr(service, "_render_later", lambda proof_id: None)  # the queue, not now
    login_as(CAMILLE, client)
    path = proof_path(close_camille(client))
    token = path.rsplit("/", 1)[1]
    html = client.get(path).get_data(as_text=True)
    assert "Votre attestation est en préparation" in html and "Actualiser la page" in html
    assert f'data-hx-get="{path}?etat=queued"' in html
    htmx = {"HX-Request": "true"}
    assert client.get(path + "?etat=queued", headers=htmx).status_code == 204
    assert client.get(path + "/pdf").status_code == 303
    proof = Proof.get()
    with app.app_context():
        assert run_proof(proof.id) is True
        assert run_proof(proof.id) is False  # once
    fragment = client.get(path + "?etat=queued", headers=htmx).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="etat-attestation">')
    with app.app_context():
        assert purge_proofs(Proof.get().expires_at + timedelta(seconds=1)) == 1
    assert "Ce lien a expiré" in client.get(f"/attestation/{token}").get_data(as_text=True)


def test_an_operator_reopens_a_closed_space(app, client, login_as, ctx, person):
    from portal.accounts.models import Account
    login_as(CAMILLE, client)
    close_camille(client)
    operator = login_as("operateur@example.org")
    page = operator.get("/operateur/espaces-fermes")
    html = page.get_data(as_text=True)
    assert "Camille Martin" in html and "Fermé par la personne" in html
    assert "Asthme" not in html
    closure_id = re.search(r"/operateur/espaces-fermes/(\d+)/rouvrir", html).group(1)
    url = f"/operateur/espaces-fermes/{closure_id}/rouvrir"
    page = operator.get(url)
    checked = {**hidden_fields(page), "identity_checked": "y", "identity_document": "cni"}
    confirm = operator.post(url, data=checked)
    assert "Confirmer la réouverture" in confirm.get_data(as_text=True)
    assert not Account.get(Account.email == CAMILLE).is_active  # not before the confirmation
    response = operator.post(url, data=hidden_fields(confirm) | checked | {"confirmed": "1"})
    assert response.status_code == 303
    assert Account.get(Account.email == CAMILLE).is_active
    again = login_as(CAMILLE)
    assert again.get("/dossier/").status_code == 200
    assert "Aucun espace fermé." in operator.get("/operateur/espaces-fermes").get_data(
        as_text=True)
    assert client.get("/operateur/espaces-fermes").status_code in (302, 403)


def test_opposing_from_the_invitation_closes_the_space_with_a_proof(app, ctx, person,
                                                                     tmp_path):
    from portal.accounts.invites import issue_invite
    from portal.accounts.models import ActivationInvite
    from portal.lifecycle.models import current_closure
    lina = person("Lina")
    with app.app_context():
        _invite, token = issue_invite(lina)
    client = app.test_client()
    client.get(f"/activation/{token}")
    assert 'href="/activation/opposition"' in client.get("/activation").get_data(as_text=True)
    page = client.get("/activation/opposition")
    form = {"csrf_token": csrf_from(page), "nir": lina.nir, "birth_date": "02/09/2015",
            "understood": "y"}
    html = client.post("/activation/opposition",
                       data=form | {"birth_date": "03/09/2015"}).get_data(as_text=True)
    assert "ne correspond pas à cette invitation" in html and current_closure(lina.id) is None
    path = proof_path(client.post("/activation/opposition", data=form))
    assert current_closure(lina.id).kind == "opposition"
    assert ActivationInvite.get(ActivationInvite.person == lina.id).used_at is not None
    client.get(f"/activation/{token}")
    assert client.get("/activation").status_code == 404  # the link no longer works
    text = pdf_text(client.get(path + "/pdf").data, tmp_path, "opposition-proof.pdf")
    assert "Attestation d’opposition à l’ouverture de l’espace santé" in text
    assert "Lina MARTIN" in text
    # her parent no longer reaches the space either
    parent = app.test_client()
    from conftest import latest_code  # noqa: F401  (login through the real forms below)
    page = parent.get("/connexion")
    parent.post("/connexion", data={"csrf_token": csrf_from(page), "email": CAMILLE,
                                    "password": PASSWORD})
    page = parent.get("/connexion/code")
    parent.post("/connexion/code", data={"csrf_token": csrf_from(page),
                                         "code": latest_code(app, CAMILLE)})
    page = parent.get("/espaces")
    assert parent.post(f"/espaces/{lina.id}",
                       data={"csrf_token": csrf_from(page)}).status_code == 404
