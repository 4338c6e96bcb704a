"""The query-count guard: each main page runs at most the SQL statements written below, and the
same number with 30 documents, conversations, messages or appointments as with 3, for the
patient in their own space and for a parent acting in their child's space.

A page over its ceiling has grown a query (look at what the layout, the policy or the view asks
again); a count that grows with the rows is a query in a loop (a relation read row by row in a
template: join it, or read it once for the whole page). When a change makes a page cheaper,
lower its ceiling here.
"""
from datetime import datetime, timezone

import pytest
import time_machine
from conftest import open_space
from helpers import _first, copies, give_a_conversation, urls
from querycount import count_queries

# page -> ceiling (statements per request), the same in one's own space and acting for someone.
# A page that records a reading in the journal counts 1 statement for it (a plain INSERT);
# who is asking (the session's row and its account) is 1 statement.
CEILINGS = {
    "dossier": 11,
    "documents": 8,
    "document": 9,
    "profile": 7,
    "measures": 7,
    "agenda": 8,
    "inbox": 8,
    "thread": 17,
    "history": 8,
    "reimbursements": 7,
    "entourage": 10,
    "settings": 3,
    "documents fragment": 4,
    "badge poll": 3,
}

SPACES = {"own space": ("camille", "Camille"), "acting for": ("camille", "Lina")}

# Lists that count their rows only once their first page is full (portal/pages_of.py: a first
# page that is not full holds every row): past a page, each adds that one COUNT, never one
# statement per row.
COUNTED_ONCE_FULL = {"documents": 2, "documents fragment": 1, "inbox": 1, "agenda": 2,
                     "history": 1, "reimbursements": 1}


def grow(owner):
    """Ten times each list of `owner`'s space: documents, conversations (with their messages),
    the messages of their first conversation, appointments, contacts, measures, reimbursements."""
    from portal.agenda.models import Appointment
    from portal.documents.models import Document
    from portal.entourage.models import Contact
    from portal.measures.models import Measure
    from portal.messaging.models import Conversation, Message
    from portal.reimbursements.models import Reimbursement
    copies(Document, list(Document.select().where(Document.patient == owner.id)), 9)
    first = Conversation.get_by_id(_first(Conversation, Conversation.patient == owner.id))
    messages = list(Message.select().where(Message.conversation == first.id))
    copies(Message, messages, 9)
    for conversation_id in copies(Conversation, [first], 9):
        copies(Message, messages, 1, conversation=conversation_id)
    copies(Appointment, list(Appointment.select().where(Appointment.patient == owner.id)), 9)
    copies(Contact, list(Contact.select().where(Contact.patient == owner.id)), 9)
    copies(Measure, list(Measure.select().where(Measure.patient == owner.id)), 9)
    copies(Reimbursement, list(Reimbursement.select().where(Reimbursement.patient == owner.id)), 9)


def counts(client, pages):
    """Statements per page: each page is read once first (what a first visit does once, such
    as marking a thread read, is not counted), then counted."""
    found = {}
    for name, (url, headers) in pages.items():
        assert client.get(url, headers=headers).status_code == 200, name
        with count_queries() as statements:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, (name, response.status_code)
        found[name] = len(statements)
    return found


@pytest.mark.db
@pytest.mark.parametrize("space", SPACES)
def test_each_main_page_stays_under_its_ceiling_and_does_not_grow_with_rows(
        ctx, login_as, person, backend, space):
    actor, owner_name = SPACES[space]
    owner = person(owner_name)
    give_a_conversation(owner)
    pages = urls(owner)
    client = login_as(actor)
    if owner.given_names != "Camille":  # her own space is open at login
        assert open_space(client, owner.id).status_code == 302
    with time_machine.travel(datetime.now(timezone.utc), tick=False):
        few = counts(client, pages)
        over = {name: n for name, n in few.items() if n > CEILINGS[name]}
        assert not over, f"pages over their ceiling ({space}, {backend}): {over} / {CEILINGS}"
        grow(owner)
        # The history lists what was just read: it now has more entries than a page shows.
        many = counts(client, pages)
    grown = {name: (few[name], many[name]) for name in few
             if not few[name] <= many[name] <= few[name] + COUNTED_ONCE_FULL.get(name, 0)}
    assert not grown, f"statements that grow with the rows (a query in a loop): {grown}"


def test_the_counter_sees_a_query_in_a_loop(ctx, login_as, person):
    """The guard itself: a view made to read each document's author one by one (the loop this
    test exists to catch) counts more with more documents."""
    from portal.documents.models import Document
    owner = person("Camille")
    client = login_as("camille")
    with time_machine.travel(datetime.now(timezone.utc), tick=False):
        def loop_count():
            with count_queries() as statements:
                for document in Document.select().where(Document.patient == owner.id):
                    document.author.email  # noqa: B018 (one query per document)
            return len(statements)
        before = loop_count()
        grow(owner)
        assert loop_count() > before
        assert client.get("/dossier/").status_code == 200


def test_a_fragment_runs_none_of_the_layouts_queries(ctx, login_as):
    """An htmx fragment is swapped into a page that has its header already: no unread count,
    no space switcher (the whole page asks both)."""
    client = login_as("camille")
    with time_machine.travel(datetime.now(timezone.utc), tick=False):
        whole, fragment = (counts(client, {"page": ("/dossier/documents/", headers)})["page"]
                           for headers in ({}, {"HX-Request": "true"}))
        with count_queries() as statements:
            assert client.get("/dossier/documents/", headers={"HX-Request": "true"}).status_code \
                == 200
    assert fragment < whole
    assert not [sql for sql in statements if '"message"' in sql]
