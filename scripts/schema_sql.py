"""Print the CREATE statements of models for SQLite and PostgreSQL, as JSON.

Used when writing a migration: the migration keeps the SQL as it is on that day, so later
model changes never rewrite history.
Usage: PYTHONPATH=. .venv/bin/python scripts/schema_sql.py TableOrModelName [...]
(no argument: every model).
"""
import json
import sys

from peewee import PostgresqlDatabase, SqliteDatabase

from portal.registry import all_models


def statements(model, database):
    with database.bind_ctx([model], bind_refs=False, bind_backrefs=False):
        out = [database.get_sql_context().sql(model._schema._create_table(safe=False)).query()[0]]
        for index in model._schema._create_indexes(safe=False):
            out.append(database.get_sql_context().sql(index).query()[0])
    return out


def main(names):
    models = all_models()
    if names:
        models = [m for m in models if m.__name__ in names or m._meta.table_name in names]
        missing = set(names) - {m.__name__ for m in models} - {m._meta.table_name for m in models}
        if missing:
            sys.exit(f"unknown models: {sorted(missing)}")
    result = {"sqlite": [], "postgresql": []}
    for model in models:
        result["sqlite"] += statements(model, SqliteDatabase(None))
        result["postgresql"] += statements(model, PostgresqlDatabase(None))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
