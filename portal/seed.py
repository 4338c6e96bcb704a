"""Demo data used by reviewers and by the browser tests: keep these accounts exactly."""
from datetime import date, timedelta

from .access.models import Grant
from .accounts.models import (ROLE_MEDIATOR, ROLE_OPERATOR, ROLE_PATIENT, ROLE_PROFESSIONAL,
                              Account, Person, utcnow)
from .accounts.nir import with_key
from .accounts.passwords import hash_password
from .db import write_tx
from .proxies.models import Delegation, Guardianship, Mandate

DEMO_PASSWORD = "demo-carnet-2026"

PEOPLE = [
    # key, NIR first 13 digits, family, given, birth, sex, phone, address
    ("camille", "2800519272001", "Martin", "Camille", date(1980, 5, 14), "F", "06 12 34 56 78",
     "12 rue des Tilleuls, 19000 Tulle"),
    ("lina", "2150919272044", "Martin", "Lina", date(2015, 9, 2), "F", None,
     "12 rue des Tilleuls, 19000 Tulle"),
    ("jean", "1440219031012", "Dupont", "Jean", date(1944, 2, 11), "M", "05 55 20 11 42",
     "3 place de la Mairie, 19800 Corrèze"),
    ("amina", "2921175112078", "Diallo", "Amina", date(1992, 11, 30), "F", "07 61 23 45 90",
     "48 avenue Jean-Jaurès, 75019 Paris"),
    ("sophie", "2870619272033", "Bernard", "Sophie", date(1987, 6, 3), "F", "05 55 26 70 00",
     "France Services, 2 quai de la République, 19000 Tulle"),
    ("benali", "2760369123017", "Benali", "Nadia", date(1976, 3, 21), "F", "05 55 26 14 14",
     "Cabinet médical, 8 avenue Victor-Hugo, 19000 Tulle"),
    ("girard", "1820487085021", "Girard", "Paul", date(1982, 4, 9), "M", "05 55 26 33 10",
     "Pharmacie du Trech, 1 rue du Trech, 19000 Tulle"),
    ("lefevre", "1790887085022", "Lefèvre", "Hugo", date(1979, 8, 17), "M", "15",
     "SAMU 87, CHU Dupuytren, 87042 Limoges"),
    ("operateur", "1850775056123", "Moreau", "Claire", date(1985, 7, 7), "F", "36 46",
     "CPAM de la Corrèze, 19000 Tulle"),
]

ACCOUNTS = [
    # person key, e-mail, role, extra
    ("camille", "camille.martin@example.org", ROLE_PATIENT, {}),
    ("jean", "jean.dupont@example.org", ROLE_PATIENT, {}),
    ("amina", "amina.diallo@example.org", ROLE_PATIENT, {}),
    ("sophie", "sophie.bernard@example.org", ROLE_MEDIATOR,
     {"structure": "France Services de Tulle"}),
    ("benali", "dr.benali@example.org", ROLE_PROFESSIONAL,
     {"rpps": "10000000001", "profession": "medecin_generaliste"}),
    ("girard", "p.girard@example.org", ROLE_PROFESSIONAL,
     {"rpps": "10000000002", "profession": "pharmacien"}),
    ("lefevre", "dr.lefevre@example.org", ROLE_PROFESSIONAL,
     {"rpps": "10000000003", "profession": "medecin_regulateur"}),
    ("operateur", "operateur@example.org", ROLE_OPERATOR, {}),
]


# Short names used by tests and documentation: "camille" -> her e-mail, and so on.
DEMO_EMAILS = {key: email for key, email, _role, _extra in ACCOUNTS}


def seed_demo():
    """Create whatever demo record is missing; never change or delete existing data."""
    created = 0
    people = {}
    accounts = {}
    password_hash = None
    with write_tx():
        for key, nir13, family, given, birth, sex, phone, address in PEOPLE:
            nir = with_key(nir13)
            person = Person.get_or_none(Person.nir == nir)
            if person is None:
                person = Person.create(nir=nir, family_name=family, given_names=given,
                                       birth_date=birth, sex=sex, phone=phone, address=address)
                created += 1
            people[key] = person
        for key, email, role, extra in ACCOUNTS:
            account = Account.get_or_none(Account.email == email)
            if account is None:
                password_hash = password_hash or hash_password(DEMO_PASSWORD)
                account = Account.create(person=people[key], email=email, role=role,
                                         password_hash=password_hash, **extra)
                Person.update(email=email).where(Person.id == people[key].id).execute()
                created += 1
            accounts[key] = account

        if not Guardianship.select().where(Guardianship.guardian == people["camille"],
                                           Guardianship.ward == people["lina"]).exists():
            Guardianship.create(guardian=people["camille"], ward=people["lina"], kind="parent",
                                accepted_at=utcnow())
            created += 1
        today = date.today()
        if not Delegation.select().where(Delegation.patient == people["jean"],
                                         Delegation.caregiver == people["camille"]).exists():
            Delegation.create(patient=people["jean"], caregiver=people["camille"],
                              scopes="dossier_read,messaging,agenda",
                              starts_on=today - timedelta(days=60),
                              ends_on=today + timedelta(days=305), accepted_at=utcnow())
            created += 1
        if not Mandate.select().where(Mandate.patient == people["jean"],
                                      Mandate.mediator == accounts["sophie"]).exists():
            Mandate.create(patient=people["jean"], mediator=accounts["sophie"],
                           tasks="agenda,documents,summaries",
                           starts_at=utcnow() - timedelta(days=20),
                           ends_at=utcnow() + timedelta(days=160),
                           confirmed_at=utcnow() - timedelta(days=20))
            created += 1
        for patient, pro, treating in (("camille", "benali", True), ("jean", "benali", True),
                                       ("lina", "benali", True), ("jean", "girard", False)):
            if not Grant.select().where(Grant.patient == people[patient],
                                        Grant.professional == accounts[pro]).exists():
                Grant.create(patient=people[patient], professional=accounts[pro],
                             treating_doctor=treating)
                created += 1
    for area in AREA_DEMOS:
        module = _area_demo(area)
        if module is not None:
            with write_tx():
                created += module.seed(people, accounts)
    return created


# Each area may ship demo content in portal/<area>/demo.py: seed(people, accounts) -> int, given
# the demo people and accounts by short name; it must be idempotent (create what is missing).
AREA_DEMOS = ("profile", "measures", "documents", "prescriptions", "entourage",
              "messaging", "agenda", "prevention", "reimbursements", "connect")


def _area_demo(area):
    import importlib
    import importlib.util
    if importlib.util.find_spec(f"portal.{area}") is None or \
            importlib.util.find_spec(f"portal.{area}.demo") is None:
        return None
    return importlib.import_module(f"portal.{area}.demo")
