"""Mon histoire de santé: the operator's import (FHIR ExplanationOfBenefit ndjson and CSV,
idempotent, malformed lines named), who sees which line (masking from professionals), the
timeline's filters and pages, a delivered medicine copied into the treatments, the journal."""
import json
import re

import pytest
from conftest import csrf_from, hidden_fields, journal, open_space

from portal.accounts.nir import with_key

BASE = "/dossier/histoire/"
JEAN_NIR = with_key("1440219031012")
CAMILLE_NIR = with_key("2800519272001")
UNKNOWN_NIR = with_key("1990175056999")
CSV_HEADER = "nir,identifier,date,category,label,provider,cip13,nabm,ccam,dose,charged,reimbursed"


def eob(identifier, nir=JEAN_NIR, category="medicaments", label="Paracétamol 500 mg",
        day="2026-03-02", **changes):
    """One ExplanationOfBenefit as the insurer sends it (one ndjson line)."""
    resource = {
        "resourceType": "ExplanationOfBenefit",
        "identifier": [{"system": "urn:carnet:ligne", "value": identifier}],
        "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type",
                             "code": "pharmacy"}]},
        "use": "claim",
        "patient": {"identifier": {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": nir}},
        "created": day, "insurer": {"display": "CPAM de la Corrèze"},
        "provider": {"display": "Pharmacie du Trech, Tulle"}, "outcome": "complete",
        "insurance": [{"focal": True, "coverage": {"display": "Assurance Maladie"}}],
        "item": [{"sequence": 1,
                  "category": {"coding": [{"system": "urn:carnet:categorie", "code": category}]},
                  "productOrService": {"coding": [{"system": "urn:carnet:cip13",
                                                   "code": "3400936403116"}], "text": label},
                  "extension": [{"url": "urn:carnet:dose", "valueString": "1 comprimé si douleur"}],
                  "servicedDate": day, "net": {"value": 2.18, "currency": "EUR"},
                  "adjudication": [{"category": {"coding": [{"code": "benefit"}]},
                                    "amount": {"value": 1.42, "currency": "EUR"}}]}],
    }
    resource.update(changes)
    return json.dumps(resource, ensure_ascii=False)


def run_import(app, tmp_path, name, text, *options):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(
        args=["reimbursements", "import", str(path), *options])


def lines_of(patient_id, **where):
    from portal.reimbursements.models import Reimbursement
    query = Reimbursement.select().where(Reimbursement.patient == patient_id)
    for name, value in where.items():
        query = query.where(getattr(Reimbursement, name) == value)
    return list(query.order_by(Reimbursement.id))


def form_of(page, action):
    """The fields of the page's POST form to `action`, as a browser would send them (the first
    input of a name wins)."""
    match = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page.text,
                      re.S)
    assert match, action
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", match.group(0)):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        fields.setdefault(name, value.group(1) if value else "")
    return fields


def line_id(patient_id, label):
    """The newest line of that label (the first the timeline shows)."""
    return max(lines_of(patient_id, label=label), key=lambda r: (r.care_date, r.id)).id


# ------------------------------------------------------------------------------ the import

@pytest.mark.db
def test_an_ndjson_and_a_csv_import_once_however_often_they_are_run(ctx, person, tmp_path):
    jean, camille = person("Jean"), person("Camille")
    before = len(lines_of(jean.id)), len(lines_of(camille.id))
    ndjson = eob("T-1") + "\n" + eob("T-2", nir=CAMILLE_NIR, category="vaccins",
                                     label="Vaccin grippe") + "\n"
    csv = (f"{CSV_HEADER}\n{JEAN_NIR},T-3,2026-02-10,biologie,Créatinine,Laboratoire Bio "
           "Corrèze,,0592,,,\"2,70\",1.89\n")
    for attempt in range(2):
        first = run_import(ctx, tmp_path, "feed.ndjson", ndjson)
        second = run_import(ctx, tmp_path, "feed.csv", csv)
        assert first.exit_code == 0 and second.exit_code == 0, (first.output, first.stderr)
        if attempt == 0:
            assert "2 imported, 0 skipped (already there), 0 refused" in first.output
            assert "1 imported, 0 skipped (already there), 0 refused" in second.output
        else:
            assert "0 imported, 2 skipped (already there), 0 refused" in first.output
            assert "0 imported, 1 skipped (already there), 0 refused" in second.output
    assert (len(lines_of(jean.id)), len(lines_of(camille.id))) == (before[0] + 2, before[1] + 1)
    (paracetamol,) = lines_of(jean.id, external_id="T-1")
    assert (paracetamol.category, paracetamol.label, paracetamol.cip13, paracetamol.dose,
            paracetamol.charged_cents, paracetamol.reimbursed_cents,
            str(paracetamol.care_date), paracetamol.provider) == (
        "medicaments", "Paracétamol 500 mg", "3400936403116", "1 comprimé si douleur", 218, 142,
        "2026-03-02", "Pharmacie du Trech, Tulle")
    (creatinine,) = lines_of(jean.id, external_id="T-3")
    assert (creatinine.nabm, creatinine.charged_cents, creatinine.reimbursed_cents) == (
        "0592", 270, 189)


