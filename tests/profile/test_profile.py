"""Profil médical: every section's add, edit and delete (with and without htmx), who may change
what, "pas concerné(e)", the overview's counts, and the scoping of entries to their patient."""
import re
from datetime import date

import pytest
from conftest import journal, open_space

from portal.profile.sections import BY_SLUG

HTMX = {"HX-Request": "true"}

# slug: (valid answers, field changed by the edit, its new value, text shown after the add)
LISTS = {
    "maladies": ({"name": "Migraine", "started_on": "2020-03-01", "ended_on": "",
                  "comment": ""}, "name", "Migraine avec aura", "Migraine"),
    "traitements": ({"name": "Paracétamol 1 g", "dose": "1 comprimé si douleur", "duration": "",
                     "condition_id": "", "comment": ""}, "name", "Ibuprofène 400 mg",
                    "Paracétamol 1 g"),
    "hospitalisations": ({"admitted_on": "12/01/2022", "length_days": "3",
                          "reason": "Appendicite", "place": "Hôpital Lariboisière"},
                         "reason", "Appendicectomie", "Appendicite"),
    "allergies": ({"substance": "Arachide", "kind": "allergie", "reaction": "",
                   "severity": "severe"}, "substance", "Noix de cajou", "Arachide"),
    "antecedents-familiaux": ({"relative": "mere", "condition": "Cancer du sein"},
                              "condition", "Cancer de l’ovaire", "Cancer du sein"),
    "vaccinations": ({"vaccine": "Hépatite B", "given_on": "2010-06-01", "dose_type": "primo",
                      "lot_number": "AB12", "vaccinator": "", "requirement": "recommande"},
                     "vaccine", "Hépatite A", "Hépatite B"),
    "handicaps": ({"kind": "visuel", "rate_band": "50_79", "human_help": "non",
                   "comment": "Basse vision"}, "comment", "Cécité d’un œil", "Basse vision"),
}
SINGLES = {
    "groupe-sanguin": ({"value": "AB-"}, "value", "O+", "AB\u2212"),
    "habitudes-de-vie": ({"tobacco": "non", "sleep": "8 heures"}, "sleep", "7 heures",
                         "8 heures"),
    "directives-anticipees": ({"written_on": "10/01/2026",
                               "life_support": "Pas d’acharnement thérapeutique"},
                              "place", "À la maison", "Pas d’acharnement thérapeutique"),
}


def section_url(slug):
    return f"/dossier/profil/{slug}/"


def hidden_fields(page):
    """CSRF token and open space from a page or an htmx fragment (any attribute order)."""
    found = {}
    for tag in re.findall(r"<input [^>]*>", page.get_data(as_text=True)):
        name = re.search(r'name="(csrf_token|_space)"', tag)
        if name and 'type="hidden"' in tag:
            found[name.group(1)] = re.search(r'value="([^"]*)"', tag).group(1)
    assert "csrf_token" in found, "no CSRF token in the page"
    return found


def post(client, url, data, htmx=False, page=None):
    """POST `data` with the hidden fields (CSRF, open space) of `page` (the section's page by
    default), as the browser would."""
    page = page or client.get(url if url.endswith("/") else section_url(url.split("/")[3]))
    return client.post(url, data={**hidden_fields(page), **data},
                       headers=HTMX if htmx else {})


def entries(ctx, slug, person):
    model = BY_SLUG[slug].model
    return list(model.select().where(model.patient == person.id).order_by(model.id))


def is_fragment(response):
    html = response.get_data(as_text=True)
    return response.status_code == 200 and "<html" not in html and "<h1" not in html


# --- add, edit, delete in every section ---------------------------------------------------------

