"""Legal representatives: a parent in their child's space (and what stays hidden from them),
the second parent's invitation, and the operator's attachment of a protected adult's
representative."""
import io
import re
from datetime import date

import pytest
from conftest import csrf_from, hidden_fields, journal, open_space, outbox

from portal.seed import DEMO_PASSWORD

HIDDEN_TITLE = "Compte rendu – consultation confidentielle"
VISIBLE_TITLES = ("Certificat médical – pratique de la natation",
                  "Carnet de vaccination – pages scannées")
SAME_ANSWER = ("Aucune personne ne correspond à ce numéro de sécurité sociale et à cette date "
               "de naissance. Vérifiez-les.")
THOMAS_EMAIL = "thomas.martin@example.org"


def nir(first13):
    from portal.accounts.nir import with_key
    return with_key(first13)


def spaced(value):
    """A NIR as people type it, with spaces."""
    return " ".join((value[0], value[1:3], value[3:5], value[5:7], value[7:10], value[10:13],
                     value[13:]))


def is_checked(html, input_id):
    tag = re.search(r'<input[^>]*\bid="%s"[^>]*>' % re.escape(input_id), html).group(0)
    return re.search(r"\schecked[\s>]", tag) is not None


@pytest.fixture
def thomas(ctx):
    """Lina's father: an adult with an active patient account (not in the demo)."""
    from portal.accounts.models import Account, Person
    from portal.accounts.passwords import hash_password
    person = Person.create(nir=nir("1780519272055"), family_name="Martin", given_names="Thomas",
                           birth_date=date(1978, 5, 3), sex="M",
                           email=THOMAS_EMAIL)
    Account.create(person=person, email=THOMAS_EMAIL, password_hash=hash_password(DEMO_PASSWORD))
    return person


@pytest.fixture
def camille_for_lina(login_as, person):
    client = login_as("camille")
    assert open_space(client, person("Lina").id).status_code == 302
    return client


def invite_form(**values):
    data = {"nir": spaced(nir("1780519272055")), "birth_date": "03/05/1978",
            "relationship": "pere", "statement": "y"}
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def post_invite(client, **values):
    page = client.get("/proches/representants/inviter")
    assert page.status_code == 200, page.status_code
    return client.post("/proches/representants/inviter",
                       data=hidden_fields(page) | invite_form(**values))


# --- the parent in the child's space ---------------------------------------------------------

def test_parent_opens_the_childs_space_from_mes_proches(login_as, person):
    client = login_as("camille")
    page = client.get("/proches").get_data(as_text=True)
    lina = person("Lina")
    received = page.split("Pour qui j’agis")[1]
    assert "Lina Martin" in received and "Vous êtes son représentant légal." in received
    assert f'action="/espaces/{lina.id}"' in received
    assert "Ouvrir l’espace de Lina Martin" in received
    response = client.post(f"/espaces/{lina.id}", data=hidden_fields(client.get("/proches")))
    assert response.status_code == 302
    page = client.get("/proches").get_data(as_text=True)
    assert "<h1>Proches de Lina Martin</h1>" in page
    given = page.split("Qui peut agir dans cet espace")[1]
    assert "Camille Martin" in given and "Représentant légal (parent)" in given
    assert "Pour qui j’agis" not in page


def test_parent_sees_every_document_but_those_hidden_from_legal_representatives(
        camille_for_lina, login_as, person, ctx):
    from portal.documents.models import Document
    lina = person("Lina")
    hidden = Document.get(Document.patient == lina.id, Document.title == HIDDEN_TITLE)
    assert hidden.hidden_from_guardians
    listing = camille_for_lina.get("/dossier/documents/").get_data(as_text=True)
    for title in VISIBLE_TITLES:
        assert title in listing
    assert HIDDEN_TITLE not in listing
    for document in list(Document.select().where(Document.patient == lina.id)):
        expected = 404 if document.id == hidden.id else 200
        assert camille_for_lina.get(f"/dossier/documents/{document.id}").status_code == expected
    for suffix in ("", "/fichier", "/telecharger", "/apercu"):
        assert camille_for_lina.get(f"/dossier/documents/{hidden.id}{suffix}").status_code == 404
    assert HIDDEN_TITLE not in camille_for_lina.get("/dossier/").get_data(as_text=True)
    # The treating doctor does see it: the document is there, hidden from the parent only.
    doctor = login_as("benali")
    open_space(doctor, lina.id)
    assert HIDDEN_TITLE in doctor.get("/dossier/documents/").get_data(as_text=True)
    assert doctor.get(f"/dossier/documents/{hidden.id}").status_code == 200


