"""sqlcache: each shape of query has its SQL built once, and a query never gets the SQL (or the
parameters) of another shape: other filters, another operator, another page size or offset,
another number of values in an IN, NULL instead of a value, another database."""
from datetime import date, datetime, timedelta, timezone

import peewee
import pytest
import time_machine
from peewee import JOIN, CharField, PostgresqlDatabase, SqliteDatabase, fn


@pytest.fixture
def renders(monkeypatch):
    """How many times peewee turned a tree into SQL text (every rendering ends with query())."""
    seen = []
    original = peewee.Context.query

    def counting(self):
        result = original(self)
        seen.append(result[0])
        return result

    monkeypatch.setattr(peewee.Context, "query", counting)
    return seen


def variants(patient, other, day):
    """Queries of many shapes, from values: the same function called with other values gives
    the same shapes with other parameters."""
    from portal.accounts.models import Account, Person
    from portal.agenda.models import Appointment
    from portal.audit import ActivityEvent
    from portal.documents.models import Document
    visible = Document.select().where(Document.patient == patient,
                                      Document.hidden_from_patient == False)  # noqa: E712
    ordered = visible.order_by(Document.document_date.desc(), Document.id.desc())
    pro, creator = Account.alias(), Account.alias()
    pro_person, creator_person = Person.alias(), Person.alias()
    subquery = Document.select(Document.author).where(Document.patient == patient)
    return {
        "no filter": ordered,
        "category": ordered.where(Document.category == "lab"),
        "folder": ordered.where(Document.folder == f"folder {patient}"),
        "category and folder": ordered.where(Document.category == "lab",
                                             Document.folder == f"folder {patient}"),
        "from": ordered.where(Document.document_date >= day),
        "until": ordered.where(Document.document_date <= day),
        "title": ordered.where(Document.title.contains(f"bilan {other}")),
        "patient or author": Document.select().where(
            (Document.patient == patient) | (Document.author == other)),
        "page size 10": ordered.limit(10),
        "page size 20": ordered.limit(20),
        "first page": ordered.paginate(1, 20),
        "third page": ordered.paginate(3, 20),
        "one id": Document.select().where(Document.patient.in_([patient])),
        "two ids": Document.select().where(Document.patient.in_([patient, other])),
        "three ids": Document.select().where(Document.patient.in_([patient, other, patient])),
        "no folder": visible.where(Document.folder.is_null()),
        "hidden": Document.select().where(Document.patient == patient,
                                          Document.hidden_from_patient == True),  # noqa: E712
        "count": visible.count,
        "count of a page": ordered.limit(5).count,
        "distinct folders": visible.select(Document.folder).distinct()
        .order_by(Document.folder),
        "authors": Account.select().where(Account.id.in_(subquery)),
        "authors twice": Account.select().where(Account.id.in_(subquery)
                                                | Account.person.in_(subquery)),
        "aliases": Appointment.select(Appointment, pro, pro_person, creator, creator_person)
        .join(pro, JOIN.LEFT_OUTER, on=(Appointment.professional == pro.id))
        .join(pro_person, JOIN.LEFT_OUTER, on=(pro.person == pro_person.id))
        .switch(Appointment)
        .join(creator, JOIN.LEFT_OUTER, on=(Appointment.created_by == creator.id))
        .join(creator_person, JOIN.LEFT_OUTER, on=(creator.person == creator_person.id))
        .where(Appointment.patient == patient,
               Appointment.starts_at > datetime(day.year, day.month, day.day, 8)),
        "journal": ActivityEvent.select().where(ActivityEvent.patient == patient)
        .order_by(ActivityEvent.id.desc()).limit(3),
        "maximum": Document.select(fn.MAX(Document.document_date)).where(
            Document.patient == patient),
    }


def rows(query):
    if callable(query):  # count(): peewee builds its query inside
        return query()
    return [tuple(row) for row in query.tuples()]


def _sent(database, run):
    """The (sql, params) `run` sends to the database, in order."""
    sent = []
    original = database.execute_sql

    def recording(sql, params=None, *args, **kwargs):
        sent.append((sql, list(params or ())))
        return original(sql, params, *args, **kwargs)

    database.execute_sql = recording
    try:
        result = run()
    finally:
        del database.execute_sql
    return result, sent


def _plain(database, run):
    """What peewee alone sends for `run` (the cache bypassed)."""
    database.execute = database._uncached_execute
    try:
        return _sent(database, run)
    finally:
        del database.execute


