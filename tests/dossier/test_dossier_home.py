"""The dossier overview: identity, care team and the essentials at a glance."""
from conftest import open_space


def test_patient_sees_the_essentials_of_their_record(login_as, ctx):
    from portal.profile.models import Allergy, BloodGroup
    page = login_as("jean").get("/dossier/").get_data(as_text=True)
    blood = BloodGroup.get()  # the demo records Jean's blood group
    allergy = Allergy.select().first()
    assert "L’essentiel" in page and blood.value in page and allergy.substance in page
    assert "Rédiger une ordonnance" not in page


def test_a_prescriber_gets_the_prescription_link_a_pharmacist_does_not(login_as, person):
    doctor = login_as("benali")
    open_space(doctor, person("Jean").id)
    assert "Rédiger une ordonnance" in doctor.get("/dossier/").get_data(as_text=True)
    pharmacist = login_as("girard")
    open_space(pharmacist, person("Jean").id)
    assert "Rédiger une ordonnance" not in pharmacist.get("/dossier/").get_data(as_text=True)


def test_pending_documents_are_announced_on_the_overview(login_as, person, ctx):
    from portal.policy import pending_documents, relation_to
    from portal.accounts.models import Account
    jean = Account.get(Account.email == "jean.dupont@example.org")
    count = pending_documents(relation_to(jean, person("Jean").id)).count()
    assert count >= 1  # the demo has a document Dr Benali has not announced yet
    page = login_as("jean").get("/dossier/").get_data(as_text=True)
    assert "en attente" in page
    doctor = login_as("benali")
    open_space(doctor, person("Jean").id)
    assert "en attente" not in doctor.get("/dossier/").get_data(as_text=True)


def test_empty_record_says_what_is_missing(login_as):
    page = login_as("amina").get("/dossier/").get_data(as_text=True)
    assert "Non renseigné" in page or "Aucune renseignée" in page
