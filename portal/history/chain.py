"""The journal's hash chain, checked whenever the history is shown, and the operator's alert.

`audit.verify()` walks the whole journal (about 1.5 s for 100,000 entries on SQLite), too slow
for every page. So the last result is kept for CACHE_SECONDS in this process: within that time a
page only checks the entries appended since (they must continue the chain from the last checked
hash); after it, or on the operator's page, the whole chain is walked again.
"""
import time
from dataclasses import dataclass
from datetime import timedelta

from .. import audit
from ..accounts.models import utcnow
from ..audit import ActivityEvent

CACHE_SECONDS = 60
ALERT_ACTION = "audit.broken"
ALERT_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Status:
    checked: int
    broken_id: int | None
    reason: str | None
    checked_at: object      # UTC, naive
    duration_ms: float
    last_id: int = 0
    last_hash: str = audit.GENESIS
    monotonic: float = 0.0

    @property
    def intact(self):
        return self.reason is None


_cache = None


def forget():
    """Drop the kept result (the next check walks the whole chain)."""
    global _cache
    _cache = None


def _full():
    started = time.perf_counter()
    checked, broken_id, reason, last_id, last_hash = audit.verify_from()
    return Status(checked, broken_id, reason, utcnow(), (time.perf_counter() - started) * 1000,
                  last_id, last_hash, time.monotonic())


def _tail(kept):
    """Check only the entries appended after the kept, intact result."""
    started = time.perf_counter()
    checked, broken_id, reason, last_id, last_hash = audit.verify_from(
        kept.last_id, kept.last_hash, kept.checked)
    return Status(checked, broken_id, reason, utcnow(), (time.perf_counter() - started) * 1000,
                  last_id, last_hash, kept.monotonic)


def status(fresh=False):
    """The chain's state: walked in full when asked, when the kept result is older than
    CACHE_SECONDS or was not intact; otherwise only the new entries are checked."""
    global _cache
    kept = _cache
    if fresh or kept is None or not kept.intact or \
            time.monotonic() - kept.monotonic > CACHE_SECONDS:
        result = _full()
    else:
        result = _tail(kept)
        if not result.intact:
            result = _full()  # name the first broken entry of the whole chain
    _cache = result
    return result


def alert_operator(result, where):
    """Journal a broken chain for the operator, at most once an hour (appending still works)."""
    since = utcnow() - ALERT_EVERY
    if ActivityEvent.select().where(ActivityEvent.action == ALERT_ACTION,
                                    ActivityEvent.at > since).exists():
        return False
    audit.record(ALERT_ACTION, obj_type="activity_event", obj_id=result.broken_id or "",
                 detail=f"reason={result.reason} checked={result.checked} seen_on={where}")
    return True