# --- inviting the second parent -----------------------------------------------------------------

def test_the_managing_parent_is_offered_the_invitation(camille_for_lina, thomas):
    page = camille_for_lina.get("/proches").get_data(as_text=True)
    assert 'href="/proches/representants/inviter"' in page
    form = camille_for_lina.get("/proches/representants/inviter").get_data(as_text=True)
    assert "<h1>Inviter le second représentant légal de Lina Martin</h1>" in form
    assert 'name="_space"' in form


@pytest.mark.parametrize("values, message", [
    ({"nir": spaced(nir("1780519272066"))}, SAME_ANSWER),              # nobody has this NIR
    ({"birth_date": "04/05/1978"}, SAME_ANSWER),                          # wrong birth date
    ({"nir": "1 78 05 19 272 055 00"}, "n’est pas valide : vérifiez les 15 chiffres"),
    ({"birth_date": "31/02/1978"}, "Cette date n’existe pas"),
    ({"relationship": None}, "Indiquez qui est cette personne pour l’enfant."),
    ({"statement": None}, "Cochez la case pour confirmer"),
])
def test_invitation_errors_keep_what_was_typed(camille_for_lina, thomas, ctx, values, message):
    from portal.proxies.models import Guardianship
    before = Guardianship.select().count()
    response = post_invite(camille_for_lina, **values)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in text
    assert "<title>Erreur :" in text
    typed = invite_form(**values)
    assert f'value="{typed["nir"]}"' in text
    if typed["birth_date"] != "31/02/1978":
        assert 'value="1978-05-0' in text
    else:
        assert 'value="31/02/1978"' in text
    if "relationship" in typed:
        assert is_checked(text, "relationship-1")
    if "statement" in typed:
        assert is_checked(text, "statement")
    assert Guardianship.select().count() == before
    assert outbox(THOMAS_EMAIL) == []


def test_unknown_and_mismatch_get_the_same_answer(camille_for_lina, thomas):
    unknown = post_invite(camille_for_lina, nir=spaced(nir("1780519272066")))
    mismatch = post_invite(camille_for_lina, birth_date="04/05/1978")

    def summary(response):
        return re.search(r'class="error-summary".*?</div>', response.get_data(as_text=True),
                         re.S).group(0)
    assert summary(unknown) == summary(mismatch)


def test_the_invitee_must_be_an_adult_with_an_account_not_already_representing(
        camille_for_lina, person, ctx):
    from portal.accounts.models import Person
    from portal.proxies.models import Guardianship
    lina, camille = person("Lina"), person("Camille")
    Person.create(nir=nir("1750619272077"), family_name="Roux", given_names="Marc",
                  birth_date=date(1975, 6, 1), sex="M")
    cases = [
        (lina.nir, "02/09/2015", "Un représentant légal doit être majeur"),
        (nir("1750619272077"), "01/06/1975", "n’a pas de compte Carnet actif"),
        (camille.nir, "14/05/1980", "Cette personne est déjà représentant légal de Lina Martin."),
    ]
    for value, born, message in cases:
        response = post_invite(camille_for_lina, nir=value, birth_date=born)
        text = response.get_data(as_text=True)
        assert response.status_code == 200 and message in text, message
        assert f'value="{value}"' in text
    assert Guardianship.select().where(Guardianship.ward == lina.id).count() == 1