@pytest.mark.parametrize("htmx", [False, True], ids=["sans-js", "htmx"])
@pytest.mark.parametrize("slug", list(LISTS))
def test_list_section_add_edit_delete(login_as, ctx, person, slug, htmx):
    answers, field, new_value, shown = LISTS[slug]
    amina = person("Amina")
    client = login_as("amina")
    before = len(entries(ctx, slug, amina))
    key = BY_SLUG[slug].key

    response = post(client, section_url(slug), answers, htmx)
    if htmx:
        assert is_fragment(response)
        html = response.get_data(as_text=True)
        assert html.lstrip().startswith('<div id="profil-entrees"')
        assert re.search(r'data-announce[^>]*>[^<]*(ajouté|ajoutée)', html)
        assert shown in html
    else:
        assert response.status_code == 303
        assert response.headers["Location"].endswith(section_url(slug))
        assert shown in client.get(section_url(slug)).get_data(as_text=True)
    added = entries(ctx, slug, amina)
    assert len(added) == before + 1
    entry = added[-1]
    assert journal(f"profile.{key}.add")[-1].object_id == str(entry.id)

    edit_url = f"{section_url(slug)}{entry.id}/modifier"
    form_page = client.get(edit_url, headers=HTMX if htmx else {})
    assert form_page.status_code == 200
    if htmx:
        assert is_fragment(form_page)
        assert f'id="e{entry.id}-{field}' in form_page.get_data(as_text=True)
    response = post(client, edit_url, {**answers, field: new_value}, htmx, page=form_page)
    if htmx:
        assert is_fragment(response)
        assert new_value in response.get_data(as_text=True)
    else:
        assert response.status_code == 303
    assert getattr(BY_SLUG[slug].model.get_by_id(entry.id), field) == new_value
    assert journal(f"profile.{key}.edit")[-1].object_id == str(entry.id)

    confirm_url = f"{section_url(slug)}{entry.id}/supprimer"
    confirm = client.get(confirm_url, headers=HTMX if htmx else {})
    assert "Oui, supprimer" in confirm.get_data(as_text=True)
    assert is_fragment(confirm) == htmx
    assert len(entries(ctx, slug, amina)) == before + 1, "showing the question deletes nothing"
    response = post(client, confirm_url, {}, htmx, page=confirm)
    if htmx:
        assert is_fragment(response)
        assert re.search(r'data-announce[^>]*>[^<]*supprimé', response.get_data(as_text=True))
    else:
        assert response.status_code == 303
    assert len(entries(ctx, slug, amina)) == before
    assert journal(f"profile.{key}.delete")[-1].object_id == str(entry.id)


@pytest.mark.parametrize("htmx", [False, True], ids=["sans-js", "htmx"])
@pytest.mark.parametrize("slug", list(SINGLES))
def test_single_value_section_is_an_edit_form(login_as, ctx, person, slug, htmx):
    answers, field, new_value, shown = SINGLES[slug]
    amina = person("Amina")
    client = login_as("amina")
    response = post(client, section_url(slug), answers, htmx)
    assert response.status_code == (200 if htmx else 303)
    page = client.get(section_url(slug)).get_data(as_text=True)
    assert shown in page
    response = post(client, section_url(slug), {**answers, field: new_value}, htmx)
    assert response.status_code == (200 if htmx else 303)
    rows = entries(ctx, slug, amina)
    assert len(rows) == 1 and getattr(rows[0], field) == new_value
    key = BY_SLUG[slug].key
    assert journal(f"profile.{key}.edit")[-1].object_id == str(rows[0].id)

    confirm_url = f"{section_url(slug)}{rows[0].id}/supprimer"
    confirm = client.get(confirm_url, headers=HTMX if htmx else {})
    assert "Oui, effacer" in confirm.get_data(as_text=True)
    post(client, confirm_url, {}, htmx, page=confirm)
    assert entries(ctx, slug, amina) == []


def test_a_single_value_keeps_its_form_filled_in(login_as):
    page = login_as("jean").get(section_url("groupe-sanguin")).get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="A\+"', page)
    assert "Modifier le groupe sanguin" in page


# --- validation keeps what was typed --------------------------------------------------------

