"""E-prescriptions: a prescriber writes one, it is stored signed as a PDF document of the
patient; a pharmacist verifies its code and records dispensations until none is left."""
import re
import subprocess

import pikepdf
import pytest
from conftest import csrf_from, hidden_fields, journal, open_space

NEW = "/dossier/ordonnances/nouvelle"
VERIFY = "/ordonnance/verifier"
LINES = [
    {"medicine": "Amoxicilline 1 g, comprimé dispersible", "dosage": "1 comprimé matin et soir",
     "duration": "6 jours", "renewals": "0", "instructions": "À prendre au début du repas."},
    {"medicine": "Paracétamol 1 g, comprimé", "dosage": "1 comprimé jusqu’à 3 fois par jour",
     "duration": "5 jours", "renewals": "2", "instructions": ""},
]


@pytest.fixture
def benali(login_as, person):
    """Dr Benali, Jean's médecin traitant, with Jean's record open."""
    client = login_as("benali")
    assert open_space(client, person("Jean").id).status_code == 302
    return client


@pytest.fixture
def girard(login_as):
    return login_as("girard")


def form_data(page, lines, extra=None):
    data = hidden_fields(page)
    for n, line in enumerate(lines):
        data.update({f"lines-{n}-{name}": value for name, value in line.items()})
    data.update(extra or {})
    return data


def write(client, lines, extra=None):
    return client.post(NEW, data=form_data(client.get(NEW), lines, extra))


def demo_prescription():
    from portal.prescriptions.models import Prescription
    return Prescription.select().order_by(Prescription.id).first()


def verify(client, code):
    page = client.get(VERIFY)
    return client.post(VERIFY, data={"csrf_token": csrf_from(page), "code": code})


def flip(code, index):
    """The code with one character changed (one that carries 6 bits of the signature)."""
    return code[:index] + ("A" if code[index] != "A" else "B") + code[index + 1:]


# --- writing ---------------------------------------------------------------------------------

@pytest.mark.db
def test_a_prescriber_writes_a_prescription_stored_as_a_signed_pdf_document(
        app, benali, person, tmp_path):
    from portal.documents.models import Document
    from portal.documents.store import read_content
    from portal.mail import latest_for
    from portal.prescriptions.models import Prescription
    response = write(benali, LINES)
    assert response.status_code == 303
    prescription = Prescription.select().order_by(Prescription.id.desc()).first()
    assert response.headers["Location"].endswith(f"/dossier/ordonnances/{prescription.public_id}")
    assert prescription.patient_id == person("Jean").id
    assert [line.medicine for line in prescription.ordered_lines()] == [
        LINES[0]["medicine"], LINES[1]["medicine"]]
    assert prescription.renewals == 2
    with app.app_context():
        assert Prescription.by_code(prescription.code) == (prescription, None)

    document = Document.get_by_id(prescription.document_id)
    assert (document.category, document.mime_type, document.author.email) == (
        "ordonnances", "application/pdf", "dr.benali@example.org")
    assert document.author_is_professional and document.patient_id == person("Jean").id
    with app.app_context():
        pdf = read_content(document)
    path = tmp_path / "ordonnance.pdf"
    path.write_bytes(pdf)
    with pikepdf.open(path) as parsed:
        assert "/StructTreeRoot" in parsed.Root
        assert bool(parsed.Root.MarkInfo.Marked)
        assert str(parsed.Root.Lang) == "fr"
        assert "Jean Dupont" in str(parsed.docinfo.Title)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("Amoxicilline 1 g", "Paracétamol 1 g", "Dr Nadia Benali", "10000000001",
                     "Jean DUPONT", "11 février 1944", "Ordonnance générée par Carnet"):
        assert expected in text, expected
    assert prescription.code in "".join(text.split())

    assert journal("prescriptions.write", object_id=str(prescription.id))[0].patient_id == \
        person("Jean").id
    mail = latest_for("jean.dupont@example.org")
    assert "Dr Nadia Benali" in mail.body
    assert "Amoxicilline" not in mail.body and "Paracétamol" not in mail.body

    page = benali.get(response.headers["Location"]).get_data(as_text=True)
    assert "L’ordonnance est enregistrée dans le dossier de Jean Dupont" in page
    assert "Amoxicilline 1 g" in page and "Pas encore délivrée" in page