@pytest.mark.db
def test_a_malformed_line_is_refused_by_number_and_field_and_the_others_import(
        ctx, person, tmp_path):
    jean = person("Jean")
    no_status = json.loads(eob("B-4"))
    del no_status["status"]
    bad_date = json.loads(eob("B-3"))
    bad_date["item"][0]["servicedDate"] = "2026-13-02"
    ndjson = "\n".join([
        eob("B-1"),
        "{not json",
        json.dumps(bad_date),
        json.dumps(no_status),
        eob("B-5", nir=UNKNOWN_NIR),
        eob("B-6", category="cosmetique"),
        eob("B-7", label="Ibuprofène 400 mg"),
    ]) + "\n"
    result = run_import(ctx, tmp_path, "feed.ndjson", ndjson)
    assert result.exit_code == 1
    assert "2 imported, 0 skipped (already there), 5 refused" in result.output
    errors = result.stderr.splitlines()
    assert errors[0].startswith("line 2: field (json): not valid JSON")
    assert errors[1].startswith("line 3: field item[0].servicedDate:")
    assert errors[2].startswith("line 4: field status: ")
    assert errors[3].startswith("line 5: field patient.identifier (system "
                                "urn:oid:1.2.250.1.213.1.4.8): no person with this NIR")
    assert errors[4].startswith("line 6: field item[0].category (system urn:carnet:categorie): "
                                "unknown category 'cosmetique'")
    assert {r.external_id for r in lines_of(jean.id)} >= {"B-1", "B-7"}
    assert not {"B-3", "B-4", "B-5", "B-6"} & {r.external_id for r in lines_of(jean.id)}

    csv = "\n".join([
        CSV_HEADER,
        f"{JEAN_NIR},C-1,2026-02-10,biologie,Créatinine,Labo,,0592,,,2.70,1.89",
        f"{JEAN_NIR},C-2,2026-02-31,biologie,Créatinine,Labo,,0592,,,2.70,1.89",
        f"{JEAN_NIR},C-3,2026-02-10,biologie,Créatinine,Labo,,59,,,2.70,1.89",
        f"{JEAN_NIR},C-4,2026-02-10,biologie,Créatinine,Labo,,0592,,,deux euros,1.89",
        f"{JEAN_NIR[:-1]}0,C-5,2026-02-10,biologie,Créatinine,Labo,,0592,,,2.70,1.89",
        f"{JEAN_NIR},,2026-02-10,biologie,Créatinine,Labo,,0592,,,2.70,1.89",
        f"{CAMILLE_NIR},C-1,2026-02-10,biologie,Créatinine,Labo,,0592,,,2.70,1.89",
    ]) + "\n"
    result = run_import(ctx, tmp_path, "feed.csv", csv)
    assert result.exit_code == 1
    assert "1 imported, 0 skipped (already there), 6 refused" in result.output
    assert result.stderr.splitlines() == [
        "line 3: field date: not a date YYYY-MM-DD",
        "line 4: field nabm: expected 4 digits",
        "line 5: field charged: not an amount in euros (for example 26.50)",
        "line 6: field nir: not a valid NIR (15 characters, key included)",
        "line 7: field identifier: missing",
        "line 8: field identifier: already used for another person",
    ]


