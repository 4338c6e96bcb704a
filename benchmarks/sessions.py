"""Rows written to the session table by anonymous visits of the login page, against one login.

Each anonymous GET comes without a cookie (a crawler, a monitoring probe, wrk: clients that
keep none), so a server that stores a session for any visitor writes one row each time. The
baseline is one complete login (password, then code), which must write its session: 1 row.
"""
import os

from benchmarks.common import Row, logged_in_client

VISITS = int(os.environ.get("BENCH_ANONYMOUS_VISITS", "200"))


def _session_rows(app):
    from portal.accounts.models import UserSession
    from portal.extensions import db
    with app.app_context():
        db.connect(reuse_if_open=True)
        count = UserSession.select().count()
        db.close()
    return count


def rows(app):
    before = _session_rows(app)
    for _ in range(VISITS):
        response = app.test_client().get("/connexion")  # a fresh client: no cookie
        assert response.status_code == 200, response.status_code
    anonymous = _session_rows(app) - before
    before = _session_rows(app)
    logged_in_client(app, "amina.diallo@example.org")
    login = _session_rows(app) - before
    return [Row(f"session rows written by {VISITS} anonymous GETs of /connexion",
                f"{anonymous} rows", f"{login} row(s) for one login",
                anonymous / login if login else None, "0 rows", anonymous == 0)]


if __name__ == "__main__":
    from benchmarks.common import seeded_sqlite
    from benchmarks.report import print_table
    print_table(rows(seeded_sqlite()[0]))
