"""Print the CREATE statements of the current models for SQLite and PostgreSQL.

Used when writing a migration: the migration keeps the SQL as it is on that day, so later
model changes never rewrite history. Usage: python scripts/schema_sql.py Model [Model …]
"""
import importlib
import json
import sys

from peewee import PostgresqlDatabase, SqliteDatabase

MODELS = {
    "Person": "portal.accounts.models", "Account": "portal.accounts.models",
    "UserSession": "portal.accounts.models", "OneTimeCode": "portal.accounts.models",
    "Guardianship": "portal.proxies.models", "Delegation": "portal.proxies.models",
    "Mandate": "portal.proxies.models", "Grant": "portal.access.models",
    "ActivityEvent": "portal.audit", "AuditHead": "portal.audit",
    "OutboxMessage": "portal.mail",
}


def statements(model, database):
    with database.bind_ctx([model], bind_refs=False, bind_backrefs=False):
        ctx = database.get_sql_context()
        out = [ctx.sql(model._schema._create_table(safe=False)).query()[0]]
        for index in model._schema._create_indexes(safe=False):
            out.append(database.get_sql_context().sql(index).query()[0])
    return out


def main(names):
    result = {"sqlite": [], "postgresql": []}
    for name in names:
        model = getattr(importlib.import_module(MODELS[name]), name)
        result["sqlite"] += statements(model, SqliteDatabase(None))
        result["postgresql"] += statements(model, PostgresqlDatabase(None))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:] or list(MODELS))