def test_a_vaccination_tomorrow_is_refused_and_the_form_keeps_the_answers(login_as, ctx, person):
    client = login_as("amina")
    answers = {**LISTS["vaccinations"][0], "given_on": "01/01/2099", "lot_number": "ZZ99"}
    response = post(client, section_url("vaccinations"), answers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Erreur : Vaccinations" in html
    assert 'class="error-summary"' in html and 'href="#given_on"' in html
    assert "La date de vaccination ne peut pas être dans le futur." in html
    assert 'value="2099-01-01"' in html and 'value="ZZ99"' in html and 'value="Hépatite B"' in html
    assert len(entries(ctx, "vaccinations", person("Amina"))) == 1


def test_impossible_dates_are_refused_and_shown_as_typed(login_as):
    client = login_as("amina")
    response = post(client, section_url("vaccinations"),
                    {**LISTS["vaccinations"][0], "given_on": "31/02/2024"})
    html = response.get_data(as_text=True)
    assert "Cette date n’existe pas : vérifiez le jour et le mois." in html
    assert re.search(r'<input[^>]*id="given_on"[^>]*type="text"[^>]*value="31/02/2024"', html) or \
        re.search(r'type="text" value="31/02/2024"', html)
    for typed, message in (("2024-13-01", "n’existe pas"), ("14 mai", "JJ/MM/AAAA"),
                           ("14/05/24", "4 chiffres"), ("01/01/1850", "trop ancienne"),
                           ("01/01/1991", "antérieure à la date de naissance")):
        html = post(client, section_url("vaccinations"),
                    {**LISTS["vaccinations"][0], "given_on": typed}).get_data(as_text=True)
        assert message in html, typed


def test_french_dates_are_understood(login_as, ctx, person):
    client = login_as("amina")
    post(client, section_url("maladies"), {"name": "Entorse", "started_on": "3/7/2023",
                                           "ended_on": "28/07/2023"})
    entry = entries(ctx, "maladies", person("Amina"))[-1]
    assert (entry.started_on, entry.ended_on) == (date(2023, 7, 3), date(2023, 7, 28))


def test_an_end_before_the_start_is_refused(login_as, ctx, person):
    client = login_as("amina")
    response = post(client, section_url("maladies"),
                    {"name": "Entorse", "started_on": "2023-07-03", "ended_on": "2023-06-01"})
    assert "La date de fin doit être après la date de début." in response.get_data(as_text=True)
    assert entries(ctx, "maladies", person("Amina")) == []


def test_with_htmx_a_refused_form_replaces_itself_with_its_errors(login_as):
    client = login_as("amina")
    response = post(client, section_url("allergies"), {"substance": "", "reaction": "Toux"},
                    htmx=True)
    html = response.get_data(as_text=True)
    assert is_fragment(response)
    assert response.headers["HX-Retarget"] == "#profil-ajout"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert html.lstrip().startswith('<div id="profil-ajout"')
    assert 'class="error-summary"' in html
    assert "Saisissez ce qui provoque l’allergie ou l’intolérance." in html
    assert "Indiquez s’il s’agit d’une allergie ou d’une intolérance." in html
    assert 'value="Toux"' in html


def test_with_htmx_a_refused_edit_stays_in_place(login_as, ctx, person):
    client = login_as("jean")
    metformine = next(t for t in entries(ctx, "traitements", person("Jean"))
                      if t.name.startswith("Metformine"))
    url = f"{section_url('traitements')}{metformine.id}/modifier"
    form_page = client.get(url, headers=HTMX)
    response = post(client, url, {"name": "", "dose": "1 comprimé le soir"}, True, form_page)
    assert response.headers["HX-Retarget"] == f"#entree-{metformine.id}"
    assert response.headers["HX-Reselect"] == f"#entree-{metformine.id}"
    assert response.headers["HX-Reswap"] == "outerHTML"
    html = response.get_data(as_text=True)
    assert "Saisissez le nom du médicament ou du traitement." in html
    assert 'value="1 comprimé le soir"' in html
    assert f'href="#e{metformine.id}-name"' in html


def test_lifestyle_needs_one_answer_and_directives_one_wish(login_as):
    client = login_as("amina")
    html = post(client, section_url("habitudes-de-vie"), {}).get_data(as_text=True)
    assert "Renseignez au moins une habitude de vie." in html
    html = post(client, section_url("directives-anticipees"),
                {"written_on": "2026-01-10"}).get_data(as_text=True)
    assert "Écrivez au moins un souhait." in html


def test_choices_outside_the_list_are_refused_in_french(login_as, ctx, person):
    client = login_as("amina")
    jean_condition = entries(ctx, "maladies", person("Jean"))[0]
    html = post(client, section_url("traitements"),
                {"name": "X", "condition_id": str(jean_condition.id)}).get_data(as_text=True)
    assert "Choisissez une des valeurs proposées." in html
    html = post(client, section_url("groupe-sanguin"), {"value": "C+"}).get_data(as_text=True)
    assert "Choisissez une des valeurs proposées." in html


# --- pas concerné(e) ------------------------------------------------------------------------

def test_a_section_can_be_marked_not_concerned_and_unmarked(login_as, ctx, person):
    from portal.profile.models import NotConcerned
    client = login_as("amina")
    page = client.get(section_url("handicaps"))
    assert "Je ne suis pas concernée" in page.get_data(as_text=True)
    response = post(client, f"{section_url('handicaps')}pas-concerne", {"pas_concerne": "1"},
                    page=page)
    assert response.status_code == 303
    html = client.get(section_url("handicaps")).get_data(as_text=True)
    assert "Vous avez indiqué ne pas être concernée par cette rubrique." in html
    assert "Pas concernée" in client.get("/dossier/profil/").get_data(as_text=True)
    assert journal("profile.disabilities.not_concerned")

    response = post(client, f"{section_url('handicaps')}pas-concerne", {"pas_concerne": "0"},
                    htmx=True)
    assert is_fragment(response)
    assert "de nouveau à renseigner" in response.get_data(as_text=True)
    assert not NotConcerned.select().where(NotConcerned.patient == person("Amina").id).exists()


def test_adding_an_entry_takes_back_not_concerned_and_a_filled_section_cannot_be_marked(
        login_as, ctx, person):
    from portal.profile.models import NotConcerned
    client = login_as("amina")
    post(client, f"{section_url('allergies')}pas-concerne", {"pas_concerne": "1"})
    post(client, section_url("allergies"), LISTS["allergies"][0])
    assert not NotConcerned.select().where(NotConcerned.patient == person("Amina").id).exists()
    response = post(client, f"{section_url('allergies')}pas-concerne", {"pas_concerne": "1"})
    assert response.status_code == 303
    assert "contient déjà des éléments" in client.get(section_url("allergies")).get_data(
        as_text=True)
    assert not NotConcerned.select().where(NotConcerned.patient == person("Amina").id).exists()


def test_a_professional_does_not_mark_not_concerned(login_as, person):
    client = login_as("benali")
    assert open_space(client, person("Camille").id).status_code == 302
    page = client.get(section_url("handicaps"))
    assert "pas concernée" not in page.get_data(as_text=True)
    response = post(client, f"{section_url('handicaps')}pas-concerne", {"pas_concerne": "1"},
                    page=page)
    assert response.status_code == 403


# --- who may change what ----------------------------------------------------------------------

def test_a_professionals_entry_is_labelled_and_the_patient_cannot_delete_it(
        login_as, ctx, person):
    jean = person("Jean")
    allergy = entries(ctx, "allergies", jean)[0]
    client = login_as("jean")
    html = client.get(section_url("allergies")).get_data(as_text=True)
    assert "Ajoutée par le Dr Nadia Benali, médecin généraliste, le 18 janvier 2024" in html
    assert f"{allergy.id}/supprimer" not in html and f"{allergy.id}/modifier" not in html

    url = f"{section_url('allergies')}{allergy.id}/supprimer"
    response = post(client, url, {})
    assert response.status_code == 303
    html = client.get(section_url("allergies")).get_data(as_text=True)
    assert "seul son auteur peut le modifier ou le supprimer" in html
    response = post(client, f"{section_url('allergies')}{allergy.id}/modifier",
                    {"substance": "Rien", "kind": "allergie"})
    assert response.status_code == 303
    assert BY_SLUG["allergies"].model.get_by_id(allergy.id).substance == "Pénicilline"
    assert journal("profile.allergies.change")[-1].outcome == "denied"

    benali = login_as("benali")
    assert open_space(benali, jean.id).status_code == 302
    page = benali.get(section_url("allergies"))
    assert f"{allergy.id}/supprimer" in page.get_data(as_text=True)
    response = post(benali, url, {}, page=page)
    assert response.status_code == 303
    assert entries(ctx, "allergies", jean) == []


def test_a_professional_changes_only_their_own_entries(login_as, ctx, person):
    jean = person("Jean")
    metformine = next(t for t in entries(ctx, "traitements", jean)
                      if t.name.startswith("Metformine"))
    client = login_as("benali")
    assert open_space(client, jean.id).status_code == 302
    response = post(client, f"{section_url('traitements')}{metformine.id}/supprimer", {})
    assert response.status_code == 303
    assert BY_SLUG["traitements"].model.get_or_none(id=metformine.id) is not None
    response = post(client, section_url("traitements"), {"name": "Furosémide 40 mg"})
    assert response.status_code == 303
    html = login_as("jean").get(section_url("traitements")).get_data(as_text=True)
    assert "Furosémide 40 mg" in html
    assert "Ajouté par le Dr Nadia Benali, médecin généraliste, le" in html


def test_a_caregiver_with_read_only_delegation_cannot_add(login_as, ctx, person):
    from portal.proxies.models import Delegation
    Delegation.update(scopes="dossier_read").execute()
    jean = person("Jean")
    client = login_as("camille")
    assert open_space(client, jean.id).status_code == 302
    page = client.get(section_url("allergies"))
    assert page.status_code == 200
    assert 'id="profil-ajout"' not in page.get_data(as_text=True)
    before = len(entries(ctx, "allergies", jean))
    response = post(client, section_url("allergies"),
                    {**LISTS["allergies"][0], "_space": str(jean.id)}, page=page)
    assert response.status_code == 403
    assert len(entries(ctx, "allergies", jean)) == before


def test_a_caregivers_entry_names_who_added_it_for_whom(login_as, ctx, person):
    from portal.proxies.models import Delegation
    Delegation.update(scopes="dossier_read,dossier_write").execute()
    client = login_as("camille")
    assert open_space(client, person("Jean").id).status_code == 302
    post(client, section_url("allergies"), LISTS["allergies"][0])
    html = login_as("jean").get(section_url("allergies")).get_data(as_text=True)
    assert re.search(r"Ajoutée par Camille Martin pour Jean Dupont le \d+ \w+ \d{4}", html)


def test_another_patients_entry_is_not_found(login_as, ctx, person):
    jean_treatment = entries(ctx, "traitements", person("Jean"))[0]
    client = login_as("amina")
    base = f"{section_url('traitements')}{jean_treatment.id}"
    assert client.get(f"{base}/modifier").status_code == 404
    assert client.get(f"{base}/supprimer").status_code == 404
    assert post(client, f"{base}/supprimer", {}).status_code == 404
    assert post(client, f"{base}/modifier", {"name": "X"}).status_code == 404
    assert BY_SLUG["traitements"].model.get_by_id(jean_treatment.id).name == jean_treatment.name


def test_an_unknown_section_is_not_found(login_as):
    client = login_as("amina")
    assert client.get(section_url("chirurgie")).status_code == 404
    assert post(client, section_url("chirurgie"), {},
                page=client.get(section_url("allergies"))).status_code == 404


def test_a_minor_has_no_advance_directives_form(login_as, ctx, person):
    lina = person("Lina")
    client = login_as("camille")
    assert open_space(client, lina.id).status_code == 302
    page = client.get(section_url("directives-anticipees"))
    html = page.get_data(as_text=True)
    assert "réservées aux adultes" in html
    assert 'id="profil-ajout"' not in html and "life_support" not in html
    response = post(client, section_url("directives-anticipees"),
                    {"written_on": "2026-01-10", "life_support": "Non", "_space": str(lina.id)},
                    page=page)
    assert response.status_code == 404
    assert entries(ctx, "directives-anticipees", lina) == []
    overview = client.get("/dossier/profil/").get_data(as_text=True)
    assert "Réservé aux personnes majeures" in overview


def test_advance_directives_are_written_by_the_person_not_by_a_professional(login_as, person):
    client = login_as("benali")
    assert open_space(client, person("Jean").id).status_code == 302
    page = client.get(section_url("directives-anticipees"))
    html = page.get_data(as_text=True)
    assert "Pas d’acharnement" not in html and "maintenu en vie par des machines" in html
    assert 'id="profil-ajout"' not in html
    assert post(client, section_url("directives-anticipees"),
                {"place": "Ici", "_space": str(person("Jean").id)}, page=page).status_code == 403


def test_reading_an_entry_to_edit_it_is_journaled(login_as, ctx, person):
    entry = entries(ctx, "vaccinations", person("Amina"))[0]
    login_as("amina").get(f"{section_url('vaccinations')}{entry.id}/modifier")
    event = journal("profile.view")[-1]
    assert (event.object_type, event.object_id) == ("vaccinations", str(entry.id))


# --- hospitalisations and documents ---------------------------------------------------------

def make_document(patient, author, title, **labels):
    import secrets
    from portal.documents.models import Document
    return Document.create(patient=patient, author=author, title=title,
                           document_date=date(2025, 3, 4), category="comptes_rendus",
                           storage_key=secrets.token_hex(16), mime_type="application/pdf",
                           size=10, sha256="0" * 64, **labels)


def test_a_hospitalisation_links_documents_the_actor_sees(login_as, ctx, person):
    from portal.accounts.models import Account
    from portal.profile.models import HospitalizationDocument as Link
    from portal.documents.models import Document
    amina = person("Amina")
    Document.delete().where(Document.patient == amina.id).execute()
    client = login_as("amina")
    html = client.get(section_url("hospitalisations")).get_data(as_text=True)
    assert "Aucun document de ce dossier ne peut être lié" in html
    me = Account.get(Account.person == amina.id)
    report = make_document(amina, me, "Compte rendu de sortie")
    hidden = make_document(amina, me, "Résultat pas encore annoncé", hidden_from_patient=True)
    page = client.get(section_url("hospitalisations"))
    assert "Compte rendu de sortie" in page.get_data(as_text=True)
    assert "Résultat pas encore annoncé" not in page.get_data(as_text=True)

    response = post(client, section_url("hospitalisations"),
                    {**LISTS["hospitalisations"][0], "documents": [str(hidden.id)]}, page=page)
    assert "Choisissez une des valeurs proposées." in response.get_data(as_text=True)
    post(client, section_url("hospitalisations"),
         {**LISTS["hospitalisations"][0], "documents": [str(report.id)]}, page=page)
    stay = entries(ctx, "hospitalisations", amina)[-1]
    assert [link.document_id for link in Link.select().where(Link.hospitalization == stay.id)] \
        == [report.id]
    html = client.get(section_url("hospitalisations")).get_data(as_text=True)
    assert "Compte rendu de sortie (4 mars 2025)" in html

    # A link to a document the editor does not see survives their edit.
    Link.create(hospitalization=stay.id, document=hidden.id)
    url = f"{section_url('hospitalisations')}{stay.id}/modifier"
    post(client, url, {**LISTS["hospitalisations"][0], "documents": []}, page=client.get(url))
    assert [link.document_id for link in Link.select().where(Link.hospitalization == stay.id)] \
        == [hidden.id]


# --- the overview -----------------------------------------------------------------------------

def test_overview_shows_what_is_filled_and_what_is_missing(login_as, person):
    html = login_as("jean").get("/dossier/profil/").get_data(as_text=True)
    assert "<h1>Mon profil médical</h1>" in html
    cards = dict(re.findall(r'<a href="/dossier/profil/([a-z-]+)/">[^<]+</a></h2>\s*'
                            r'<p><span class="status status--\w+">([^<]+)</span>', html))
    assert cards["maladies"] == "4 éléments"
    assert cards["traitements"] == "3 éléments"
    assert cards["allergies"] == "1 élément"
    assert cards["groupe-sanguin"] == "A+"
    assert cards["directives-anticipees"].startswith("Dernière mise à jour")
    assert "10 rubriques sur 10 sont renseignées ou sans objet." in html

    html = login_as("amina").get("/dossier/profil/").get_data(as_text=True)
    cards = dict(re.findall(r'<a href="/dossier/profil/([a-z-]+)/">[^<]+</a></h2>\s*'
                            r'<p><span class="status status--\w+">([^<]+)</span>', html))
    assert cards["vaccinations"] == "1 élément" and cards["groupe-sanguin"] == "B+"
    assert cards["allergies"] == "Non renseigné"
    assert "2 rubriques sur 10 sont renseignées ou sans objet." in html
    assert "À compléter :" in html

    client = login_as("camille")
    assert open_space(client, person("Lina").id).status_code == 302
    html = client.get("/dossier/profil/").get_data(as_text=True)
    assert "Profil médical de Lina Martin" in html
    cards = dict(re.findall(r'<a href="/dossier/profil/([a-z-]+)/">[^<]+</a></h2>\s*'
                            r'<p><span class="status status--\w+">([^<]+)</span>', html))
    assert cards["vaccinations"] == "11 éléments"
    assert cards["allergies"] == "Pas concernée"
    assert cards["directives-anticipees"] == "Réservé aux personnes majeures"


def test_the_profile_is_read_through_profile_view_and_journaled(login_as, ctx, person):
    client = login_as("girard")
    assert open_space(client, person("Jean").id).status_code == 302
    assert client.get("/dossier/profil/vaccinations/").status_code == 200
    event = journal("profile.view")[-1]
    assert event.detail == "/dossier/profil/vaccinations/" and event.patient_id == person("Jean").id
    assert login_as("operateur").get("/dossier/profil/").status_code in (403, 404)
