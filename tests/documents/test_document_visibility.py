"""Visibility labels × actors: who sees which document of a record (policy.visible_documents)."""
import uuid
from datetime import date

import pytest

pytestmark = pytest.mark.db

MARK = "matrix-test"
LABELS = {
    "plain": {},
    "masked": {"masked_from_pros": True},
    "hidden_patient": {"hidden_from_patient": True},
    "hidden_guardians": {"hidden_from_guardians": True},
}

# Expected visibility in Lina's record (a minor: Camille is her legal representative; Dr Benali
# her médecin traitant; Paul Girard, when authorised, an ordinary professional).
LINA = {
    #            plain  masked hidden_patient hidden_guardians
    "guardian":  (True, True, False, False),
    "treating":  (True, True, True, True),
    "admin":     (True, True, True, True),
    "authorised": (True, False, True, True),
    "unrelated": (False, False, False, False),
}
# Expected in Jean's record (Camille is his caregiver, Sophie his mediator).
JEAN = {
    "self":      (True, True, False, True),
    "caregiver": (True, True, False, True),
    "mediator":  (True, True, False, True),
    "treating":  (True, True, True, True),
    "authorised": (True, False, True, True),
}


def make_documents(patient, author, category="ordonnances", **extra):
    from portal.documents.models import Document
    docs = {}
    for name, labels in LABELS.items():
        docs[name] = Document.create(
            patient=patient, author=author, author_is_professional=author.role == "professional",
            title=f"{name} {MARK}", document_date=date(2026, 1, 5), category=category,
            storage_key=uuid.uuid4().hex, mime_type="application/pdf", size=10,
            sha256="0" * 64, **{**labels, **extra})
    return docs


def relation_of(email, patient):
    from portal.accounts.models import Account
    from portal.policy import relation_to
    account = Account.get(Account.email == email)
    return account, relation_to(account, patient.id)


def visible(email, patient):
    from portal.policy import visible_documents
    account, relation = relation_of(email, patient)
    if relation is None:
        return set()
    return {d.title.split()[0] for d in visible_documents(relation, account)
            if d.title.endswith(MARK)}  # the demo's own documents are left aside


def expected(row):
    return {name for name, seen in zip(LABELS, row) if seen}


@pytest.fixture
def girard_on(person):
    """Make Paul Girard an ordinary authorised professional of a patient."""
    from portal.access.models import Grant
    from portal.accounts.models import Account

    def authorise(patient, **flags):
        girard = Account.get(Account.email == "p.girard@example.org")
        Grant.delete().where(Grant.patient == patient, Grant.professional == girard).execute()
        Grant.create(patient=patient, professional=girard, **flags)
    return authorise


def test_minor_record_matrix(ctx, person, girard_on):
    from portal.accounts.models import Account
    lina = person("Lina")
    benali = Account.get(Account.email == "dr.benali@example.org")
    make_documents(lina, benali)
    assert visible("camille.martin@example.org", lina) == expected(LINA["guardian"])
    assert visible("dr.benali@example.org", lina) == expected(LINA["treating"])
    assert visible("amina.diallo@example.org", lina) == expected(LINA["unrelated"])
    assert visible("operateur@example.org", lina) == set()
    girard_on(lina)
    assert visible("p.girard@example.org", lina) == expected(LINA["authorised"])
    girard_on(lina, administrator=True)
    assert visible("p.girard@example.org", lina) == expected(LINA["admin"])
    girard_on(lina, blocked=True)
    assert visible("p.girard@example.org", lina) == set()


def test_adult_record_matrix(ctx, person):
    from portal.accounts.models import Account
    jean = person("Jean")
    make_documents(jean, Account.get(Account.email == "dr.benali@example.org"))
    assert visible("jean.dupont@example.org", jean) == expected(JEAN["self"])
    assert visible("camille.martin@example.org", jean) == expected(JEAN["caregiver"])
    assert visible("sophie.bernard@example.org", jean) == expected(JEAN["mediator"])
    assert visible("dr.benali@example.org", jean) == expected(JEAN["treating"])
    assert visible("p.girard@example.org", jean) == expected(JEAN["authorised"])
    assert visible("dr.lefevre@example.org", jean) == set()


def test_mask_all_default_hides_everything_from_ordinary_professionals(ctx, person):
    from portal.accounts.models import Account
    from portal.documents.models import DossierSettings
    jean = person("Jean")
    make_documents(jean, Account.get(Account.email == "jean.dupont@example.org"))
    DossierSettings.create(patient=jean, mask_all_from_pros=True)
    assert visible("p.girard@example.org", jean) == set()
    assert visible("dr.benali@example.org", jean) == set(LABELS)  # médecin traitant
    assert visible("jean.dupont@example.org", jean) == {"plain", "masked", "hidden_guardians"}


def test_authors_always_see_their_own_masked_documents(ctx, person):
    from portal.accounts.models import Account
    from portal.documents.models import DossierSettings
    jean = person("Jean")
    make_documents(jean, Account.get(Account.email == "p.girard@example.org"))
    assert visible("p.girard@example.org", jean) == set(LABELS)
    DossierSettings.create(patient=jean, mask_all_from_pros=True)
    assert visible("p.girard@example.org", jean) == set(LABELS)


def test_pending_documents_are_announced_to_the_patient_side_only(ctx, person):
    from portal.accounts.models import Account
    from portal.policy import pending_documents
    lina = person("Lina")
    benali = Account.get(Account.email == "dr.benali@example.org")
    make_documents(lina, benali)
    make_documents(lina, benali, hidden_from_patient=True)  # hidden + each other label
    _, guardian = relation_of("camille.martin@example.org", lina)
    titles = {d.title.split()[0] for d in pending_documents(guardian) if d.title.endswith(MARK)}
    # the parent learns that documents are pending, except those hidden from guardians
    assert "hidden_guardians" not in titles and "hidden_patient" in titles
    _, doctor = relation_of("dr.benali@example.org", lina)
    assert pending_documents(doctor) is None


def test_hidden_document_becomes_visible_after_a_month(ctx, person):
    from datetime import timedelta
    from portal.accounts.models import Account, utcnow
    from portal.documents.models import HIDDEN_FROM_PATIENT_FOR, Document
    doc = Document(patient=person("Jean"),
                   author=Account.get(Account.email == "dr.benali@example.org"))
    now = utcnow()
    doc.hide_from_patient_until_announced(now)
    assert doc.hidden_from_patient and doc.hidden_until == now + HIDDEN_FROM_PATIENT_FOR
    assert HIDDEN_FROM_PATIENT_FOR == timedelta(days=30)


def test_profession_matrix_hides_hospital_reports_from_the_pharmacist(ctx, person):
    from portal.accounts.models import Account
    jean = person("Jean")
    make_documents(jean, Account.get(Account.email == "jean.dupont@example.org"),
                   category="comptes_rendus")
    assert visible("p.girard@example.org", jean) == set()  # pharmacist
    assert visible("dr.benali@example.org", jean) == set(LABELS)  # GP, médecin traitant
