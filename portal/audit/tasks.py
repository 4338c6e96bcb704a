"""The journal's worker side: the sealer and the background verifier.

huey's crontab cannot fire every few seconds, so the sealer is a periodic task started every
minute that seals what is waiting every SEAL_EVERY seconds for SEAL_FOR seconds, then returns
before the next one starts. This was chosen over a task queued after each commit (with a
debounce): appends then need nothing from the queue, a lost or duplicated task cannot leave an
entry unsealed for long (the next minute's run takes it), and a killed worker is replaced by
the next run. Two runs overlapping (a slow database, two schedulers by mistake) are harmless:
the sealers' lock row lets one batch be sealed at a time, exactly once.
"""
import logging

from huey import crontab

from ..extensions import huey

LOGGER = logging.getLogger("carnet.journal")
SEAL_EVERY = 5
SEAL_FOR = 50


@huey.periodic_task(crontab(minute="*"))
def seal_journal():
    """Seal new journal entries every few seconds, for most of a minute."""
    from ..tasks import app_context
    from .seal import seal_for
    with app_context():
        return seal_for(SEAL_FOR, SEAL_EVERY)


@huey.periodic_task(crontab(minute="*"))
def verify_journal():
    """Verify the seals made since the last run; keep the result for the operator."""
    from ..tasks import app_context
    from .verify import check
    with app_context():
        report = check()
        if not report.intact:
            LOGGER.error("journal verification failed: %s at seal %s entry %s",
                         report.problem, report.broken_seal, report.broken_entry)
        return report.intact