def test_invite_then_accept_opens_the_childs_space(app, camille_for_lina, thomas, login_as,
                                                   person, ctx):
    from portal.proxies.models import Guardianship
    lina = person("Lina")
    response = post_invite(camille_for_lina)
    assert response.status_code == 303
    assert "L’invitation a été envoyée" in camille_for_lina.get("/proches").get_data(as_text=True)
    invitation = Guardianship.get(Guardianship.guardian == thomas.id)
    assert invitation.accepted_at is None and invitation.kind == "parent"
    assert invitation.invited_by_id == person("Camille").id
    lasts = invitation.invitation_expires_at - invitation.created_at
    assert abs(lasts.total_seconds() - 14 * 86400) < 60
    [message] = outbox(THOMAS_EMAIL)
    assert "Camille Martin" in message.body and "Lina Martin" in message.body
    assert "Mes proches" in message.body
    for title in VISIBLE_TITLES + (HIDDEN_TITLE,):
        assert title not in message.body
    [event] = journal("guardianship.invited")
    assert event.patient_id == lina.id and "relationship=pere" in event.detail
    # Camille sees it waiting, with a way to cancel it; no third invitation is offered.
    page = camille_for_lina.get("/proches").get_data(as_text=True)
    assert "Thomas Martin" in page and "Invitation en attente" in page
    assert f"/proches/representants/{invitation.id}/annuler" in page

    father = login_as(THOMAS_EMAIL)
    assert open_space(father, lina.id).status_code == 404  # not before accepting
    page = father.get("/proches")
    text = page.get_data(as_text=True)
    assert "Camille Martin vous invite à devenir représentant légal de Lina Martin." in text
    response = father.post(f"/proches/representants/{invitation.id}/accepter",
                           data=hidden_fields(page))
    assert response.status_code == 303
    page = father.get("/proches").get_data(as_text=True)
    assert "Vous êtes maintenant représentant légal de Lina Martin." in page
    assert "Ouvrir l’espace de Lina Martin" in page
    assert Guardianship.get_by_id(invitation.id).accepted_at is not None
    assert journal("guardianship.accepted")[-1].patient_id == lina.id
    assert "a accepté votre invitation" in outbox("camille.martin@example.org")[-1].body
    assert open_space(father, lina.id).status_code == 302
    listing = father.get("/dossier/documents/").get_data(as_text=True)
    assert VISIBLE_TITLES[0] in listing and HIDDEN_TITLE not in listing


def test_at_most_two_parents(camille_for_lina, thomas, ctx, person):
    from portal.accounts.models import Account, Person
    from portal.proxies.models import Guardianship
    other = Person.create(nir=nir("2790719272088"), family_name="Petit", given_names="Julie",
                          birth_date=date(1979, 7, 8), sex="F")
    Account.create(person=other, email="julie.petit@example.org", password_hash="x")
    stale_form = hidden_fields(camille_for_lina.get("/proches/representants/inviter"))
    assert post_invite(camille_for_lina).status_code == 303  # Thomas: two with Camille
    page = camille_for_lina.get("/proches").get_data(as_text=True)
    assert 'href="/proches/representants/inviter"' not in page
    response = camille_for_lina.get("/proches/representants/inviter")
    assert response.status_code == 302
    assert "a déjà deux représentants légaux" in camille_for_lina.get("/proches").get_data(
        as_text=True)
    # A form opened before the limit was reached cannot add a third one.
    third = invite_form(nir=nir("2790719272088"), birth_date="08/07/1979", relationship="autre")
    response = camille_for_lina.post("/proches/representants/inviter", data=stale_form | third)
    assert response.status_code == 302
    assert Guardianship.select().where(Guardianship.ward == person("Lina").id).count() == 2
    assert outbox("julie.petit@example.org") == []


def test_the_invitee_declines(camille_for_lina, thomas, login_as, ctx):
    from portal.proxies.models import ENDED_DECLINED, Guardianship
    post_invite(camille_for_lina)
    invitation = Guardianship.get(Guardianship.guardian == thomas.id)
    father = login_as(THOMAS_EMAIL)
    page = father.get("/proches")
    response = father.post(f"/proches/representants/{invitation.id}/refuser",
                           data=hidden_fields(page))
    assert response.status_code == 303
    invitation = Guardianship.get_by_id(invitation.id)
    assert invitation.ended_at is not None and invitation.ended_reason == ENDED_DECLINED
    assert invitation.accepted_at is None
    assert "a refusé votre invitation" in outbox("camille.martin@example.org")[-1].body
    assert "Lina Martin" not in father.get("/proches").get_data(as_text=True)
    assert journal("guardianship.declined")[-1].patient_id == invitation.ward_id
    # Declined, it frees the place: Camille may invite again.
    assert 'href="/proches/representants/inviter"' in camille_for_lina.get(
        "/proches").get_data(as_text=True)