@pytest.mark.db
def test_each_shape_gets_its_own_sql_and_parameters(ctx, person, renders):
    """The same shapes asked with other values, each query following one of another shape:
    each sends exactly what peewee alone sends for it (SQL and parameters), reads the same
    rows, and after the first round no SQL is built. The first round repeats a value in two
    places (the patient is the author): later rounds must still put each value where it goes."""
    from portal.extensions import db
    camille, jean = person("Camille"), person("Jean")
    database = db.obj
    assert database.caches_sql
    database.forget_sql()
    rounds = [(camille.id, camille.id, date(2023, 3, 3)), (camille.id, jean.id, date(2024, 1, 15)),
              (jean.id, camille.id, date(2025, 6, 1))]
    cached_renders = []
    for values in rounds:
        for name, query in variants(*values).items():
            before = len(renders)
            got, sent = _sent(database, lambda query=query: rows(query))
            cached_renders.append(len(renders) - before)
            fresh = variants(*values)[name]  # the same query built again, for peewee alone
            expected, expected_sent = _plain(database, lambda fresh=fresh: rows(fresh))
            assert sent == expected_sent, name
            assert got == expected, name
    learned = len(variants(*rounds[0]))
    assert sum(cached_renders[learned:]) == 0, "a shape seen before was rendered again"
    assert sum(cached_renders[:learned]) >= learned


def _capturing(database):
    sent = []
    database.execute_sql = lambda sql, params=None, *a, **k: sent.append((sql, list(params)))
    return sent


def test_sqlite_sql_is_never_served_to_postgresql():
    """The same query objects on a SQLite and a PostgreSQL database, alternately: each gets
    its own parameter style (and a PostgreSQL database started after the SQLite one learned
    everything still renders for itself)."""
    from portal.accounts.models import Account, Person
    from portal.sqlcache import with_cached_sql
    lite = with_cached_sql(SqliteDatabase(":memory:"))
    postgres = with_cached_sql(PostgresqlDatabase("carnet_never_connected"))
    seen_lite, seen_pg = _capturing(lite), _capturing(postgres)
    for person_id in (1, 2, 3):
        query = (Account.select(Account, Person).join(Person)
                 .where(Account.person == person_id, Person.birth_date > date(2000, 1, 1))
                 .limit(5))
        lite.execute(query)
        postgres.execute(query)
        assert seen_lite[-1] == (lite.get_sql_context().sql(query).query()[0],
                                 [person_id, date(2000, 1, 1), 5])
        assert "?" in seen_lite[-1][0] and "%s" not in seen_lite[-1][0]
        assert seen_pg[-1][0] == postgres.get_sql_context().sql(query).query()[0]
        assert "%s" in seen_pg[-1][0] and "?" not in seen_pg[-1][0]
        assert seen_pg[-1][1] == [person_id, date(2000, 1, 1), 5]
    assert len(lite._sql_shapes) == len(postgres._sql_shapes) == 1


class Lowered(CharField):
    """A field whose converter changes the value (as an e-mail field that lowers it)."""

    def db_value(self, value):
        return value.strip().lower() if isinstance(value, str) else value


def test_a_value_a_converter_changes_is_never_a_copied_parameter():
    """A value the field's converter changes cannot be dropped in as a parameter: each query
    sends its own converted value."""
    from portal.accounts.models import Account
    from portal.sqlcache import with_cached_sql
    field = Lowered()
    field.bind(Account, "lowered_for_test", set_attribute=False)
    database = with_cached_sql(SqliteDatabase(":memory:"))
    sent = _capturing(database)
    for email in ("camille@example.org", "Jean@Example.org ", "lina@example.org"):
        database.execute(Account.select().where(field == email, Account.id > 7))
        assert sent[-1][1] == [email.strip().lower(), 7]


def test_a_tree_it_cannot_read_is_rendered_by_peewee_each_time():
    """A model instance or a set in the tree: rendered by peewee, every time, right."""
    from portal.accounts.models import Account, Person
    from portal.sqlcache import with_cached_sql
    database = with_cached_sql(SqliteDatabase(":memory:"))
    sent = _capturing(database)
    for person_id in (4, 5):
        who = Person(id=person_id)
        query = Account.select().where(Account.person == who)
        database.execute(query)
        assert sent[-1] == (database.get_sql_context().sql(query).query()[0], [person_id])
    assert not database.__dict__.get("_sql_shapes")


def test_the_cache_starts_again_past_its_bound(monkeypatch):
    from portal import sqlcache
    from portal.accounts.models import Account
    monkeypatch.setattr(sqlcache, "MAX_SHAPES", 3)
    database = sqlcache.with_cached_sql(SqliteDatabase(":memory:"))
    sent = _capturing(database)
    for size in range(1, 8):  # seven shapes: IN lists of 1..7 ids
        ids = list(range(100, 100 + size))
        query = Account.select().where(Account.id.in_(ids))
        database.execute(query)
        assert sent[-1] == (database.get_sql_context().sql(query).query()[0], ids)
        assert len(database._sql_shapes) <= 3


