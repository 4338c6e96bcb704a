"""Migration 0017 walks the old hash chain before dropping it: intact, its head is written into
a "journal.migrated" entry that the first seal signs; broken (an entry edited, entries removed
from the end), the migration stops and names the break, unless the operator accepts it, and
then the break is what the entry records. On SQLite and PostgreSQL."""
import hashlib
import importlib
import json
from datetime import datetime

import pytest
from peewee import PostgresqlDatabase, SqliteDatabase

from portal.migrations import available

GENESIS = "0" * 64


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, tmp_path):
    """A database migrated up to 0016 (the old chain), bare peewee, no app."""
    if request.param == "sqlite":
        database = SqliteDatabase(str(tmp_path / "old.db"))
    else:
        import psycopg2
        url = request.getfixturevalue("pg_url")
        name = f"journal_migration_{tmp_path.name[-12:].replace('-', '_').lower()}"
        admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
            cursor.execute(f"CREATE DATABASE {name}")
        admin.close()
        from playhouse.db_url import connect
        database = connect(url.rsplit("/", 1)[0] + "/" + name)
    for version, name, _ in available():
        if version >= 17:
            break
        with database.atomic():
            importlib.import_module(f"portal.migrations.{name}").upgrade(database)
    yield database
    database.close()


def append_old(database, n, start=datetime(2026, 11, 2, 8, 30)):
    """n entries chained the old way (portal/audit.py before 0017), the head updated."""
    prev = database.execute_sql('SELECT "last_hash" FROM "audit_head" WHERE "id" = 1').fetchone()
    prev = prev[0] if prev else GENESIS
    count = 0
    for i in range(n):
        at = start.replace(second=i % 60, microsecond=i)
        fields = {"at": at.isoformat(timespec="microseconds"), "actor": None,
                  "actor_name": "Camille Martin", "patient": None, "action": "dossier.view",
                  "object_type": "", "object_id": "", "via": "", "outcome": "ok",
                  "detail": f"/dossier/ {i}", "ip": "127.0.0.1"}
        payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256((prev + payload).encode("utf-8")).hexdigest()
        database.execute_sql(
            'INSERT INTO "activity_event" ("at", "actor_name", "action", "object_type", '
            '"object_id", "via", "outcome", "detail", "ip", "prev_hash", "hash") VALUES '
            + "(" + ", ".join([database.param] * 11) + ")",
            (at, "Camille Martin", "dossier.view", "", "", "", "ok", f"/dossier/ {i}",
             "127.0.0.1", prev, digest))
        prev, count = digest, count + 1
    database.execute_sql('DELETE FROM "audit_head"')
    database.execute_sql('INSERT INTO "audit_head" ("id", "last_hash", "count") VALUES '
                         f'(1, {database.param}, {database.param})', (prev, count))
    return prev


def unprotect(database):
    """Drop the append-only triggers, as the database's owner can."""
    if isinstance(database, PostgresqlDatabase):
        database.execute_sql('DROP TRIGGER "activity_event_no_change" ON "activity_event"')
    else:
        database.execute_sql('DROP TRIGGER "activity_event_no_update"')
        database.execute_sql('DROP TRIGGER "activity_event_no_delete"')


def migrate(database):
    from portal.migrations import m0017_journal_seals as m0017
    with database.atomic():
        m0017.upgrade(database)


def migrated_entry(database):
    return database.execute_sql(
        'SELECT "outcome", "detail" FROM "activity_event" WHERE "action" = '
        "'journal.migrated'").fetchall()


def test_an_intact_chain_is_anchored_in_the_migrated_entry(old_database):
    head = append_old(old_database, 120)
    migrate(old_database)
    assert migrated_entry(old_database) == [("ok", f"old chain intact: 120 entries, head {head}")]


def test_an_empty_journal_migrates(old_database):
    migrate(old_database)
    assert migrated_entry(old_database) == [("ok", f"old chain intact: 0 entries, head {GENESIS}")]


def test_an_edited_entry_stops_the_migration(old_database):
    from portal.migrations.m0017_journal_seals import BrokenOldChain
    append_old(old_database, 30)
    unprotect(old_database)  # someone with the database's keys rewrites an entry
    old_database.execute_sql('UPDATE "activity_event" SET "detail" = \'rien vu\' WHERE "id" = 12')
    with pytest.raises(BrokenOldChain, match="entry 12: its content was changed"):
        migrate(old_database)
    columns = {c.name for c in old_database.get_columns("activity_event")}
    assert "hash" in columns and "seal_id" not in columns  # nothing migrated


def test_removed_last_entries_stop_the_migration_unless_accepted(old_database, monkeypatch):
    from portal.migrations.m0017_journal_seals import BrokenOldChain
    append_old(old_database, 30)
    unprotect(old_database)
    old_database.execute_sql('DELETE FROM "activity_event" WHERE "id" > 27')
    with pytest.raises(BrokenOldChain, match="entries removed"):
        migrate(old_database)
    monkeypatch.setenv("CARNET_MIGRATE_BROKEN_JOURNAL", "accept")
    migrate(old_database)
    ((outcome, detail),) = migrated_entry(old_database)
    assert outcome == "broken" and "the head names 30 entries" in detail and "holds 27" in detail
