"""Counting the SQL statements a piece of code runs, for the query-count guard.

    with count_queries() as statements:
        client.get("/dossier/")
    assert len(statements) <= 14

Every statement peewee sends goes through `Database.execute_sql` (selects, counts, inserts,
updates, BEGIN/COMMIT are not statements: peewee runs them through the driver's own calls), so
wrapping it on the bound database sees each one, whatever the backend.
"""
from contextlib import contextmanager


@contextmanager
def count_queries():
    """Yield the list of SQL statements (text only) executed while the block runs."""
    from portal.extensions import db
    target = db.obj
    original = target.execute_sql
    seen = []

    def counting(sql, *args, **kwargs):
        seen.append(sql)
        return original(sql, *args, **kwargs)

    target.execute_sql = counting
    try:
        yield seen
    finally:
        del target.execute_sql
