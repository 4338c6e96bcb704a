"""S3 requests signed with the real clock, while the tests live at another date.

An S3 server refuses a request whose signature time is more than 15 minutes from its own
clock (RequestTimeTooSkewed). The test S3 server (SeaweedFS, a Go program) runs on the real
clock, whereas the test processes run at SESSION_CLOCK (time_machine): botocore must take its
signing time from time_machine's escape hatch. Only the signature's time changes; the app
and the tests still see the session's clock everywhere else.
"""
import datetime


def sign_with_the_real_clock():
    import botocore.auth
    from time_machine import escape_hatch

    def real_now(remove_tzinfo=True):
        now = escape_hatch.datetime.datetime.now(datetime.timezone.utc)
        return now.replace(tzinfo=None) if remove_tzinfo else now

    botocore.auth.get_current_datetime = real_now
