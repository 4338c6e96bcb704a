"""Every relationship × scope × page of a space, and every way a relationship ends.

The expectations are written out by hand (page -> the relations that may open it), not derived
from policy.RULES, so a rule that changes by mistake fails here. A page of a space that is not in
the table fails the test too: each new page must be classified.
"""
from datetime import date, timedelta

import pytest
from conftest import csrf_from
from helpers import RELATIONS, set_up

READERS = {"self", "guardian", "deleg:dossier_read", "mandate:documents",
           "grant:treating_doctor", "grant:pharmacist", "emergency"}
HOLDER = {"self", "guardian"}  # the patient, or their legal representative

# GET pages of a space (no id in the URL) -> the relations that may open them.
PAGES = {
    "/dossier/": READERS,
    "/dossier/profil/": READERS,
    "/dossier/mesures/": READERS,
    "/dossier/documents/": READERS,
    "/dossier/ordonnances/": READERS,
    "/dossier/histoire/": READERS,  # reimbursed care: read like the documents
    "/dossier/documents/ajouter": HOLDER | {"deleg:dossier_write", "mandate:documents"},
    "/dossier/documents/deposer": {"grant:treating_doctor", "grant:pharmacist"},
    "/dossier/ordonnances/nouvelle": {"grant:treating_doctor"},
    "/dossier/historique/": HOLDER,
    "/dossier/historique/export.csv": HOLDER,
    "/dossier/professionnels/": HOLDER,
    "/proches": HOLDER,
    "/proches/delegations/inviter": HOLDER,
    "/proches/representants/inviter": {"guardian"},  # a minor's second parent
    "/entourage": READERS,
    "/entourage/don-d-organes": HOLDER,
    "/parametres/urgence": {"self"},  # never a representative's or a caregiver's choice
    "/urgence/synthese": {"emergency"},
    "/messagerie/": HOLDER | {"deleg:messaging", "mandate:messages_read"},
    "/messagerie/corbeille": HOLDER | {"deleg:messaging", "mandate:messages_read"},
    "/messagerie/ecrire": HOLDER | {"deleg:messaging"},  # reading only is not writing
    "/messagerie/corbeille/vider": HOLDER | {"deleg:messaging"},
    "/messagerie/pro/nouveau": {"grant:treating_doctor", "grant:pharmacist", "emergency"},
    "/messagerie/ordonnance": HOLDER,  # messaging and the record's prescriptions
    "/agenda/": HOLDER | {"deleg:agenda", "mandate:agenda"},
    "/agenda/ajouter": HOLDER | {"deleg:agenda", "mandate:agenda"},
    "/agenda/export.ics": HOLDER | {"deleg:agenda", "mandate:agenda"},
    "/agenda/abonnement": HOLDER,  # the private calendar URL: the holder's or a parent's
    "/agenda/pro/ajouter": {"grant:treating_doctor", "grant:pharmacist"},
    "/agenda/prevention": HOLDER | {"deleg:agenda", "mandate:agenda"},
    # printing: a caregiver who reads the record, a mediator given that task; no professional
    "/imprimer/": HOLDER | {"deleg:dossier_read", "mandate:summaries"},
    "/parametres/fermer-mon-espace": {"self"},  # closing a space is its holder's alone
    # connected services: connecting one is the holder's or a legal representative's
    "/services/connectes": HOLDER,
    "/oauth/authorize": HOLDER,
    # taking the whole space away: never a caregiver, a mediator or a professional
    "/mes-donnees/": HOLDER,
}
# Pages whose allowed answer is not 200 when called without their parameters.
ALLOWED_STATUS = {"/oauth/authorize": 400}  # no app asked: "Demande de connexion invalide"


def space_pages(app):
    """GET URLs without parameters whose action needs an open space."""
    from portal.policy import RULES
    found = set()
    for rule in app.url_map.iter_rules():
        action = getattr(app.view_functions[rule.endpoint], "_policy_action", None)
        if "GET" in rule.methods and not rule.arguments and action in RULES and \
                RULES[action].needs_space:
            found.add(rule.rule)
    return found


def test_every_page_of_a_space_is_classified(app):
    unclassified = space_pages(app) - set(PAGES)
    assert not unclassified, f"add these pages to PAGES with who may open them: {unclassified}"
    assert not set(PAGES) - space_pages(app), "PAGES names a page that no longer exists"


@pytest.mark.parametrize("key", sorted(RELATIONS))
def test_each_relation_opens_exactly_its_pages(ctx, login_as, person, key):
    client, owner = set_up(key, person, login_as)
    wrong = []
    for url, allowed in sorted(PAGES.items()):
        response = client.get(url)
        text = response.get_data(as_text=True)
        if key in allowed:
            expected = ALLOWED_STATUS.get(url, 200)
            if response.status_code != expected:
                wrong.append((url, response.status_code, f"expected {expected}"))
        elif response.status_code != 403:
            wrong.append((url, response.status_code, "expected 403"))
        elif "Vous n’avez pas le droit d’ouvrir cette page." in text:
            wrong.append((url, 403, "the refusal does not explain itself"))
    assert not wrong, (key, wrong)


@pytest.mark.parametrize("key", sorted(RELATIONS))
def test_menus_offer_only_pages_the_relation_opens(ctx, login_as, person, key):
    """No link in the header or the record's sub-menu leads to a refusal."""
    import re
    client, _owner = set_up(key, person, login_as)
    start = "/dossier/" if key in READERS else "/espaces"
    text = client.get(start).get_data(as_text=True)
    links = set(re.findall(r'href="(/[^"#?]*)"', text)) & set(PAGES)
    for url in links:
        assert key in PAGES[url], (key, url)


