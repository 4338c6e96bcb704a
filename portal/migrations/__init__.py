"""Versioned schema migrations: modules m0001_*.py, m0002_*.py … each with upgrade(db).

`flask --app wsgi db upgrade` applies the ones not yet recorded in `schema_version`, in order,
each in its own transaction. Migrations never import the app's models: they hold the schema
as it was when they were written.
"""
import importlib
import pkgutil

from peewee import DateTimeField, IntegerField, Model

from ..accounts.models import utcnow
from ..extensions import db


class SchemaVersion(Model):
    version = IntegerField(primary_key=True)
    applied_at = DateTimeField(default=utcnow)

    class Meta:
        database = db
        table_name = "schema_version"


def execute_frozen(db, sqlite, postgresql):
    """Run a migration's frozen statements for the engine in use."""
    from peewee import PostgresqlDatabase
    postgres = isinstance(getattr(db, "obj", db), PostgresqlDatabase)
    for statement in postgresql if postgres else sqlite:
        db.execute_sql(statement)


def available():
    """(version, name, module) for every migration module, sorted."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            found.append((int(info.name[1:5]), info.name, None))
    return sorted(found)


def applied():
    if not db.table_exists("schema_version"):
        return set()
    return {row.version for row in SchemaVersion.select()}


def upgrade(echo=print):
    """Apply pending migrations; returns the versions applied."""
    db.create_tables([SchemaVersion], safe=True)
    done = applied()
    ran = []
    for version, name, _ in available():
        if version in done:
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        with db.atomic():
            module.upgrade(db)
            SchemaVersion.create(version=version)
        echo(f"applied {name}")
        ran.append(version)
    return ran
