"""The suite lives at a fixed date whatever day it runs: the tests, the seeded demo and every
Python process a test starts read the same clock (conftest.SESSION_CLOCK, tests/clock)."""
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

from conftest import SESSION_CLOCK


def test_this_process_reads_the_session_clock():
    assert date.today() == SESSION_CLOCK.date()
    assert abs(datetime.now(timezone.utc) - SESSION_CLOCK) < timedelta(hours=6)


def test_a_python_process_started_by_a_test_reads_the_same_clock():
    printed = subprocess.run([sys.executable, "-c", "import time; print(time.time())"],
                             capture_output=True, text=True, check=True, timeout=60).stdout
    assert abs(float(printed) - datetime.now(timezone.utc).timestamp()) < 60


def test_the_demo_is_seeded_under_the_session_clock(ctx, person):
    from portal.proxies.models import Mandate
    mandate = Mandate.get(Mandate.patient == person("Jean").id)
    assert mandate.starts_at.date() == (SESSION_CLOCK - timedelta(days=20)).date()
