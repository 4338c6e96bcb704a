"""portal/pages_of.py: a list a page at a time, counted only when its first page cannot tell
how many rows there are."""
import pytest
from helpers import copies
from querycount import count_queries


@pytest.fixture
def documents(ctx, person):
    """A query of Camille's documents, and a way to give her `n` of them exactly."""
    from portal.documents.models import Document
    owner = person("Camille")

    def query():
        return Document.select().where(Document.patient == owner.id)

    template = query().get()

    def make(n):
        Document.delete().where(Document.patient == owner.id).execute()
        copies(Document, [template], n)
        assert query().count() == n
    return query, make


def page(app, query, args, size=5):
    from portal.documents.models import Document
    from portal.pages_of import page_of
    with app.test_request_context(f"/{args}"):
        with count_queries() as statements:
            rows, number, pages, total = page_of(query(), [Document.id], size=size)
    return [r.id for r in rows], number, pages, total, len(statements)


def test_a_first_page_that_is_not_full_is_the_whole_list_and_is_not_counted(app, documents):
    query, make = documents
    for n in (0, 1, 4):
        make(n)
        ids, number, pages, total, statements = page(app, query, "")
        assert (len(ids), number, pages, total, statements) == (n, 1, 1, n, 1)


def test_a_full_first_page_is_counted(app, documents):
    query, make = documents
    for n, expected_pages in ((5, 1), (6, 2), (12, 3)):
        make(n)
        ids, number, pages, total, statements = page(app, query, "")
        assert (len(ids), number, pages, total, statements) == (5, 1, expected_pages, n, 2)


def test_other_pages_and_pages_out_of_range(app, documents):
    query, make = documents
    make(12)
    every = [r.id for r in query().order_by(query().model.id)]
    assert page(app, query, "?page=2")[:4] == (every[5:10], 2, 3, 12)
    assert page(app, query, "?page=3")[:4] == (every[10:], 3, 3, 12)
    # Past the end: the last page; not a number, zero or negative: the first.
    assert page(app, query, "?page=9")[:4] == (every[10:], 3, 3, 12)
    for args in ("?page=abc", "?page=0", "?page=-2", "?page="):
        assert page(app, query, args)[:4] == (every[:5], 1, 3, 12)
    make(0)
    assert page(app, query, "?page=4")[:4] == ([], 1, 1, 0)


def test_first_rows_counts_only_a_full_batch(app, documents):
    from portal.pages_of import first_rows
    query, make = documents
    for n, statements_expected in ((3, 1), (10, 2), (11, 2)):
        make(n)
        with count_queries() as statements:
            rows, total = first_rows(query(), 10, query())
        assert (len(rows), total, len(statements)) == (min(n, 10), n, statements_expected)


def test_without_an_order_the_query_keeps_its_own(app, documents):
    from portal.documents.models import Document
    from portal.pages_of import page_of
    query, make = documents
    make(7)
    newest_first = [r.id for r in query().order_by(Document.id.desc())]
    with app.test_request_context("/?page=2"):
        rows, number, pages, total = page_of(query().order_by(Document.id.desc()), size=5)
    assert ([r.id for r in rows], number, pages, total) == (newest_first[5:], 2, 2, 7)