def _past():
    from portal.accounts.models import utcnow
    return utcnow() - timedelta(minutes=1)


# Ways a relationship stops: (actor, owner, change made while the actor has the space open).
ENDINGS = {
    "delegation revoked": ("camille", "Jean", lambda m: m.Delegation.update(ended_at=_past())),
    "delegation expired": ("camille", "Jean", lambda m: m.Delegation.update(
        ends_on=date.today() - timedelta(days=1))),
    "delegation not started": ("camille", "Jean", lambda m: m.Delegation.update(
        starts_on=date.today() + timedelta(days=1))),
    "delegation not accepted": ("camille", "Jean", lambda m: m.Delegation.update(
        accepted_at=None)),
    "mandate revoked": ("sophie", "Jean", lambda m: m.Mandate.update(ended_at=_past())),
    "mandate expired": ("sophie", "Jean", lambda m: m.Mandate.update(ends_at=_past())),
    "mandate not confirmed": ("sophie", "Jean", lambda m: m.Mandate.update(confirmed_at=None)),
    "guardianship ended": ("camille", "Lina", lambda m: m.Guardianship.update(ended_at=_past())),
    "guardianship not accepted": ("camille", "Lina", lambda m: m.Guardianship.update(
        accepted_at=None)),
    "grant blocked": ("girard", "Jean", lambda m: m.Grant.update(blocked=True)),
    "grant expired": ("girard", "Jean", lambda m: m.Grant.update(expires_at=_past())),
}


class _Models:
    from portal.access.models import Grant
    from portal.proxies.models import Delegation, Guardianship, Mandate


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_an_ended_relation_closes_the_space_at_the_next_request(ctx, login_as, person, ending):
    actor, owner_name, change = ENDINGS[ending]
    client = login_as(actor)
    owner = person(owner_name)
    assert client.post(f"/espaces/{owner.id}", data={
        "csrf_token": csrf_from(client.get("/espaces"))}).status_code == 302
    assert client.get("/dossier/").status_code == 200
    query = change(_Models)
    assert query.execute() >= 1, ending
    response = client.get("/dossier/")
    text = response.get_data(as_text=True)
    assert f"Vous agissez pour {owner.full_name}" not in text, ending
    assert owner.full_name not in text or response.status_code != 200, ending
    if actor == "camille":  # a patient is brought back to their own space, and told so
        assert response.status_code == 200 and "a pris fin" in text, ending
    else:  # a mediator or professional is told no space is open any more
        assert response.status_code == 403 and "aucun espace n’est ouvert" in text, ending
    assert client.post(f"/espaces/{owner.id}", data={
        "csrf_token": csrf_from(client.get("/espaces"))}).status_code == 404, ending


@pytest.mark.parametrize("how", ["patient objects", "time is up", "professional ends it"])
def test_an_ended_emergency_access_closes_the_space(ctx, login_as, person, how):
    from portal.emergency.models import EmergencyAccess, EmergencySettings
    client, owner = set_up("emergency", person, login_as)
    assert client.get("/urgence/synthese").status_code == 200
    if how == "patient objects":
        EmergencySettings.create(patient=owner, samu_allowed=False)
    elif how == "time is up":
        EmergencyAccess.update(ends_at=_past()).execute()
    else:
        EmergencyAccess.update(ended_at=_past()).execute()
    assert client.get("/urgence/synthese").status_code == 403
    assert client.get("/dossier/").status_code == 403
    assert client.post(f"/espaces/{owner.id}", data={
        "csrf_token": csrf_from(client.get("/espaces"))}).status_code == 404


def test_the_header_switcher_lists_every_space_with_relation_and_scope(ctx, login_as, person):
    import re
    client = login_as("camille")
    page = client.get("/dossier/").get_data(as_text=True)
    switcher = page[page.index('<details class="switcher">'):page.index("</details>")]
    for name in ("Lina", "Jean"):
        assert f'action="/espaces/{person(name).id}"' in switcher
    assert "Représentante légale" in switcher and "Proche aidante (délégation)" in switcher
    jean = switcher[switcher.index(f"/espaces/{person('Jean').id}"):]
    jean = jean[:jean.index("</li>")]  # Jean's delegation, in plain words
    assert "consulter le dossier" in jean and "messagerie" in jean and "agenda" in jean
    assert "lire les messages" not in jean  # implied by "messagerie"
    # one click: the button posts straight to the space, with the CSRF token of the page
    token = re.search(r'name="csrf_token" value="([^"]+)"', switcher).group(1)
    response = client.post(f"/espaces/{person('Jean').id}", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Vous agissez pour Jean Dupont" in client.get("/dossier/").get_data(as_text=True)


def test_no_switcher_for_someone_with_only_their_own_space(ctx, login_as):
    page = login_as("amina").get("/dossier/").get_data(as_text=True)
    assert 'class="switcher"' not in page


@pytest.mark.parametrize("role, url, current", [
    ("operateur", "/operateur/tutelles/rattacher", "Tutelles"),
    ("operateur", "/annuaire/", "Annuaire"),
    ("camille", "/proches/delegations/inviter", "Mes proches"),
    ("camille", "/dossier/profil/", "Dossier"),
    ("sophie", "/mandats/nouveau", "Mes mandats"),
])
def test_one_menu_item_marks_the_current_page(ctx, login_as, role, url, current):
    import re
    text = login_as(role).get(url).get_data(as_text=True)
    menu = text[text.index('<nav id="navigation"'):]
    marked = re.findall(r'aria-current="page">([^<]+)<', menu[:menu.index("</nav>")])
    assert marked == [current], (url, marked)
