"""0004: Measure, MeasureTarget

SQL frozen on the day it was written (generated with scripts/new_migration.py).
"""
from . import execute_frozen

SQLITE = [
    'CREATE TABLE "measure" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "kind" VARCHAR(30) NOT NULL, "value" REAL NOT NULL, "value2" REAL, "measured_at" DATETIME NOT NULL, "author_id" INTEGER NOT NULL, "author_is_professional" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("author_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "measure_patient_id" ON "measure" ("patient_id")',
    'CREATE INDEX "measure_author_id" ON "measure" ("author_id")',
    'CREATE INDEX "measure_patient_id_kind_measured_at" ON "measure" ("patient_id", "kind", "measured_at")',
    'CREATE TABLE "measure_target" ("id" INTEGER NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "kind" VARCHAR(30) NOT NULL, "low" REAL, "high" REAL, "high2" REAL, "set_by_id" INTEGER NOT NULL, "updated_at" DATETIME NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("set_by_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "measure_target_patient_id" ON "measure_target" ("patient_id")',
    'CREATE INDEX "measure_target_set_by_id" ON "measure_target" ("set_by_id")',
    'CREATE UNIQUE INDEX "measure_target_patient_id_kind" ON "measure_target" ("patient_id", "kind")',
]

POSTGRESQL = [
    'CREATE TABLE "measure" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "kind" VARCHAR(30) NOT NULL, "value" DOUBLE PRECISION NOT NULL, "value2" DOUBLE PRECISION, "measured_at" TIMESTAMP NOT NULL, "author_id" INTEGER NOT NULL, "author_is_professional" BOOLEAN NOT NULL, "created_at" TIMESTAMP NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("author_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "measure_patient_id" ON "measure" ("patient_id")',
    'CREATE INDEX "measure_author_id" ON "measure" ("author_id")',
    'CREATE INDEX "measure_patient_id_kind_measured_at" ON "measure" ("patient_id", "kind", "measured_at")',
    'CREATE TABLE "measure_target" ("id" SERIAL NOT NULL PRIMARY KEY, "patient_id" INTEGER NOT NULL, "kind" VARCHAR(30) NOT NULL, "low" DOUBLE PRECISION, "high" DOUBLE PRECISION, "high2" DOUBLE PRECISION, "set_by_id" INTEGER NOT NULL, "updated_at" TIMESTAMP NOT NULL, FOREIGN KEY ("patient_id") REFERENCES "person" ("id") ON DELETE CASCADE, FOREIGN KEY ("set_by_id") REFERENCES "account" ("id") ON DELETE RESTRICT)',
    'CREATE INDEX "measure_target_patient_id" ON "measure_target" ("patient_id")',
    'CREATE INDEX "measure_target_set_by_id" ON "measure_target" ("set_by_id")',
    'CREATE UNIQUE INDEX "measure_target_patient_id_kind" ON "measure_target" ("patient_id", "kind")',
]


def upgrade(db):
    execute_frozen(db, SQLITE, POSTGRESQL)
