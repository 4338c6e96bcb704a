"""Profile models and date parsing, on SQLite and PostgreSQL alike."""
from datetime import date

import pytest

from portal.forms.fields import parse_date


@pytest.mark.parametrize("typed, expected", [
    ("2024-05-14", date(2024, 5, 14)), ("14/05/2024", date(2024, 5, 14)),
    ("4/5/2024", date(2024, 5, 4)), ("14.05.2024", date(2024, 5, 14)),
    (" 14-05-2024 ", date(2024, 5, 14)), ("29/02/2024", date(2024, 2, 29)),
])
def test_dates_typed_either_way(typed, expected):
    assert parse_date(typed) == (expected, None)


@pytest.mark.parametrize("typed, message", [
    ("29/02/2023", "n’existe pas"), ("2024-02-30", "n’existe pas"), ("00/01/2024", "n’existe pas"),
    ("14/05/24", "4 chiffres"), ("mai 2024", "JJ/MM/AAAA"), ("14052024", "JJ/MM/AAAA"),
    ("01/01/1899", "trop ancienne"),
])
def test_impossible_dates_get_a_french_message(typed, message):
    value, problem = parse_date(typed)
    assert value is None and message in str(problem)


@pytest.mark.db
def test_sections_list_their_entries_in_order_with_authors(ctx, person):
    from portal.profile.sections import BY_KEY
    jean = person("Jean")
    conditions = list(BY_KEY["conditions"].entries(jean.id))
    # Ongoing first (latest start first), ended ones last.
    assert [c.name for c in conditions] == ["Fibrillation atriale", "Diabète de type 2",
                                            "Hypertension artérielle",
                                            "Cataracte de l’œil droit, opérée"]
    assert conditions[0].author.display_name == "Dr Nadia Benali"
    vaccinations = list(BY_KEY["vaccinations"].entries(jean.id))
    assert vaccinations[0].given_on == date(2025, 10, 21)
    assert vaccinations[-1].given_on == date(2009, 4, 16)


@pytest.mark.db
def test_deleting_a_condition_keeps_its_treatments(ctx, person):
    from portal.profile.models import Condition, Treatment
    jean = person("Jean")
    diabetes = Condition.get(Condition.patient == jean.id, Condition.name == "Diabète de type 2")
    metformine = Treatment.get(Treatment.condition == diabetes.id)
    diabetes.delete_instance()
    assert Treatment.get_by_id(metformine.id).condition_id is None


@pytest.mark.db
def test_single_value_sections_hold_one_row_and_not_concerned_once(ctx, person):
    from peewee import IntegrityError

    from portal.accounts.models import Account
    from portal.extensions import db
    from portal.profile.models import BloodGroup, NotConcerned
    amina = person("Amina")
    author = Account.get(Account.person == amina.id)
    with pytest.raises(IntegrityError), db.atomic():
        BloodGroup.create(patient=amina, author=author, value="O-")
    for _ in range(2):
        NotConcerned.insert(patient=amina.id, section="allergies",
                            marked_by=author.id).on_conflict_ignore().execute()
    assert NotConcerned.select().where(NotConcerned.patient == amina.id).count() == 1


@pytest.mark.db
def test_the_demo_profiles_are_consistent(ctx, person):
    from portal.profile.models import AdvanceDirectives, NotConcerned, Vaccination
    lina = person("Lina")
    doses = list(Vaccination.select().where(Vaccination.patient == lina.id))
    assert len(doses) == 11 and all(d.given_on > lina.birth_date for d in doses)
    assert all(d.given_on <= date.today() for d in Vaccination.select())
    assert not AdvanceDirectives.select().where(AdvanceDirectives.patient == lina.id).exists()
    assert NotConcerned.select().where(NotConcerned.patient == lina.id).count() == 4
