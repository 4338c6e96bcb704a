"""The test session's clock, in every Python process the suite starts (servers, CLI commands).

`tests/conftest.py` moves the suite to a fixed date and puts this folder first on the
PYTHONPATH of the processes it starts, with the offset from the real clock in
CARNET_TEST_CLOCK_OFFSET. Python imports `sitecustomize` at start-up, so a gunicorn server, a
`flask` command or a helper script lives at the same instant as the tests that drive it. The
clock keeps ticking; only its origin moves.
"""
import os

_offset = os.environ.get("CARNET_TEST_CLOCK_OFFSET")
if _offset:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
    if os.environ.get("STORAGE_URL", "").startswith("s3:"):
        # An app process on the test S3 server signs with the real clock (see the module).
        from real_clock_signing import sign_with_the_real_clock
        sign_with_the_real_clock()
