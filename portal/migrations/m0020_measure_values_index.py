"""0020: measure's index on (patient_id, kind, measured_at) also holds value and value2

A kind's page with thousands of values has the database count, average and bound them by
period (portal/measures/periods.py): with the values in the index, that reads the index alone
instead of looking every row up in the table (half the query's time on SQLite). The old index
is a prefix of the new one, which serves every query it served: it is dropped.
"""
from . import execute_frozen

STATEMENTS = [
    'DROP INDEX "measure_patient_id_kind_measured_at"',
    'CREATE INDEX "measure_patient_id_kind_measured_at_value_value2" ON "measure" '
    '("patient_id", "kind", "measured_at", "value", "value2")',
]


def upgrade(db):
    execute_frozen(db, STATEMENTS, STATEMENTS)