@pytest.mark.db
def test_a_warm_page_builds_no_sql(ctx, login_as, person, renders):
    """Once each main page has been seen, asking it again (with the session's load, the
    policy's queries, the view's own and the journal's INSERT) builds no SQL at all."""
    from conftest import open_space
    from helpers import give_a_conversation, urls
    lina = person("Lina")
    give_a_conversation(person("Camille"))
    client = login_as("camille")
    own = urls(person("Camille"))
    with time_machine.travel(datetime.now(timezone.utc), tick=False):
        for _ in range(2):
            for name, (path, headers) in own.items():
                assert client.get(path, headers=headers).status_code == 200, name
        before = len(renders)
        for name, (path, headers) in own.items():
            assert client.get(path, headers=headers).status_code == 200, name
            assert len(renders) == before, f"{name} built SQL again: {renders[before:]}"
        # The session's save: its last-seen time is written at most once a minute.
        from portal.accounts.models import UserSession
        seen = [row.last_seen_at for row in UserSession.select()]
        for minutes in (2, 4):
            with time_machine.travel(datetime.now(timezone.utc) + timedelta(minutes=minutes),
                                     tick=False):
                before = len(renders)
                assert client.get("/dossier/").status_code == 200
                if minutes == 4:
                    assert len(renders) == before, f"the session's save: {renders[before:]}"
        assert [row.last_seen_at for row in UserSession.select()] != seen
        # Acting for her child: other relations, other policy paths, learned once too.
        assert open_space(client, lina.id).status_code == 302
        acting = ("/dossier/", "/dossier/documents/", "/agenda/", "/dossier/profil/")
        for path in acting:
            assert client.get(path).status_code == 200, path
        before = len(renders)
        for path in acting:
            assert client.get(path).status_code == 200, path
            assert len(renders) == before, f"{path} built SQL again: {renders[before:]}"


@pytest.mark.db
def test_a_default_made_while_rendering_is_made_again_for_each_insert(ctx, person):
    """An INSERT that leaves out a column with a callable default (peewee calls it while
    rendering: not a value of the tree) gets a fresh default each time, even when two
    renderings gave the same value (the same day)."""
    from portal.documents.models import DossierSettings
    from portal.extensions import db
    # What the default gives, call after call: a cache that rendered the first INSERT twice
    # (both 1 January) and kept the value would write 1 January three times.
    days = iter([date(2030, 1, 1), date(2030, 1, 1), date(2030, 1, 2), date(2030, 1, 3),
                 date(2030, 1, 4), date(2030, 1, 5)])

    class Dated(DossierSettings):
        made_on = peewee.DateField(default=lambda: next(days))

        class Meta:
            table_name = "sqlcache_dated_test"

    db.obj.create_tables([Dated])
    try:
        for patient in (person("Camille"), person("Jean"), person("Lina")):
            Dated.insert(patient=patient.id, mask_all_from_pros=False).execute()
        made = [row.made_on for row in Dated.select().order_by(Dated.id)]
        assert made == [date(2030, 1, 1), date(2030, 1, 1), date(2030, 1, 2)]
    finally:
        db.obj.drop_tables([Dated])


@pytest.mark.db
def test_get_or_none_finds_what_peewee_finds_and_builds_nothing_when_nothing_matches(
        ctx, person, renders):
    """BaseModel.get_or_none: the row (by id or by condition) or None, as peewee's; a miss no
    longer builds the query's SQL text for an exception message nobody reads."""
    from peewee import Model

    from portal.accounts.models import Person
    from portal.profile.models import BloodGroup
    camille = person("Camille")
    assert Person.get_or_none(camille.id).given_names == "Camille"
    assert Person.get_or_none(Person.given_names == "Camille").id == camille.id
    assert Person.get_or_none(given_names="Jean").id == person("Jean").id
    assert Person.get_or_none(-1) is None
    missing = BloodGroup.patient == -5
    assert (BloodGroup.get_or_none(missing) is None
            and Model.get_or_none.__func__(BloodGroup, missing) is None)
    BloodGroup.get_or_none(BloodGroup.patient == -6)
    before = len(renders)
    assert BloodGroup.get_or_none(BloodGroup.patient == -7) is None
    assert len(renders) == before


def test_the_reader_keys_unset_clauses_flags_and_columns_without_a_call_each(monkeypatch):
    """A query's tree is mostly unset clauses (None), flags and columns: the reader keys them
    in the loop over a node's attributes or a list's items (a call per value was most of the
    cost of reading a tree), and still calls itself for everything else."""
    from portal import sqlcache
    from portal.documents.models import Document
    query = (Document.select(Document.id, Document.title).where(Document.patient == 7)
             .order_by(Document.document_date.desc()).distinct())
    sqlcache._Reader().read(query)  # each class is categorized the first time it is met
    seen = []
    original = sqlcache._Reader.read

    def counting(self, obj):
        seen.append(obj)
        return original(self, obj)

    monkeypatch.setattr(sqlcache._Reader, "read", counting)
    reader = sqlcache._Reader()
    reader.read(query)
    assert seen[0] is query and 7 in reader.scalars
    inline = [obj for obj in seen[1:]
              if obj is None or type(obj) is bool or isinstance(obj, peewee.Field)]
    assert inline == []
    assert len(seen) < 15