def test_the_managing_parent_cancels_a_pending_invitation(camille_for_lina, thomas, login_as,
                                                          ctx):
    from portal.proxies.models import Guardianship
    post_invite(camille_for_lina)
    invitation = Guardianship.get(Guardianship.guardian == thomas.id)
    father = login_as(THOMAS_EMAIL)
    stale_page = father.get("/proches")
    page = camille_for_lina.get("/proches")
    response = camille_for_lina.post(f"/proches/representants/{invitation.id}/annuler",
                                     data=hidden_fields(page))
    assert response.status_code == 303
    assert "L’invitation de Thomas Martin est annulée." in camille_for_lina.get(
        "/proches").get_data(as_text=True)
    assert Guardianship.get_by_id(invitation.id).ended_at is not None
    assert "a été annulée" in outbox(THOMAS_EMAIL)[-1].body
    assert journal("guardianship.invitation_cancelled")[-1].patient_id == invitation.ward_id
    response = father.post(f"/proches/representants/{invitation.id}/accepter",
                           data=hidden_fields(stale_page))
    assert response.status_code == 404
    assert Guardianship.get_by_id(invitation.id).accepted_at is None


def test_an_expired_invitation_cannot_be_accepted(camille_for_lina, thomas, login_as, ctx):
    from datetime import timedelta

    from portal.accounts.models import utcnow
    from portal.proxies.models import Guardianship
    post_invite(camille_for_lina)
    invitation = Guardianship.get(Guardianship.guardian == thomas.id)
    father = login_as(THOMAS_EMAIL)
    page = father.get("/proches")
    Guardianship.update(invitation_expires_at=utcnow() - timedelta(minutes=1)).execute()
    response = father.post(f"/proches/representants/{invitation.id}/accepter",
                           data=hidden_fields(page))
    assert response.status_code == 303
    text = father.get("/proches").get_data(as_text=True)
    assert "Cette invitation a expiré le" in text and "Demandez à Camille Martin" in text
    assert Guardianship.get_by_id(invitation.id).accepted_at is None
    # The daily task ends it; it no longer counts in the limit of two.
    from portal.proxies.guardians import expire_invitations
    with father.application.app_context():
        assert expire_invitations() == 1
        assert expire_invitations() == 0
    assert 'href="/proches/representants/inviter"' in camille_for_lina.get(
        "/proches").get_data(as_text=True)


def test_another_persons_invitation_is_a_404(camille_for_lina, thomas, login_as, ctx, person):
    from portal.proxies.models import Guardianship
    post_invite(camille_for_lina)
    invitation = Guardianship.get(Guardianship.guardian == thomas.id)
    stranger = login_as("amina")
    data = {"csrf_token": csrf_from(stranger.get("/proches")), "_space": person("Amina").id}
    for verb in ("accepter", "refuser", "annuler"):
        response = stranger.post(f"/proches/representants/{invitation.id}/{verb}", data=data)
        assert response.status_code == 404, verb
    # Camille's own space does not hold this invitation either (it is addressed to Thomas).
    own = login_as("camille")
    data = hidden_fields(own.get("/proches"))
    assert own.post(f"/proches/representants/{invitation.id}/accepter",
                    data=data).status_code == 404
    assert Guardianship.get_by_id(invitation.id).accepted_at is None
    assert Guardianship.get_by_id(invitation.id).ended_at is None


def test_csrf_and_open_space_are_required(camille_for_lina, thomas, login_as, ctx, person):
    from portal.proxies.models import Guardianship
    data = hidden_fields(camille_for_lina.get("/proches/representants/inviter"))
    no_space = {k: v for k, v in data.items() if k != "_space"}
    assert camille_for_lina.post("/proches/representants/inviter",
                                 data=no_space | invite_form()).status_code == 409
    no_csrf = {k: v for k, v in data.items() if k != "csrf_token"}
    assert camille_for_lina.post("/proches/representants/inviter",
                                 data=no_csrf | invite_form()).status_code == 400
    assert not Guardianship.select().where(Guardianship.guardian == thomas.id).exists()
    post_invite(camille_for_lina)
    invitation = Guardianship.get(Guardianship.guardian == thomas.id)
    father = login_as(THOMAS_EMAIL)
    data = hidden_fields(father.get("/proches"))
    url = f"/proches/representants/{invitation.id}/accepter"
    assert father.post(url, data={"_space": data["_space"]}).status_code == 400
    assert father.post(url, data={"csrf_token": data["csrf_token"]}).status_code == 409
    assert father.post(url, data=data | {"_space": str(person("Lina").id)}).status_code == 409
    assert Guardianship.get_by_id(invitation.id).accepted_at is None


