"""Stored objects that no row names any more, found and (on request) removed.

An object is written before its row commits (documents, previews, message attachments, print
files, closure proofs: `store.object_key`), and deleted after its row goes. When the store fails
at the wrong moment (the row's transaction rolled back and the clean-up delete could not reach
the store, or a purge deleted the row and then lost the store) the object stays behind: it is
ciphertext nobody can reach, but it is still a copy of health data that should not outlive its
row. `find_orphans` lists them; `flask --app wsgi storage orphans [--delete]` reports them and
removes them; a nightly task logs how many there are (it never deletes on its own: a server
pointed at the wrong database would see every object as an orphan).

Objects younger than the grace period are never orphans: an upload in flight has written its
object and not yet committed its row. Keys outside the layout (`documents/xx/<key>.bin` or
`.preview`, `exports/xx/<key>.NNNNN.bin`) are reported as unknown and never deleted.
"""
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta

from huey import crontab

from ..accounts.models import utcnow
from ..extensions import huey
from ..storage import storage

log = logging.getLogger("carnet.storage")

GRACE = timedelta(hours=1)
BATCH = 500
# documents/xx/<key>.bin or .preview (documents, previews, attachments, print files, proofs),
# exports/xx/<key>.NNNNN.bin (the encrypted parts of a data export's ZIP).
_OBJECT_RE = re.compile(r"^(?:documents/[0-9a-f]{2}/([0-9a-f]{32,64})\.(?:bin|preview)"
                        r"|exports/[0-9a-f]{2}/([0-9a-f]{32,64})\.\d{5}\.bin)$")


def _storage_key(match):
    """The storage key an object's key (matched by _OBJECT_RE) belongs to."""
    return match.group(1) or match.group(2)


def _owners():
    """The tables whose rows name a stored object, by its `storage_key`."""
    from ..export.models import ExportJob
    from ..lifecycle.models import Proof
    from ..messaging.models import Attachment
    from ..summary.models import PrintJob
    from .models import Document
    return (Document, Attachment, PrintJob, Proof, ExportJob)


def _named(storage_keys):
    """The subset of `storage_keys` some row still names."""
    named = set()
    for model in _owners():
        rows = model.select(model.storage_key).where(model.storage_key.in_(list(storage_keys)))
        named.update(row.storage_key for row in rows)
    return named


@dataclass
class Findings:
    objects: int = 0                               # every object in the store
    orphans: list = field(default_factory=list)    # object keys no row names, past the grace
    recent: int = 0                                # unnamed, but younger than the grace period
    unknown: list = field(default_factory=list)    # keys outside the layout (never deleted)

    @property
    def named(self):
        return self.objects - len(self.orphans) - self.recent - len(self.unknown)


def find_orphans(grace=None, now=None):
    """Walk the store once and check its keys against the tables, BATCH at a time (never the
    whole list of keys in memory as a set, never one query per object)."""
    grace = GRACE if grace is None else grace
    now = now or utcnow()
    findings = Findings()
    pending = []  # (object key, storage key, modified)

    def settle():
        named = _named({storage_key for _key, storage_key, _modified in pending})
        for key, storage_key, modified in pending:
            if storage_key in named:
                continue
            if now - modified.replace(tzinfo=None) < grace:
                findings.recent += 1
            else:
                findings.orphans.append(key)
        pending.clear()

    for key, modified in storage().listing():
        findings.objects += 1
        match = _OBJECT_RE.match(key)
        if match is None:
            findings.unknown.append(key)
            continue
        pending.append((key, _storage_key(match), modified))
        if len(pending) >= BATCH:
            settle()
    if pending:
        settle()
    return findings


class Implausible(RuntimeError):
    """The findings look like a wrong database rather than lost rows: deleting is refused."""


def check_plausible(findings):
    """Refuse a purge that would empty the store: no object named at all while the store holds
    some, or more than half of the objects orphaned (a restore, a wrong DATABASE_URL)."""
    if findings.orphans and findings.named == 0:
        raise Implausible("no stored object is named by this database: is DATABASE_URL right?")
    if len(findings.orphans) * 2 > findings.objects:
        raise Implausible(f"{len(findings.orphans)} of {findings.objects} objects would go")


def delete_orphans(findings):
    """Delete what `find_orphans` found, re-checking each batch against the tables first (a
    row may have been saved since). Returns how many objects were deleted."""
    deleted = 0
    store = storage()
    for start in range(0, len(findings.orphans), BATCH):
        batch = findings.orphans[start:start + BATCH]
        keys = {key: _storage_key(_OBJECT_RE.match(key)) for key in batch}
        named = _named(set(keys.values()))
        for key, storage_key in keys.items():
            if storage_key not in named:
                store.delete(key)
                deleted += 1
    return deleted


@huey.periodic_task(crontab(hour="4", minute="40"))
def report_orphans():
    """Nightly: say in the log how many orphaned objects wait for `storage orphans --delete`."""
    from ..worker import app_context
    with app_context():
        findings = find_orphans()
        if findings.orphans or findings.unknown:
            log.warning("storage: %d orphaned object(s), %d unknown key(s) of %d; run "
                        "`flask --app wsgi storage orphans --delete`", len(findings.orphans),
                        len(findings.unknown), findings.objects)
        return len(findings.orphans)
