"""Write portal/migrations/mNNNN_<name>.py creating the given models' tables (frozen SQL).

Usage: PYTHONPATH=. .venv/bin/python scripts/new_migration.py NNNN name Model [Model ...]
For changes to existing tables, write the migration by hand (playhouse.migrate operations).
"""
import json
import subprocess
import sys
from pathlib import Path

TEMPLATE = '''"""{number}: {doc}

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = {sqlite}

POSTGRESQL = {postgresql}


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)
'''


def fmt(statements):
    return "[\n" + "".join(f"    {s!r},\n" for s in statements) + "]"


def main(number, name, models):
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, str(root / "scripts" / "schema_sql.py"), *models],
                         check=True, capture_output=True, text=True, cwd=root).stdout
    sql = json.loads(out)
    target = root / "portal" / "migrations" / f"m{int(number):04d}_{name}.py"
    if target.exists():
        sys.exit(f"{target} exists already")
    target.write_text(TEMPLATE.format(number=f"{int(number):04d}", doc=", ".join(models),
                                      sqlite=fmt(sql["sqlite"]),
                                      postgresql=fmt(sql["postgresql"])))
    print(f"wrote {target.relative_to(root)}")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