def test_only_a_parent_in_a_minors_space_may_invite(login_as, person, ctx, thomas):
    from portal.accounts.models import utcnow
    from portal.proxies.models import Guardianship
    own = login_as("camille")
    assert own.get("/proches/representants/inviter").status_code == 403
    assert 'href="/proches/representants/inviter"' not in own.get("/proches").get_data(
        as_text=True)
    # A protected adult's guardian does not invite anyone.
    Guardianship.create(guardian=thomas, ward=person("Jean"), kind="tutelle",
                        accepted_at=utcnow())
    guardian = login_as(THOMAS_EMAIL)
    assert open_space(guardian, person("Jean").id).status_code == 302
    assert guardian.get("/proches").status_code == 200
    assert guardian.get("/proches/representants/inviter").status_code == 403


# --- the operator attaches a protected adult's representative ---------------------------------

def pdf_bytes():
    from weasyprint import HTML
    return HTML(string="<h1>Jugement</h1><p>Tutelle.</p>").write_pdf()


def attach_form(**values):
    data = {"nir": spaced(nir("1440219031012")), "birth_date": "11/02/1944",
            "guardian_nir": spaced(nir("2921175112078")), "guardian_birth_date": "30/11/1992",
            "measure": "tutelle", "decision_date": "12/03/2024",
            "decision_reference": "RG 24/01234"}
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def post_attach(client, content=None, filename="jugement.pdf", **values):
    page = client.get("/operateur/tutelles/rattacher")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page)} | attach_form(**values)
    if content is not None:
        data["fichier"] = (io.BytesIO(content), filename)
    return client.post("/operateur/tutelles/rattacher", data=data,
                       content_type="multipart/form-data")


@pytest.mark.parametrize("content, message", [
    (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "Ce fichier PDF est endommagé ou incomplet"),
    (b"\xff\xd8\xff\xe0 cut JPEG", "Cette image est endommagée ou incomplète"),
    (b"", "Le fichier est vide (0 octet)."),
    (b"\x00\x01\x02garbage" * 10, "le jugement doit être un fichier PDF ou une image"),
    (b"Jugement du 12 mars 2024", "le jugement doit être un fichier PDF ou une image"),
    (None, "Choisissez le fichier du jugement."),
])
def test_operator_attach_refuses_a_bad_file_and_stores_nothing(login_as, ctx, content,
                                                               message):
    from portal.documents.models import Document
    from portal.proxies.models import Guardianship
    documents, guardianships = Document.select().count(), Guardianship.select().count()
    client = login_as("operateur")
    response = post_attach(client, content)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in text
    assert "choisissez à nouveau le jugement" in text
    assert 'value="RG 24/01234"' in text and 'value="2024-03-12"' in text
    assert f'value="{spaced(nir("2921175112078"))}"' in text
    assert is_checked(text, "measure-0")
    assert Document.select().count() == documents
    assert Guardianship.select().count() == guardianships


@pytest.mark.parametrize("values, message", [
    ({"nir": spaced(nir("1440219031023"))}, SAME_ANSWER),
    ({"guardian_birth_date": "01/12/1992"}, SAME_ANSWER),
    ({"nir": spaced(nir("2150919272044")), "birth_date": "02/09/2015"}, "Cette personne est "
                                                                         "mineure"),
    ({"guardian_nir": spaced(nir("1440219031012")), "guardian_birth_date": "11/02/1944"},
     "une autre personne que la personne protégée"),
    ({"measure": "curatelle_renforcee"}, "Choisissez la mesure de protection"),
])
def test_operator_attach_identity_errors(login_as, ctx, values, message):
    from portal.documents.models import Document
    from portal.proxies.models import Guardianship
    documents, guardianships = Document.select().count(), Guardianship.select().count()
    client = login_as("operateur")
    response = post_attach(client, pdf_bytes(), **values)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and message in text
    assert "error-summary" in text
    assert Document.select().count() == documents
    assert Guardianship.select().count() == guardianships


