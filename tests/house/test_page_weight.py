"""Small pages: the whole first load (HTML + CSS + JS + icon, as sent on the wire) stays under
30 KB."""
import os

import pytest
from benchmarks.weight import first_load
from conftest import ROOT_DIR

BUDGET = 30 * 1024


@pytest.mark.skipif(not os.path.exists(f"{ROOT_DIR}/static/vendor/htmx.min.js"),
                    reason="htmx is fetched by `make install`")
@pytest.mark.parametrize("role, url", [
    (None, "/connexion"), ("camille", "/dossier/"), ("benali", "/espaces"),
    ("camille", "/parametres/sessions"), ("jean", "/dossier/mesures/tension/"),
    ("jean", "/dossier/documents/"), ("jean", "/dossier/profil/traitements/"),
    ("jean", "/dossier/ordonnances/"), ("camille", "/proches"), ("jean", "/entourage"),
    ("sophie", "/espaces"), ("sophie", "/mandats/nouveau"),
    ("camille", "/proches/delegations/inviter"), ("jean", "/messagerie/"),
    ("benali", "/messagerie/pro/"), ("jean", "/messagerie/ecrire"),
    ("jean", "/parametres/notifications"), ("camille", "/imprimer/"),
    ("camille", "/parametres/fermer-mon-espace"), ("operateur", "/operateur/espaces-fermes")])
def test_first_load_under_budget(app, login_as, role, url):
    client = login_as(role) if role else app.test_client()
    total, parts = first_load(client, url)
    assert "/static/vendor/htmx.min.js" in parts  # the measurement includes htmx itself
    assert total < BUDGET, parts


def test_no_web_fonts_and_no_third_party_origin(app, login_as):
    html = login_as("camille").get("/dossier/").get_data(as_text=True)
    assert "@font-face" not in open(f"{ROOT_DIR}/static/css/carnet.css").read()
    assert "http://" not in html.replace('xmlns="http://', "") and "https://" not in html
