"""Every view of the record goes through the documents' visibility rule: a document hidden
from legal representatives leaves no trace for them anywhere (history, its CSV, counts,
e-mails), as the deposit form promises ("ils ne sauront pas qu'il existe")."""
import io
import re

import pikepdf
import pytest
from conftest import hidden_fields, open_space, outbox, text

DEPOSIT = "/dossier/documents/deposer"
LIST = "/dossier/documents/"
HISTORY = "/dossier/historique/"
CAMILLE = "camille.martin@example.org"
SECRET_TITLE = "Consultation confidentielle – contraception"


def tiny_pdf():
    out = io.BytesIO()
    document = pikepdf.new()
    document.add_blank_page()
    document.save(out)
    return out.getvalue()


def deposit(client, title, **fields):
    page = client.get(DEPOSIT)
    response = client.post(DEPOSIT, content_type="multipart/form-data", data={
        **hidden_fields(page), "title": title, "document_date": "2026-11-20",
        "category": "comptes_rendus", "doc_type": "compte_rendu_consultation", **fields,
        "fichier": (io.BytesIO(tiny_pdf()), "cr.pdf")})
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def main(response):
    """The page's main content, without its per-render CSRF tokens."""
    html = text(response)
    html = html[html.index("<main"):html.index("</main>")]
    return re.sub(r'value="[\w.-]{60,}"', "", html)


def history_entries(client):
    html = text(client.get(HISTORY))
    return html, text(client.get(HISTORY + "export.csv"))


@pytest.mark.db  # the history's query also runs on PostgreSQL
def test_a_document_hidden_from_legal_representatives_leaves_no_trace_for_the_parent(
        login_as, person, ctx):
    lina = person("Lina")
    camille = login_as("camille")
    assert open_space(camille, lina.id).status_code == 302
    camille.get("/dossier/")  # the notice of the switch is shown once
    before_list = main(camille.get(LIST))
    before_home = main(camille.get("/dossier/"))
    benali = login_as("benali")
    # she is told a professional opened the space (not why)
    assert open_space(benali, lina.id).status_code == 302
    mails = len(outbox(CAMILLE))
    secret = deposit(benali, SECRET_TITLE, hidden_from_guardians="y")
    assert benali.get(f"{LIST}{secret}").status_code == 200
    assert benali.get(f"{LIST}{secret}/fichier").status_code in (200, 303)
    html, csv = history_entries(camille)
    for view in (html, csv):
        assert "Dépôt d’un document par un professionnel" not in view
        assert "Ouverture d’un document" not in view and "Téléchargement d’un document" \
            not in view
        assert SECRET_TITLE not in view
    # counts and badges of the record are those of what she may see
    assert main(camille.get(LIST)) == before_list
    assert main(camille.get("/dossier/")) == before_home
    assert [m.subject for m in outbox(CAMILLE)[mails:]] == []
    assert camille.get(f"{LIST}{secret}").status_code == 404


def test_a_plain_deposit_shows_in_the_parents_history(login_as, person, ctx):
    """The same steps with a document she may see: the entry is there (the filter above is
    the visibility rule, not a blanket removal of professionals' deposits)."""
    lina = person("Lina")
    benali = login_as("benali")
    assert open_space(benali, lina.id).status_code == 302
    deposit(benali, "Certificat de vaccination")
    camille = login_as("camille")
    assert open_space(camille, lina.id).status_code == 302
    html, csv = history_entries(camille)
    for view in (html, csv):
        assert "Dépôt d’un document par un professionnel" in view
        assert "Certificat de vaccination" in view


def test_the_count_the_history_shows_leaves_the_hidden_entries_out(login_as, person, ctx):
    """The number of events (and so the pages) is that of the entries she may read."""
    from portal.accounts.models import Account
    from portal.audit import ActivityEvent
    lina = person("Lina")
    camille = login_as("camille")
    assert open_space(camille, lina.id).status_code == 302

    def shown():
        html = text(camille.get(HISTORY + "?qui=pros"))
        return int(re.search(r"<p data-announce>(\d+) événements?</p>", html).group(1))
    before = shown()
    last = ActivityEvent.select(ActivityEvent.id).order_by(ActivityEvent.id.desc()).first().id
    benali = login_as("benali")
    assert open_space(benali, lina.id).status_code == 302
    secret = deposit(benali, SECRET_TITLE, hidden_from_guardians="y")
    assert benali.get(f"{LIST}{secret}").status_code == 200
    doctor = Account.get(Account.email == "dr.benali@example.org")
    new = ActivityEvent.select().where(ActivityEvent.id > last, ActivityEvent.patient == lina.id,
                                       ActivityEvent.actor == doctor.id)
    about_it = new.where(ActivityEvent.object_type == "document").count()
    assert about_it >= 1 and new.count() > about_it
    # Benali's other entries (opening the space, reading pages) count; none about it does.
    assert shown() - before == new.count() - about_it


def test_the_rule_knows_pending_and_hidden_documents(login_as, person, ctx):
    """policy.known_documents: what the history (and every other view) may mention."""
    from portal.accounts.models import Account
    from portal.documents.models import Document
    from portal.policy import known_documents, relation_to
    lina = person("Lina")
    benali = login_as("benali")
    assert open_space(benali, lina.id).status_code == 302
    secret = deposit(benali, SECRET_TITLE, hidden_from_guardians="y")
    pending = deposit(benali, "Résultats à annoncer", hide_until_announced="y")
    both = deposit(benali, "Annonce confidentielle", hide_until_announced="y",
                   hidden_from_guardians="y")
    parent = Account.get(Account.email == CAMILLE)
    doctor = Account.get(Account.email == "dr.benali@example.org")
    known = {d.id for d in known_documents(relation_to(parent, lina.id), parent)
             .select(Document.id)}
    assert pending in known and secret not in known and both not in known
    known = {d.id for d in known_documents(relation_to(doctor, lina.id), doctor)
             .select(Document.id)}
    assert {secret, pending, both} <= known