def test_operator_attaches_then_ends_a_guardianship(app, login_as, person, ctx):
    from portal.documents.models import Document
    from portal.proxies.models import ENDED_OPERATOR, Guardianship
    jean, amina = person("Jean"), person("Amina")
    operator = login_as("operateur")
    menu = operator.get("/annuaire/").get_data(as_text=True)
    assert 'href="/operateur/tutelles"' in menu
    response = post_attach(operator, pdf_bytes())
    assert response.status_code == 303
    page = operator.get("/operateur/tutelles").get_data(as_text=True)
    assert "Amina Diallo représente désormais Jean Dupont" in page
    assert "Jean Dupont" in page and "Tutelle avec représentation relative à la personne" in page
    gs = Guardianship.get(Guardianship.ward == jean.id, Guardianship.guardian == amina.id)
    assert gs.accepted_at is not None and gs.kind == "tutelle"
    document = Document.get_by_id(gs.decision_document_id)
    assert document.patient_id == jean.id and document.category == "administratif"
    assert "RG 24/01234" in document.title and document.mime_type == "application/pdf"
    assert str(document.document_date) == "2024-03-12"
    assert not document.masked_from_pros and not document.hidden_from_guardians
    [event] = journal("guardianship.attached")
    assert event.patient_id == jean.id and "RG 24/01234" in event.detail
    assert "vous êtes rattachée dans Carnet comme représentante légale" in outbox(
        "amina.diallo@example.org")[-1].body
    assert "Amina Diallo peut désormais agir" in outbox("jean.dupont@example.org")[-1].body
    # The operator's page shows names only, never the record.
    assert "Ordonnance – traitement de fond" not in page

    guardian = login_as("amina")
    page = guardian.get("/proches").get_data(as_text=True)
    assert "Jean Dupont" in page and "Tuteur ou tutrice (tutelle)" in page
    assert open_space(guardian, jean.id).status_code == 302
    assert "Ordonnance – traitement de fond" in guardian.get("/dossier/documents/").get_data(
        as_text=True)
    assert "Voir le jugement" in guardian.get("/proches").get_data(as_text=True)

    end_page = operator.get(f"/operateur/tutelles/{gs.id}/fin")
    assert end_page.status_code == 200
    response = operator.post(f"/operateur/tutelles/{gs.id}/fin",
                             data={"csrf_token": csrf_from(end_page)})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Choisissez le motif" in text
    response = operator.post(f"/operateur/tutelles/{gs.id}/fin",
                             data={"csrf_token": csrf_from(end_page), "reason": "mainlevee"})
    assert response.status_code == 303
    gs = Guardianship.get_by_id(gs.id)
    assert gs.ended_at is not None and gs.ended_reason == ENDED_OPERATOR
    assert "mainlevée" in journal("guardianship.ended")[-1].detail or \
        "mainlevee" in journal("guardianship.ended")[-1].detail
    assert guardian.get("/dossier/").status_code == 302  # her session in Jean's space ended
    assert "a pris fin (mainlevée" in outbox("amina.diallo@example.org")[-1].body
    assert "n’a plus accès à votre espace" in outbox("jean.dupont@example.org")[-1].body
    assert operator.get(f"/operateur/tutelles/{gs.id}/fin").status_code == 404  # already ended


def test_the_operator_only_reaches_the_guardianships_they_attached(login_as, person, ctx):
    from portal.proxies.models import Guardianship
    parental = Guardianship.get(Guardianship.ward == person("Lina").id)
    operator = login_as("operateur")
    assert operator.get(f"/operateur/tutelles/{parental.id}/fin").status_code == 404
    assert "Lina Martin" not in operator.get("/operateur/tutelles").get_data(as_text=True)


@pytest.mark.parametrize("url, method", [
    ("/operateur/tutelles", "GET"), ("/operateur/tutelles/rattacher", "GET"),
    ("/operateur/tutelles/rattacher", "POST"), ("/operateur/tutelles/1/fin", "GET"),
    ("/operateur/activations/1", "GET"),
])
@pytest.mark.parametrize("role", ["camille", "benali", "sophie"])
def test_only_operators_reach_the_operator_pages(login_as, role, url, method):
    client = login_as(role)
    data = {"csrf_token": csrf_from(client.get("/parametres/"))} if method == "POST" else None
    assert client.open(url, method=method, data=data).status_code == 403


@pytest.mark.parametrize("url", ["/proches", "/proches/representants/inviter", "/dossier/",
                                 "/dossier/documents/"])
def test_operators_never_reach_the_patient_pages(login_as, url):
    assert login_as("operateur").get(url).status_code == 403