def test_a_csv_without_a_required_column_is_refused_whole(ctx, tmp_path):
    result = run_import(ctx, tmp_path, "feed.csv", "nir,identifier,date,label\n")
    assert result.exit_code == 1
    assert result.stderr.strip() == "line 1: field category: column missing from the header line"
    result = run_import(ctx, tmp_path, "feed.txt", "x")
    assert result.exit_code == 2 and "--format" in result.stderr


def test_each_person_whose_history_grew_gets_one_journal_entry(ctx, person, tmp_path):
    jean, camille = person("Jean"), person("Camille")
    ndjson = "\n".join([eob("J-1"), eob("J-2", label="Ibuprofène 400 mg"),
                        eob("J-3", nir=CAMILLE_NIR)]) + "\n"
    assert run_import(ctx, tmp_path, "feed.ndjson", ndjson).exit_code == 0
    (entry,) = journal("reimbursements.import", patient=jean.id)
    assert entry.detail == "2 ligne(s)" and entry.actor_id is None
    assert len(journal("reimbursements.import", patient=camille.id)) == 1
    run_import(ctx, tmp_path, "feed.ndjson", ndjson)  # nothing new: nothing journaled
    assert len(journal("reimbursements.import", patient=jean.id)) == 1


# ------------------------------------------------------------------------ who sees what

def test_the_person_sees_their_history_in_the_record_menu_and_the_reading_is_journaled(
        jean, person):
    page = jean.get("/dossier/")
    assert f'href="{BASE}"' in page.text and ">Histoire de santé<" in page.text
    page = jean.get(BASE)
    assert page.status_code == 200
    assert "<h1>Mon histoire de santé</h1>" in page.text
    assert "Metformine 1000 mg" in page.text
    (entry,) = journal("reimbursements.view", patient=person("Jean").id)
    assert entry.detail == BASE


@pytest.mark.parametrize("who", [
    "camille",  # caregiver of Jean with "dossier_read"
    "sophie",   # mediator with the documents task
    "girard",   # authorised pharmacist
    "benali",   # médecin traitant
])
def test_who_acts_for_jean_reads_his_history_and_only_he_masks(login_as, person, who):
    jean = person("Jean")
    client = login_as(who)
    assert open_space(client, jean.id).status_code == 302
    page = client.get(BASE)
    assert page.status_code == 200 and "Metformine 1000 mg" in page.text
    assert "/masquage" not in page.text
    assert journal("reimbursements.view", patient=jean.id)
    target = line_id(jean.id, "Metformine 1000 mg")
    answer = client.post(f"{BASE}{target}/masquage", data={
        "csrf_token": csrf_from(page), "_space": str(jean.id), "masquer": "1"})
    assert answer.status_code == 403
    assert not lines_of(jean.id, id=target)[0].masked_from_pros


def test_an_operator_and_a_stranger_see_nothing(login_as, person):
    assert login_as("operateur").get(BASE).status_code == 403
    page = login_as("amina").get(BASE)  # her own space, with no history
    assert "Aucun soin remboursé n’est encore enregistré." in page.text
    assert not rows(page) and "Metformine" not in page.text


