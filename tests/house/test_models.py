"""Model-level behaviour, run on SQLite and on PostgreSQL alike."""
import threading
from datetime import date, timedelta

import pytest

pytestmark = pytest.mark.db


def test_migrated_schema_matches_the_models(ctx):
    """A model change without its migration fails here, on both engines."""
    from portal.extensions import db
    from scripts_schema import all_models
    for model in all_models():
        table = model._meta.table_name
        columns = {c.name for c in db.get_columns(table)}
        expected = {f.column_name for f in model._meta.sorted_fields}
        assert columns == expected, (table, columns ^ expected)


def _starts_of_others(indexes):
    """(index, longer index) pairs where the first's columns begin the second's: `indexes` are
    (name, unique, partial, columns). A unique or partial index is never redundant (it
    enforces, or covers, something else); nor is one that only a partial index extends."""
    return [(name, other) for name, unique, partial, columns in indexes
            if not unique and not partial
            for other, _unique, other_partial, longer in indexes
            if other != name and not other_partial and len(longer) > len(columns)
            and longer[:len(columns)] == columns]


def test_no_table_has_an_index_that_starts_another(ctx):
    """An index whose columns begin another index of its table serves nothing the longer one
    does not, and costs a write at every insert (a foreign key's own index beside an index
    on that key and a date: the journal wrote seven at every page read). m0025 dropped them."""
    from portal.extensions import db
    from scripts_schema import all_models
    redundant = []
    for model in all_models():
        table = model._meta.table_name
        indexes = [(i.name, i.unique, " WHERE " in (i.sql or "").upper(), list(i.columns))
                   for i in db.get_indexes(table)]
        redundant += [(table, *pair) for pair in _starts_of_others(indexes)]
    assert not redundant


def test_no_model_declares_an_index_that_starts_another():
    """The models say the same (`index=False` on such a key), so that a table made from them
    (scripts/new_migration.py, create_table) has none either."""
    from scripts_schema import all_models
    redundant = []
    for model in all_models():
        indexes = [(i._name, i._unique, i._where is not None,
                    [f.column_name for f in i._expressions])
                   for i in model._meta.fields_to_index()]
        redundant += [(model.__name__, *pair) for pair in _starts_of_others(indexes)]
    assert not redundant


def test_migrations_are_idempotent(ctx):
    from portal.migrations import upgrade
    assert upgrade(echo=lambda *_: None) == []


def test_seed_is_idempotent_and_keeps_existing_data(ctx):
    from portal.accounts.models import Account, Person
    from portal.seed import seed_demo
    Person.update(phone="01 02 03 04 05").where(Person.given_names == "Jean").execute()
    before = (Person.select().count(), Account.select().count())
    assert seed_demo() == 0
    assert (Person.select().count(), Account.select().count()) == before
    assert Person.get(Person.given_names == "Jean").phone == "01 02 03 04 05"


def test_demo_people_and_relationships(ctx, person):
    from portal.accounts.models import Account
    from portal.policy import relations_for
    camille = Account.get(Account.email == "camille.martin@example.org")
    kinds = {(r.kind, r.person.given_names) for r in relations_for(camille)}
    assert kinds == {("self", "Camille"), ("guardian", "Lina"), ("delegation", "Jean")}
    benali = Account.get(Account.email == "dr.benali@example.org")
    assert {r.person.given_names for r in relations_for(benali)} == {"Camille", "Jean", "Lina"}
    assert benali.rpps == "10000000001" and benali.display_name == "Dr Nadia Benali"
    assert relations_for(Account.get(Account.email == "operateur@example.org")) == []
    assert person("Lina").birth_date == date(2015, 9, 2) and person("Lina").is_minor
    assert not Account.select().where(Account.person == person("Lina")).exists()


def test_delegation_scopes_map_to_actions(ctx):
    from portal.accounts.models import Account
    from portal.policy import DOSSIER_VIEW, PROXIES_VIEW, allowed, relations_for
    camille = Account.get(Account.email == "camille.martin@example.org")
    jean_rel = next(r for r in relations_for(camille) if r.kind == "delegation")
    assert "dossier_read" in jean_rel.scopes and "proxies" not in jean_rel.scopes
    assert allowed(camille, DOSSIER_VIEW, jean_rel)
    assert not allowed(camille, PROXIES_VIEW, jean_rel)


def test_future_and_unaccepted_delegations_give_nothing(ctx):
    from portal.accounts.models import Account
    from portal.policy import relations_for
    from portal.proxies.models import Delegation
    camille = Account.get(Account.email == "camille.martin@example.org")
    Delegation.update(starts_on=date.today() + timedelta(days=1)).execute()
    assert "delegation" not in {r.kind for r in relations_for(camille)}
    Delegation.update(starts_on=date.today(), accepted_at=None).execute()
    assert "delegation" not in {r.kind for r in relations_for(camille)}


def test_journal_seals_stay_linear_under_concurrent_writers_and_sealers(app):
    """Several threads (own connections) append while two sealers run; every entry is sealed
    once and the seals form one chain."""
    from portal import audit
    from portal.audit.seal import seal_pending
    from portal.audit.verify import verify
    from portal.extensions import db
    errors, writing = [], threading.Event()

    def writer(n):
        try:
            with app.app_context():
                db.connect(reuse_if_open=True)
                for i in range(10):
                    audit.record("test.concurrent", detail=f"{n}-{i}")
                db.close()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def sealer():
        try:
            with app.app_context():
                db.connect(reuse_if_open=True)
                while not writing.is_set():
                    seal_pending(batch_size=4)
                db.close()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    sealers = [threading.Thread(target=sealer) for _ in range(2)]
    for t in sealers + writers:
        t.start()
    for t in writers:
        t.join(60)
    writing.set()
    for t in sealers:
        t.join(60)
    assert not errors, errors
    with app.app_context():
        db.connect(reuse_if_open=True)
        seal_pending()
        report = verify(full=True)
        concurrent = audit.ActivityEvent.select().where(
            audit.ActivityEvent.action == "test.concurrent",
            audit.ActivityEvent.seal.is_null(False)).count()
        db.close()
    assert report.intact and report.pending == 0 and concurrent == 40


def test_outbox_keeps_mail_without_smtp(ctx, app):
    from portal import mail
    with app.app_context():
        message = mail.send("Someone@Example.org", "Sujet", "Corps")
    assert mail.OutboxMessage.get_by_id(message.id).status == "kept"
    assert mail.latest_for("someone@example.org").subject == "Sujet"


def test_nir_key_is_checked():
    from portal.accounts.nir import is_valid_nir, with_key
    assert is_valid_nir(with_key("1440219031012"))
    assert is_valid_nir("1 44 02 19 031 012 57")
    assert not is_valid_nir("144021903101258")  # wrong key
    assert not is_valid_nir("14402190310125")   # 14 digits
    corsica = "28005" + "2A" + "123456"
    assert is_valid_nir(with_key(corsica))


def test_every_model_means_the_apps_own_models():
    """registry.all_models() (what deletion walks, what the schema checks compare) leaves out
    a BaseModel subclass defined outside portal/, as tests define (and then drop the table of)."""
    import peewee

    from portal.db import BaseModel
    from portal.registry import all_models

    class Elsewhere(BaseModel):
        note = peewee.TextField()

    found = all_models()
    assert Elsewhere not in found
    assert found and all(m.__module__.startswith("portal.") for m in found)
