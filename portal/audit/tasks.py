"""The journal's worker side: the sealer and the background verifier.

huey's crontab cannot fire every few seconds, so every minute the scheduler's `seal_journal`
seals what is waiting and schedules SEALS_PER_MINUTE - 1 more single passes (`seal_pass`),
SEAL_EVERY seconds apart. Each pass takes milliseconds, so sealing never holds a worker thread
for long (an earlier loop that slept inside the task for most of a minute starved the other
tasks, e-mails included, when two such runs met on a two-thread worker). Appends need nothing
from the queue; a lost pass (its worker died) only leaves entries for the next one, and a
duplicated pass or minute (two schedulers by mistake) is harmless: the sealers' lock row lets one
batch be sealed at a time, exactly once.
"""
import logging

from huey import crontab

from ..extensions import huey

LOGGER = logging.getLogger("carnet.journal")
SEAL_EVERY = 5
SEALS_PER_MINUTE = 60 // SEAL_EVERY


def _seal_once():
    from ..worker import app_context
    from .seal import seal_pending
    with app_context():
        try:
            return seal_pending()
        except Exception:  # a database hiccup: the next pass, or the next minute, retries
            LOGGER.exception("sealing the journal failed")
            return 0


@huey.task()
def seal_pass():
    """One sealing pass: seal what is waiting now."""
    return _seal_once()


@huey.periodic_task(crontab(minute="*"))
def seal_journal():
    """Seal what is waiting now, and schedule the passes of the rest of this minute."""
    for n in range(1, SEALS_PER_MINUTE):
        seal_pass.schedule(delay=n * SEAL_EVERY)
    return _seal_once()


@huey.periodic_task(crontab(minute="*"))
def verify_journal():
    """Verify the seals made since the last run; keep the result for the operator."""
    from ..worker import app_context
    from .verify import check
    with app_context():
        report = check()
        if not report.intact:
            LOGGER.error("journal verification failed: %s at seal %s entry %s",
                         report.problem, report.broken_seal, report.broken_entry)
        return report.intact