def test_a_masked_line_is_hidden_from_professionals_but_the_treating_doctor(
        jean, login_as, person):
    jean_id = person("Jean").id
    page = jean.get(BASE + "?categorie=medicaments")
    metformine = line_id(jean_id, "Metformine 1000 mg")
    fields = {"csrf_token": csrf_from(page), "_space": str(jean_id)}
    # the line's own form, as the page wrote it: it asks to mask and keeps the page's filter
    sent = form_of(page, f"{BASE}{metformine}/masquage")
    assert (sent["masquer"], sent["categorie"], sent["_space"]) == ("1", "medicaments",
                                                                   str(jean_id))
    answer = jean.post(f"{BASE}{metformine}/masquage", data=sent)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(BASE + "?categorie=medicaments")
    assert lines_of(jean_id, id=metformine)[0].masked_from_pros
    assert journal("reimbursements.mask", patient=jean_id, object_id=str(metformine))
    assert "masqué aux professionnels" in jean.get(BASE + "?categorie=medicaments").text

    girard = login_as("girard")
    assert open_space(girard, jean_id).status_code == 302
    seen = girard.get(BASE + "?categorie=medicaments").text
    assert f"{metformine}" not in re.findall(r'data-line="(\d+)"', seen)
    assert "Ramipril 5 mg" in seen
    assert girard.get(f"{BASE}{metformine}/traitement").status_code == 404
    benali = login_as("benali")
    assert open_space(benali, jean_id).status_code == 302
    assert str(metformine) in re.findall(r'data-line="(\d+)"',
                                         benali.get(BASE + "?categorie=medicaments").text)

    # a whole category, then shown again
    sent = form_of(jean.get(BASE + "?categorie=biologie"), f"{BASE}masquage-categorie")
    assert (sent["masquer"], sent["categorie"]) == ("1", "biologie")
    answer = jean.post(f"{BASE}masquage-categorie", data=sent)
    assert answer.status_code == 303
    assert all(r.masked_from_pros for r in lines_of(jean_id, category="biologie"))
    assert "Hémoglobine glyquée" not in girard.get(BASE + "?categorie=biologie").text
    jean.post(f"{BASE}masquage-categorie",
              data={**fields, "masquer": "0", "categorie": "biologie"})
    assert "Hémoglobine glyquée" in girard.get(BASE + "?categorie=biologie").text
    assert len(journal("reimbursements.mask_category", patient=jean_id)) == 1
    assert len(journal("reimbursements.unmask_category", patient=jean_id)) == 1


def test_another_persons_line_is_not_found(login_as, person):
    camille = login_as("camille")  # her own space open
    jean_line = line_id(person("Jean").id, "Paracétamol 1 g")
    page = camille.get(BASE)
    fields = {"csrf_token": csrf_from(page), "_space": str(person("Camille").id)}
    assert camille.post(f"{BASE}{jean_line}/masquage",
                        data={**fields, "masquer": "1"}).status_code == 404
    assert camille.get(f"{BASE}{jean_line}/traitement").status_code == 404
    assert camille.post(f"{BASE}{jean_line}/traitement",
                        data={**fields, "name": "X"}).status_code == 404


# ---------------------------------------------------------------------- filters and pages

def rows(page):
    return re.findall(r'data-line="(\d+)"', page.text)


