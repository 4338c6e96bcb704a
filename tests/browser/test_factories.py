"""The runner of tests/browser/factories.py (`tools.on_server`): a factory's JSON result comes
back, a factory's exception fails the test with its message, and only registered factories run
(neither an unknown name nor another function of the module). No Chromium here: the server's
database and environment only."""
from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from . import factories
from .tools import on_server

pytestmark = pytest.mark.browser


def print_jobs(server) -> list[tuple]:
    path = server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return connection.execute("SELECT id, kind, sections FROM print_job").fetchall()


def test_a_factorys_result_comes_back(server):
    before = max((row[0] for row in print_jobs(server)), default=0)
    try:
        job_id = on_server(server, factories.queued_job, role="camille", kind="carte",
                           sections="")
        assert isinstance(job_id, int)
        assert [row for row in print_jobs(server) if row[0] > before] == [(job_id, "carte", "")]
    finally:
        on_server(server, factories.delete_print_jobs_after, job_id=before)
    assert [row for row in print_jobs(server) if row[0] > before] == []


def test_an_exception_in_a_factory_fails_the_test_with_its_message(server):
    with pytest.raises(pytest.fail.Exception, match="no demo account 'personne'"):
        on_server(server, factories.queued_job, role="personne")


@pytest.mark.parametrize("name", ["no_such_factory", "demo_account", "main"])
def test_only_registered_factories_run(server, name):
    """`demo_account` and `main` are functions of the module, not factories."""
    with pytest.raises(pytest.fail.Exception, match=f"unknown factory '{name}'"):
        on_server(server, name, role="camille")