def test_errors_are_explained_in_french_and_nothing_typed_is_lost(benali):
    from portal.prescriptions.models import Prescription
    before = Prescription.select().count()
    response = write(benali, [
        {"medicine": "Ramipril 5 mg", "dosage": "", "duration": "1 mois", "renewals": "13",
         "instructions": "Le matin <b>à jeun</b>"},
        {"medicine": "", "dosage": "1 sachet le soir", "duration": "", "renewals": "x"}])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Erreur :" in page
    for message in ("Indiquez la posologie de la ligne 1.",
                    "Le nombre de renouvellements de la ligne 1 doit être un nombre entier de "
                    "0 à 12.",
                    "Indiquez le médicament de la ligne 2.",
                    "Indiquez la durée du traitement de la ligne 2."):
        assert message in page, message
    assert 'href="#lines-0-dosage"' in page and 'href="#lines-1-medicine"' in page
    assert 'value="Ramipril 5 mg"' in page and 'value="1 sachet le soir"' in page
    assert "Le matin &lt;b&gt;à jeun&lt;/b&gt;" in page
    assert Prescription.select().count() == before


def test_an_empty_prescription_asks_for_one_medicine(benali):
    response = write(benali, [])
    assert response.status_code == 200
    assert "Indiquez au moins un médicament." in response.get_data(as_text=True)