def test_the_timeline_filters_by_year_and_category_and_pages(jean, person):
    from portal.reimbursements.views import PAGE_SIZE
    jean_id = person("Jean").id
    everything = lines_of(jean_id)
    first = jean.get(BASE)
    assert len(rows(first)) == PAGE_SIZE
    newest = max(everything, key=lambda r: (r.care_date, r.id))
    assert rows(first)[0] == str(newest.id)
    assert f"{len(everything)} soins remboursés" in first.text
    pages = -(-len(everything) // PAGE_SIZE)
    last = jean.get(f"{BASE}?page={pages}")
    assert len(rows(last)) == len(everything) - PAGE_SIZE * (pages - 1)
    assert rows(jean.get(f"{BASE}?page=999")) == rows(last)
    seen = set()
    for number in range(1, pages + 1):
        seen |= set(rows(jean.get(f"{BASE}?page={number}")))
    assert seen == {str(r.id) for r in everything}

    biology = jean.get(f"{BASE}?categorie=biologie")
    assert set(rows(biology)) == {str(r.id) for r in everything if r.category == "biologie"}
    year = newest.care_date.year - 1
    in_year = jean.get(f"{BASE}?annee={year}&categorie=medicaments")
    expected = [r for r in everything if r.care_date.year == year and r.category == "medicaments"]
    assert len(rows(in_year)) == min(PAGE_SIZE, len(expected))
    assert f"<h2>{year}</h2>" in in_year.text and f"<h2>{year + 1}</h2>" not in in_year.text
    assert len(expected) > PAGE_SIZE  # the next page keeps the filters
    (following,) = re.findall(r'<a href="([^"]*)">Page suivante</a>', in_year.text)
    assert set(following.split("?")[1].split("&amp;")) == {
        f"annee={year}", "categorie=medicaments", "page=2"}
    following = jean.get(following.replace("&amp;", "&"))
    assert len(rows(following)) == len(expected) - PAGE_SIZE
    # an unknown filter value is ignored, not an error
    assert rows(jean.get(f"{BASE}?categorie=inconnue&annee=20x")) == rows(first)
    # htmx asks for the timeline only
    fragment = jean.get(f"{BASE}?categorie=biologie", headers={"HX-Request": "true"})
    assert "<h1>" not in fragment.text and set(rows(fragment)) == set(rows(biology))


# --------------------------------------------------------------- a medicine into treatments

def test_a_delivered_medicine_becomes_a_treatment_once(jean, person):
    from portal.profile.models import Treatment
    jean_id = person("Jean").id
    paracetamol = line_id(jean_id, "Paracétamol 1 g")
    timeline = jean.get(f"{BASE}?categorie=medicaments").text
    assert f"{BASE}{paracetamol}/traitement" in timeline
    metformine = line_id(jean_id, "Metformine 1000 mg")
    assert f"{BASE}{metformine}/traitement" not in timeline  # already a treatment
    assert "Déjà dans les traitements" in timeline

    page = jean.get(f"{BASE}{paracetamol}/traitement")
    assert page.status_code == 200
    assert 'value="Paracétamol 1 g"' in page.text
    assert 'value="1 comprimé jusqu’à 3 fois par jour"' in page.text
    assert journal("reimbursements.view", patient=jean_id, object_id=str(paracetamol))
    answer = jean.post(f"{BASE}{paracetamol}/traitement", data={
        **hidden_fields(page), "name": "Paracétamol 1 g", "dose": "1 comprimé si douleur"})
    assert answer.status_code == 303
    (added,) = Treatment.select().where(Treatment.patient == jean_id,
                                        Treatment.name == "Paracétamol 1 g")
    assert added.dose == "1 comprimé si douleur" and not added.author_is_professional
    assert journal("profile.treatments.add", patient=jean_id, object_id=str(added.id))
    again = jean.post(f"{BASE}{paracetamol}/traitement", data={
        **hidden_fields(page), "name": " paracétamol 1 G ", "dose": ""})
    assert again.status_code == 303
    assert Treatment.select().where(Treatment.patient == jean_id,
                                    Treatment.name ** "paracétamol 1 g").count() == 1
    assert "figure déjà dans les traitements" in jean.get(f"{BASE}{paracetamol}/traitement").text

    refused = jean.post(f"{BASE}{paracetamol}/traitement", data={
        **hidden_fields(page), "name": "", "dose": ""})
    assert refused.status_code == 200 and "Erreur :" in refused.text


def test_only_a_medicine_line_can_become_a_treatment(jean, person):
    hba1c = line_id(person("Jean").id, "Hémoglobine glyquée (HbA1c)")
    assert jean.get(f"{BASE}{hba1c}/traitement").status_code == 404


def test_a_caregiver_without_write_access_may_not_add_a_treatment(login_as, person):
    jean_id = person("Jean").id
    camille = login_as("camille")  # delegation: dossier_read, messaging, agenda
    assert open_space(camille, jean_id).status_code == 302
    paracetamol = line_id(jean_id, "Paracétamol 1 g")
    assert f"{BASE}{paracetamol}/traitement" not in camille.get(BASE).text
    assert camille.get(f"{BASE}{paracetamol}/traitement").status_code == 403


def test_a_legal_representative_masks_a_line_of_the_childs_history(login_as, person):
    lina_id = person("Lina").id
    camille = login_as("camille")
    assert open_space(camille, lina_id).status_code == 302
    amoxicilline = line_id(lina_id, "Amoxicilline 250 mg/5 ml")
    page = camille.get(BASE)
    assert "<h1>Histoire de santé de Lina Martin</h1>" in page.text
    answer = camille.post(f"{BASE}{amoxicilline}/masquage",
                          data=form_of(page, f"{BASE}{amoxicilline}/masquage"))
    assert answer.status_code == 303
    assert lines_of(lina_id, id=amoxicilline)[0].masked_from_pros
    (entry,) = journal("reimbursements.mask", patient=lina_id)
    assert entry.via == "guardian"
