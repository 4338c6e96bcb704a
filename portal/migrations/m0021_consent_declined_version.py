"""0021: consent.declined_version, the service version whose change a person did not approve
before its re-approval deadline (portal/connect/rights.py lapse_reapprovals)."""
from . import execute_frozen

STATEMENTS = ['ALTER TABLE "consent" ADD COLUMN "declined_version" INTEGER']


def upgrade(db):
    execute_frozen(db, STATEMENTS, STATEMENTS)