def test_add_a_line_keeps_what_was_typed_with_and_without_htmx(benali):
    from portal.prescriptions.models import Prescription
    before = Prescription.select().count()
    response = write(benali, LINES[:1], {"add_line": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in page
    assert page.count('<fieldset class="rx-line">') == 4
    assert 'id="lines-3-medicine"' in page and 'value="Amoxicilline 1 g, comprimé dispersible"' \
        in page
    assert re.search(r'id="lines-3-medicine"[^>]*autofocus|autofocus[^>]*id="lines-3-medicine"',
                     page)
    assert "Erreur" not in page

    fragment = benali.post(NEW, data=form_data(benali.get(NEW), LINES, {"add_line": "1"}),
                           headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="lignes"')
    assert fragment.count('<fieldset class="rx-line">') == 4
    assert "Ligne 4 ajoutée." in fragment and 'value="Paracétamol 1 g, comprimé"' in fragment
    assert Prescription.select().count() == before


def test_a_prescription_has_at_most_ten_lines(benali):
    ten = [dict(LINES[1], medicine=f"Médicament {n}") for n in range(10)]
    page = write(benali, ten, {"add_line": "1"}).get_data(as_text=True)
    assert page.count('<fieldset class="rx-line">') == 10
    assert "Une ordonnance compte au plus 10 lignes." in page
    assert 'name="add_line"' not in page
    eleven = ten + [dict(LINES[1], medicine="Médicament 10")]
    assert write(benali, eleven).status_code == 303
    from portal.prescriptions.models import Prescription
    latest = Prescription.select().order_by(Prescription.id.desc()).first()
    assert latest.lines.count() == 10


@pytest.mark.parametrize("role", ["girard", "jean", "camille", "sophie"])
def test_only_prescribers_may_write(login_as, person, role):
    from portal.prescriptions.models import Prescription
    client = login_as(role)
    if role != "jean":
        open_space(client, person("Jean").id)
    assert client.get(NEW).status_code == 403
    before = Prescription.select().count()
    data = form_data(client.get("/dossier/"), LINES, {"_space": str(person("Jean").id)})
    assert client.post(NEW, data=data).status_code == 403
    assert Prescription.select().count() == before


def test_the_record_lists_prescriptions_with_their_dispensations(login_as, person):
    jean = login_as("jean")
    page = jean.get("/dossier/ordonnances/").get_data(as_text=True)
    prescription = demo_prescription()
    assert "Metformine 850 mg" in page and "Délivrée 1 fois sur 4 possibles" in page
    assert "Rédiger une ordonnance" not in page
    detail = jean.get(f"/dossier/ordonnances/{prescription.public_id}").get_data(as_text=True)
    assert "Paul Girard" in detail and "Première délivrance" in detail
    assert prescription.code_groups[1] in detail and "<svg" in detail
    assert jean.get("/dossier/ordonnances/AAAAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404


def test_a_prescription_masked_from_professionals_is_hidden_from_the_pharmacist_record(
        login_as, person):
    """In the record, a prescription follows its document's visibility labels."""
    from portal.documents.models import Document
    prescription = demo_prescription()
    client = login_as("girard")
    open_space(client, person("Jean").id)
    url = f"/dossier/ordonnances/{prescription.public_id}"
    assert client.get(url).status_code == 200
    Document.update(masked_from_pros=True).where(
        Document.id == prescription.document_id).execute()
    assert client.get(url).status_code == 404
    assert "Metformine" not in client.get("/dossier/ordonnances/").get_data(as_text=True)


# --- verification and dispensation ----------------------------------------------------------

@pytest.mark.db
def test_a_pharmacist_verifies_and_dispenses_until_no_renewal_is_left(girard, person):
    from portal.prescriptions.models import Dispensation
    prescription = demo_prescription()
    # Typed by hand: groups separated by spaces, as printed under the QR code.
    response = verify(girard, " ".join(prescription.code_groups))
    assert response.status_code == 303
    result_url = f"/ordonnance/verifier/{prescription.public_id}"
    assert response.headers["Location"].endswith(result_url)
    page = girard.get(result_url)
    text = page.get_data(as_text=True)
    for expected in ("Ordonnance authentique", "Jean Dupont", "né le 11 février 1944",
                     "Dr Nadia Benali", 'RPPS <bdi dir="ltr">10000000001</bdi>',
                     "Metformine 850 mg",
                     "Apixaban 2,5 mg", "utilisés : 0 sur 3 – restants : 3", "Première délivrance",
                     "Enregistrer le renouvellement n° 1"):
        assert expected in text, expected
    # Nothing else of Jean's record.
    jean = person("Jean")
    for private in (jean.nir, jean.address, jean.phone):
        assert private not in text
    entry = journal("prescriptions.verify", object_id=str(prescription.id))[-1]
    assert (entry.patient_id, entry.outcome, entry.via) == (jean.id, "ok", "code")

    for number in (1, 2, 3):
        response = girard.post(f"{result_url}/delivrance",
                               data={**hidden_fields(page), "note": f"Renouvellement {number}"})
        assert response.status_code == 303
        page = girard.get(result_url)
        assert f"Le renouvellement n° {number} est enregistré." in page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    assert "utilisés : 3 sur 3 – restants : 0" in text and "Entièrement délivrée" in text
    assert "Cette ordonnance a déjà été entièrement délivrée." in text
    assert 'action="/ordonnance/verifier/' not in text  # no dispensation form any more

    response = girard.post(f"{result_url}/delivrance", data=hidden_fields(page))
    assert response.status_code == 303
    again = girard.get(result_url).get_data(as_text=True)
    assert again.count("Cette ordonnance a déjà été entièrement délivrée.") == 2  # flash + state
    assert Dispensation.select().where(Dispensation.prescription == prescription.id).count() == 4
    dispensed = journal("prescriptions.dispense", object_id=str(prescription.id))
    assert [e.outcome for e in dispensed] == ["ok", "ok", "ok", "refused"]
    assert all(e.patient_id == jean.id for e in dispensed)


def test_a_dispensation_note_too_long_is_explained_and_kept(girard):
    prescription = demo_prescription()
    verify(girard, prescription.code)
    url = f"/ordonnance/verifier/{prescription.public_id}"
    page = girard.get(url)
    response = girard.post(f"{url}/delivrance", data={**hidden_fields(page), "note": "n" * 501})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Ce champ est trop long (500 caractères au plus)." in text and "n" * 501 in text
    assert prescription.dispensations.count() == 1


@pytest.mark.parametrize("tamper, message", [
    (lambda code: flip(code, -20), "aucune ordonnance authentique"),
    (lambda code: code[:11] + "A" * 26 + code[37:], "aucune ordonnance authentique"),
    (lambda code: code[:-10], "pas un code d’ordonnance Carnet complet"),
    (lambda code: "bonjour", "pas un code d’ordonnance Carnet complet"),
])
def test_forged_altered_or_truncated_codes_are_refused_and_journaled(girard, tamper, message):
    from portal.prescriptions.models import Dispensation
    prescription = demo_prescription()
    response = verify(girard, tamper(prescription.code))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert message in text and "<title>Erreur :" in text
    assert "Metformine" not in text and "Jean Dupont" not in text
    refused = journal("prescriptions.verify", outcome="refused")
    assert len(refused) == 1 and refused[0].via == "code"
    # The refused code opened nothing: the result page and the dispensation stay closed.
    url = f"/ordonnance/verifier/{prescription.public_id}"
    assert girard.get(url).status_code == 302
    page = girard.get(VERIFY)
    assert girard.post(f"{url}/delivrance", data=hidden_fields(page)).status_code == 404
    assert Dispensation.select().count() == 1


def test_a_code_whose_stored_lines_were_altered_is_refused(app, girard):
    from portal.prescriptions.models import FORGED, Prescription, PrescriptionLine
    prescription = demo_prescription()
    PrescriptionLine.update(renewals=12).where(
        PrescriptionLine.prescription == prescription.id).execute()
    with app.app_context():
        assert Prescription.by_code(prescription.code) == (prescription, FORGED)
    text = verify(girard, prescription.code).get_data(as_text=True)
    assert "aucune ordonnance authentique" in text


def test_a_verified_prescription_altered_afterwards_is_closed_again(girard):
    from portal.prescriptions.models import PrescriptionLine
    prescription = demo_prescription()
    assert verify(girard, prescription.code).status_code == 303
    url = f"/ordonnance/verifier/{prescription.public_id}"
    page = girard.get(url)
    assert page.status_code == 200
    PrescriptionLine.update(dosage="4 comprimés").where(
        PrescriptionLine.prescription == prescription.id).execute()
    assert girard.get(url).status_code == 302
    assert girard.post(f"{url}/delivrance", data=hidden_fields(page)).status_code == 404


@pytest.mark.parametrize("role", ["benali", "lefevre", "jean", "camille", "sophie", "operateur"])
def test_only_pharmacists_may_verify(login_as, role):
    client = login_as(role)
    prescription = demo_prescription()
    assert client.get(VERIFY).status_code == 403
    assert client.get(f"/ordonnance/verifier/{prescription.public_id}").status_code == 403
    token = csrf_from(client.get("/parametres/"))
    assert client.post(VERIFY, data={"csrf_token": token, "code": prescription.code}
                       ).status_code == 403
    assert client.post(f"/ordonnance/verifier/{prescription.public_id}/delivrance",
                       data={"csrf_token": token}).status_code == 403


def test_the_verify_form_asks_for_a_code(girard):
    page = girard.get(VERIFY)
    text = page.get_data(as_text=True)
    assert "autofocus" in text and 'autocomplete="off"' in text
    response = girard.post(VERIFY, data={"csrf_token": csrf_from(page), "code": "  "})
    assert "Saisissez ou scannez le code de l’ordonnance." in response.get_data(as_text=True)


# --- demo and start-up ----------------------------------------------------------------------

@pytest.mark.db
def test_the_demo_prescription_is_stored_once_with_its_pdf(ctx, person):
    from portal.documents.store import read_content
    from portal.prescriptions.models import Prescription
    from portal.seed import seed_demo
    assert seed_demo() == 0
    prescriptions = list(Prescription.select())
    assert len(prescriptions) == 1
    prescription = prescriptions[0]
    assert prescription.patient_id == person("Jean").id
    assert prescription.prescriber.email == "dr.benali@example.org"
    assert [line.renewals for line in prescription.ordered_lines()] == [3, 3, 3]
    with ctx.app_context():
        assert Prescription.by_code(prescription.code) == (prescription, None)
        assert read_content(prescription.document).startswith(b"%PDF-")


def run_in_production(tmp_path, signing_key):
    from helpers import run_app_in_production
    return run_app_in_production({
        "CARNET_INSTANCE": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        "HUEY_URL": f"sqlite:///{tmp_path}/h.db", "SECRET_KEY": "k" * 40,
        "DOCUMENT_KEY": "A" * 43 + "=", "PRESCRIPTION_SIGNING_KEY": signing_key,
        "JOURNAL_SIGNING_KEY": "C" * 43 + "=", "PUBLIC_URL": "https://carnet.example.org"})


def test_production_refuses_to_start_without_a_prescription_signing_key(tmp_path):
    result = run_in_production(tmp_path, "")
    assert result.returncode == 2
    assert "PRESCRIPTION_SIGNING_KEY must be set" in result.stderr
    assert run_in_production(tmp_path, "too short").returncode == 2
    result = run_in_production(tmp_path, "B" * 43 + "=")
    assert result.returncode == 0, result.stderr
