"""Factories: what the browser tests set up, read or undo in the browser server's database.

Each factory is a plain function with keyword arguments, registered with ``@factory``. A test
runs one on the server with ``tools.on_server(server, factories.queued_job, role="camille")``:
that starts ``python -m tests.browser.factories NAME JSON`` with the server's environment, so
the factory sees the server's database, storage and keys (SECRET_KEY: a PDF made here is
decrypted by the server) and lives at the server's date (CARNET_TEST_CLOCK_OFFSET, see
tests/clock). The arguments and the result travel as JSON; an exception fails the test with
its traceback. Only registered names run: the command line is no way to call anything else.

Every factory's run starts a process: the worker's modules (WeasyPrint, a second to load) are
imported by the factories that use them only. Some tests race the page's own timers (a draft
saved 3 s after typing) with a factory, so a factory must stay quick.

Demo accounts are named by their role in the demo (``portal.seed.DEMO_EMAILS``), as the tests'
``ACCOUNTS`` name them.
"""
from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Any, Callable

from portal.accounts.invites import REASON_COUNTER, issue_invite
from portal.accounts.models import Account, ActivationInvite, Person, UserSession, utcnow
from portal.documents.store import delete_blob
from portal.emergency.models import EmergencySettings
from portal.lifecycle.models import Proof, SpaceClosure
from portal.messaging.models import Draft
from portal.prescriptions.models import Prescription
from portal.seed import DEMO_EMAILS
from portal.summary.models import PrintJob

FACTORIES: dict[str, Callable[..., Any]] = {}


def factory(function):
    """Register `function` under its name: the runner runs registered functions only."""
    FACTORIES[function.__name__] = function
    return function


def demo_account(role: str) -> Account:
    if role not in DEMO_EMAILS:
        raise LookupError(f"no demo account {role!r} (known: {', '.join(sorted(DEMO_EMAILS))})")
    return Account.get(Account.email == DEMO_EMAILS[role])


def demo_person(given_names: str, family_name: str) -> Person:
    return Person.get(Person.given_names == given_names, Person.family_name == family_name)


# ------------------------------------------------------------------------------ accounts


@factory
def expire_sessions(role: str, minutes: int = 31) -> None:
    """The account's sessions end by idleness (`minutes` without a request)."""
    account = demo_account(role)
    UserSession.update(last_seen_at=utcnow() - timedelta(minutes=minutes)).where(
        UserSession.account == account.id).execute()


@factory
def reset_second_factor(role: str) -> None:
    """Back to the demo's second factor: a code by e-mail, no TOTP secret."""
    Account.update(second_factor="email", totp_secret=None, totp_last_counter=None).where(
        Account.email == demo_account(role).email).execute()


# ------------------------------------------------------------------------------- summary


@factory
def queued_job(role: str = "camille", kind: str = "synthese",
               sections: str = "allergies,treatments") -> int:
    """A print job of `role` in their own space, waiting for a worker that never comes; its id."""
    account = demo_account(role)
    job = PrintJob.create(patient=account.person_id, requested_by=account.id, kind=kind,
                          sections=sections, language="fr")
    return job.id


@factory
def run_print_job(job_id: int) -> bool:
    """The worker's part: render the job's PDF and mark it done (False: not claimed)."""
    from portal.summary.tasks import run_job
    return run_job(job_id)


@factory
def claim_print_job(job_id: int) -> bool:
    """A worker takes the job (queued → running) and is never heard from again."""
    from portal.summary.tasks import claim
    return claim(job_id)


@factory
def backdate_print_job(job_id: int, seconds: int) -> None:
    """The running job started, and last showed a heartbeat, `seconds` ago."""
    long_ago = utcnow() - timedelta(seconds=seconds)
    PrintJob.update(started_at=long_ago, heartbeat_at=long_ago).where(
        PrintJob.id == job_id).execute()


@factory
def delete_print_jobs_after(job_id: int) -> None:
    """The jobs newer than `job_id`, and their files."""
    for job in PrintJob.select().where(PrintJob.id > job_id):
        if job.storage_key:
            delete_blob(job.storage_key)
        job.delete_instance()


# ----------------------------------------------------------------------------- lifecycle


@factory
def counter_invite(given_names: str, family_name: str) -> str:
    """A counter invitation for a person without an account: its token. A counter one, so that
    the person never shows among the young adults invited at 18."""
    person = demo_person(given_names, family_name)
    if Account.select().where(Account.person == person.id).exists():
        raise ValueError(f"{given_names} {family_name} already has an account")
    _invite, token = issue_invite(person, reason=REASON_COUNTER)
    return token


@factory
def remove_closures_after(proof_id: int, closure_id: int, invite_id: int,
                          reactivate: str) -> None:
    """Proofs (and their files), closures and invitations newer than the given ids; the
    account of `reactivate` (a demo role) active again."""
    for proof in Proof.select().where((Proof.id > proof_id) | (Proof.closure > closure_id)):
        if proof.storage_key:
            delete_blob(proof.storage_key)
        proof.delete_instance()
    SpaceClosure.delete().where(SpaceClosure.id > closure_id).execute()
    ActivationInvite.delete().where(ActivationInvite.id > invite_id).execute()
    Account.update(is_active=True).where(
        Account.email == demo_account(reactivate).email).execute()


# ---------------------------------------------------------------------- messaging, refusals


@factory
def drafts_containing(text: str) -> int:
    """How many drafts, anyone's, hold `text`."""
    return Draft.select().where(Draft.body.contains(text)).count()


@factory
def set_samu_allowed(given_names: str, family_name: str, allowed: bool) -> None:
    """Whether the person lets the SAMU open their record in an emergency."""
    settings = EmergencySettings.for_patient(demo_person(given_names, family_name).id)
    settings.samu_allowed = allowed
    settings.save()


@factory
def renewable_prescription_code() -> str:
    """The code of the first prescription that can still be dispensed again."""
    return next(p.code for p in Prescription.select().order_by(Prescription.id)
                if p.next_renewal_number() is not None)


# -------------------------------------------------------------------------------- runner

UNKNOWN = 2  # the exit status of a name that is not a factory


def main(argv: list[str]) -> int:
    """`NAME JSON`: run the factory NAME with the JSON object's keys as keyword arguments, in
    the app's context; print its result as JSON on the last line of the standard output."""
    name, arguments = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    function = FACTORIES.get(name)
    if function is None:
        print(f"unknown factory {name!r} (known: {', '.join(sorted(FACTORIES))})",
              file=sys.stderr)
        return UNKNOWN
    from portal import create_app
    from portal.extensions import db
    app = create_app()
    with app.app_context():
        db.connect(reuse_if_open=True)
        try:
            result = function(**arguments)
        finally:
            db.close()
    # On a line of its own: whatever the app printed before stays apart from the result.
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
