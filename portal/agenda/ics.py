"""iCalendar (RFC 5545) output, written by hand: no runtime dependency, and every byte known.

Choices: times are written in UTC ("Z" form), which every calendar application reads without a
VTIMEZONE and shows in its own time zone (in France, the Paris time typed in Carnet); lines end
with CRLF and are folded at 75 octets without splitting a UTF-8 character; TEXT values escape
backslash, semicolon, comma and line breaks; each appointment keeps its random UID, and its
SEQUENCE grows with each change, so that a calendar updates an event instead of adding one.
A cancelled appointment stays in the calendar with STATUS:CANCELLED.
"""
import re
from urllib.parse import urlsplit

from flask import current_app

from ..accounts.models import utcnow

CRLF = "\r\n"
MAX_OCTETS = 75
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # not allowed in TEXT (tab is)
PRODID = "-//Carnet//Agenda//FR"


def escape_text(value):
    """A TEXT value (RFC 5545, 3.3.11): \\ ; , escaped, line breaks as \\n, controls dropped."""
    value = _CONTROL.sub("", (value or "").replace("\r\n", "\n").replace("\r", "\n"))
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\n", "\\n")


def fold(line):
    """One content line folded at 75 octets: continuation lines start with one space."""
    data = line.encode("utf-8")
    if len(data) <= MAX_OCTETS:
        return line + CRLF
    parts, start, limit = [], 0, MAX_OCTETS
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # never cut inside a character
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, MAX_OCTETS - 1  # the leading space counts
    return CRLF.join(parts[:1] + [" " + p for p in parts[1:]]) + CRLF


def utc_stamp(value):
    """A naive UTC datetime as an iCalendar UTC DATE-TIME: 20261123T133000Z."""
    return value.strftime("%Y%m%dT%H%M%SZ")


def _host():
    return urlsplit(current_app.config.get("PUBLIC_URL") or "http://carnet.invalid").hostname


def event_lines(appointment, summary, location="", description=""):
    """The VEVENT of one appointment, with what the caller decided may be shown."""
    lines = [
        "BEGIN:VEVENT",
        f"UID:{appointment.uid}@{_host()}",
        f"DTSTAMP:{utc_stamp(utcnow())}",  # METHOD:PUBLISH: when this file was made
        f"CREATED:{utc_stamp(appointment.created_at)}",
        f"LAST-MODIFIED:{utc_stamp(appointment.updated_at)}",
        f"SEQUENCE:{appointment.sequence}",
        f"DTSTART:{utc_stamp(appointment.starts_at)}",
    ]
    if appointment.ends_at is not None:
        lines.append(f"DTEND:{utc_stamp(appointment.ends_at)}")
    lines.append(f"SUMMARY:{escape_text(summary)}")
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    lines.append("STATUS:CANCELLED" if appointment.is_cancelled else "STATUS:CONFIRMED")
    lines.append("TRANSP:OPAQUE")
    lines.append("CLASS:PRIVATE")
    lines.append("END:VEVENT")
    return lines


def calendar(events, name, refresh=None):
    """A whole VCALENDAR from lists of VEVENT lines; `refresh` (a timedelta) for feeds."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"]
    if refresh is not None:
        minutes = int(refresh.total_seconds() // 60)
        lines += [f"REFRESH-INTERVAL;VALUE=DURATION:PT{minutes}M",
                  f"X-PUBLISHED-TTL:PT{minutes}M"]
    for event in events:
        lines += event
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines)
