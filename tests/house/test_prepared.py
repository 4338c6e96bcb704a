"""db.Prepared: the queries every request asks are built once and give what the query gives."""
from datetime import date, timedelta

import pytest


@pytest.mark.db
def test_a_prepared_query_reads_the_same_rows_as_the_query(ctx, person):
    from portal.accounts.models import Account, Person
    from portal.db import Prepared

    def build(person_id, born_after):
        return (Account.select(Account, Person).join(Person)
                .where(Account.person == person_id, Person.birth_date > born_after)
                .order_by(Account.id))

    prepared = Prepared(build, 0, date.today())
    camille = person("Camille")
    for person_id, born_after in ((camille.id, date(1900, 1, 1)), (camille.id, date(2100, 1, 1)),
                                  (person("Jean").id, date(1900, 1, 1))):
        expected = [(a.id, a.email, a.person.family_name, a.person.birth_date)
                    for a in build(person_id, born_after)]
        got = [(a.id, a.email, a.person.family_name, a.person.birth_date)
               for a in prepared(person_id, born_after)]
        assert got == expected
    assert isinstance(prepared.first(camille.id, date(1900, 1, 1)).person.birth_date, date)
    assert prepared.first(camille.id, date(2100, 1, 1)) is None


def test_its_sql_is_built_once_per_database(ctx, person):
    from portal.accounts.models import Person
    from portal.db import Prepared
    built = []

    def build(person_id):
        built.append(person_id)
        return Person.select().where(Person.id == person_id)

    prepared = Prepared(build, 0)
    for name in ("Camille", "Jean", "Lina"):
        assert prepared.first(person(name).id).given_names == name
    assert len(built) == 1


def test_an_argument_missing_from_the_sql_is_refused(ctx):
    from portal.accounts.models import Person
    from portal.db import Prepared
    prepared = Prepared(lambda person_id, unused: Person.select().where(Person.id == person_id),
                        0, 0)
    with pytest.raises(ValueError):
        prepared(1, 2)


@pytest.mark.db
def test_the_badge_counts_what_the_inbox_counts(ctx, person):
    """The header's prepared count is the inbox's definition of unread: messages from the
    professional, not read, in conversations neither trashed nor deleted by the patient."""
    from portal.accounts.models import utcnow
    from portal.messaging import rules
    from portal.messaging.models import Conversation, Message

    def by_definition(patient_id):
        return rules.unread_messages(rules.in_box(rules.patient_side(patient_id), pro=False),
                                     pro=False).count()

    jean = person("Jean")
    conversations = list(Conversation.select().where(Conversation.patient == jean.id))
    assert len(conversations) >= 2
    Message.update(read_at=None).where(Message.from_professional == True).execute()  # noqa: E712
    counts = [rules.unread_count_for_patient(jean.id)]
    assert counts[0] == by_definition(jean.id) > 0
    Conversation.update(patient_trashed_at=utcnow()).where(
        Conversation.id == conversations[0].id).execute()
    counts.append(rules.unread_count_for_patient(jean.id))
    assert counts[1] == by_definition(jean.id)
    Conversation.update(patient_deleted_at=utcnow() + timedelta(seconds=1)).where(
        Conversation.id == conversations[1].id).execute()
    counts.append(rules.unread_count_for_patient(jean.id))
    assert counts[2] == by_definition(jean.id)
    assert counts[0] > counts[2]


@pytest.mark.db
def test_a_prepared_insert_writes_the_row_save_writes(ctx, person, backend):
    """db.PreparedInsert (the journal's append) writes, column for column, what Model.save
    writes for the same values (model instances become their ids, datetimes read back the
    same), returns the new id, and its SQL is built once per database."""
    from portal.accounts.models import Account, utcnow
    from portal.audit import APPEND_FIELDS, ActivityEvent
    from portal.db import PreparedInsert
    from portal.extensions import db
    camille = person("Camille")
    actor = Account.get(Account.person == camille.id)
    append = PreparedInsert(ActivityEvent, APPEND_FIELDS)
    for patient, at in ((camille, utcnow()), (None, utcnow().replace(microsecond=0))):
        values = dict(at=at, actor=actor, actor_name="Camille M", patient=patient,
                      action="dossier.view", object_type="document", object_id="12",
                      via="self", outcome="ok", detail="/dossier/", ip="127.0.0.1")
        saved = ActivityEvent(**values)
        saved.save(force_insert=True)
        new_id = append(*[values[field.name] for field in APPEND_FIELDS])
        assert new_id == saved.id + 1
        read = {row.id: {name: value for name, value in row.__data__.items() if name != "id"}
                for row in ActivityEvent.select().where(ActivityEvent.id.in_([saved.id, new_id]))}
        assert read[new_id] == read[saved.id]
        assert read[new_id]["actor"] == actor.id and read[new_id]["seal"] is None
    sql = append._compiled[1][0]
    assert append._compiled[0] is db.obj and sql.startswith('INSERT INTO "activity_event"')
    assert ("RETURNING" in sql) == (backend == "postgresql")


def test_the_journal_appends_without_model_save(ctx, person, monkeypatch):
    """audit.record writes its entry with the prepared INSERT (audit.APPEND): no Model.save
    machinery on every page that shows health data. The entry it returns names its row."""
    from portal import audit
    from portal.audit import ActivityEvent

    def refused(*args, **kwargs):
        raise AssertionError("the journal's append went through Model.save")

    monkeypatch.setattr(ActivityEvent, "save", refused)
    event = audit.record("dossier.view", patient=person("Camille"), detail="/dossier/")
    stored = ActivityEvent.get_by_id(event.id)
    assert (stored.action, stored.patient_id, stored.detail) == \
        ("dossier.view", person("Camille").id, "/dossier/")
    assert not event.is_dirty()


@pytest.mark.db
def test_its_reader_works_out_the_columns_once(ctx, person, monkeypatch):
    """What peewee's reader works out from the query and the cursor's columns (which model,
    field and conversion each column goes to) is worked out on the first call only; later
    calls read the same joined models and converted values."""
    import peewee

    from portal.accounts.models import Account, Person
    from portal.db import Prepared
    resolved = []
    real = peewee._resolve_model_columns

    def counting(cursor, model, select):
        if model is Account:  # not the people looked up below
            resolved.append(select)
        return real(cursor, model, select)

    monkeypatch.setattr(peewee, "_resolve_model_columns", counting)
    prepared = Prepared(lambda person_id: Account.select(Account, Person).join(Person)
                        .where(Account.person == person_id), 0)
    for name in ("Camille", "Jean", "Camille", "Nobody"):
        account = prepared.first(person(name).id if name != "Nobody" else -1)
        if name == "Nobody":
            assert account is None
        else:
            assert account.person.given_names == name
            assert isinstance(account.person.birth_date, date) and not account.is_dirty()
    assert len(resolved) == 1
