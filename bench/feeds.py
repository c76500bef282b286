"""Synthetic but realistic (Meetup-shaped) feeds for benchmarks: N groups x M events."""

from __future__ import annotations

from datetime import date, datetime, timedelta

VTIMEZONE = """BEGIN:VTIMEZONE\r
TZID:America/New_York\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:-0500\r
TZOFFSETTO:-0400\r
TZNAME:EDT\r
DTSTART:19700308T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:-0400\r
TZOFFSETTO:-0500\r
TZNAME:EST\r
DTSTART:19701101T020000\r
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r
END:STANDARD\r
END:VTIMEZONE\r
"""
PLACES = (
    "Capital One Hall (7750 Capital One Tower Rd, Tysons, VA)",
    "MLK Library (901 G St NW, Washington, DC 20001)",
    "Bethesda Library (7400 Arlington Rd, Bethesda, MD 20814)",
    "Online event",
)


def feed(group: str, today: date, events: int, recurring_every: int = 5) -> bytes:
    """A calendar of ``events`` VEVENTs; every ``recurring_every``-th is a weekly series
    (4 occurrences in the window), so the expanded count exceeds the VEVENT count."""
    lines = [
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Meetup//RemoteApi//EN\r\n",
        "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nX-WR-CALNAME:" + group + "\r\n",
        VTIMEZONE,
    ]
    for n in range(events):
        start = datetime.combine(today + timedelta(days=1 + (n * 3) % 80), datetime.min.time())
        start += timedelta(hours=17 + n % 4, minutes=30 * (n % 2))
        stamp = start.strftime("%Y%m%dT%H%M%S")
        end = (start + timedelta(hours=2)).strftime("%Y%m%dT%H%M%S")
        rrule = "RRULE:FREQ=WEEKLY;COUNT=4\r\n" if n % recurring_every == 0 else ""
        lines.append(
            "BEGIN:VEVENT\r\n"
            f"UID:event_{group}_{n}@meetup.com\r\n"
            f"DTSTAMP:20261101T000000Z\r\nDTSTART;TZID=America/New_York:{stamp}\r\n"
            f"DTEND;TZID=America/New_York:{end}\r\n{rrule}"
            f"SUMMARY:{group} talk night #{n}: scaling Python services\r\n"
            "DESCRIPTION:Talks\\, pizza and networking. RSVP on Meetup.\r\n"
            f"LOCATION:{PLACES[n % len(PLACES)]}\r\n"
            f"URL:https://www.meetup.com/{group}/events/{1000 + n}/\r\n"
            "END:VEVENT\r\n"
        )
    lines.append("END:VCALENDAR\r\n")
    return "".join(lines).encode()
