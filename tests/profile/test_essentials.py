"""The record's essentials (blood group, allergies, treatments, ongoing conditions) are read by
one function (portal/profile/essentials.py) for the record's first page, the emergency
summary and the papers, so they never list different things."""
from datetime import date
from pathlib import Path

from conftest import account
from helpers import declare

ROOT = Path(__file__).resolve().parents[2]
READERS = ("portal/dossier/views.py", "portal/emergency/views.py", "portal/summary/content.py")


def test_pages_and_papers_read_the_essentials_from_one_place():
    for path in READERS:
        source = (ROOT / path).read_text(encoding="utf-8")
        for query in ("Allergy.select(", "Treatment.select(", "BloodGroup.get_or_none("):
            assert query not in source, (path, query)
        assert "profile.essentials import" in source, path


def test_the_first_page_and_the_emergency_summary_list_the_same_essentials(
        ctx, login_as, person):
    from portal.profile.essentials import essentials
    from portal.profile.models import Allergy, Condition
    jean = person("Jean")
    author = account("jean")
    for substance in ("Pollen de bouleau", "Arachide"):
        Allergy.create(patient=jean, author=author, substance=substance, kind="allergie")
    Condition.create(patient=jean, author=author, name="Entorse guérie",
                     started_on=date(2020, 1, 2), ended_on=date(2020, 2, 1))
    Condition.create(patient=jean, author=author, name="Asthme léger")
    found = essentials(jean.id)
    substances = [a.substance for a in found["allergies"]]
    assert substances == sorted(substances) and "Arachide" in substances
    names = [c.name for c in found["conditions"]]
    assert "Asthme léger" in names and "Entorse guérie" not in names
    home = login_as("jean").get("/dossier/").get_data(as_text=True)
    lefevre = login_as("dr.lefevre@example.org")
    assert declare(lefevre).status_code == 303
    emergency = lefevre.get("/urgence/synthese").get_data(as_text=True)
    for page in (home, emergency):
        assert page.index("Arachide") < page.index("Pollen de bouleau")
        assert "Asthme léger" in page and "Entorse guérie" not in page
