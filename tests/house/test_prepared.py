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
