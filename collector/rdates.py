"""Bound a feed's RDATE lists before the calendar is parsed.

An RDATE property may list any number of dates, and icalendar builds an object for each before
the expansion's per-series cap applies: 100,000 dates (1.7 MB of text) cost 5 s of CPU and
276 MB, more than the parse worker may use, so the whole feed failed. A list is cut here, as
text, to its last dates of the day before the window (one may still be running) and its first
from the window's day on, MAX_OCCURRENCES_PER_SERIES of each (no series keeps more), and the
feed's lists together to MAX_RDATES_PER_FEED; what was cut is counted for the feed's health.
Days are compared as written (a UTC date may be the day before in New York), so a list dense
within one day may keep fewer than the cap in the window: such a list is no real group's.
EXDATE lists are left alone (they only remove occurrences), and so are a VTIMEZONE's RDATEs
(its transitions), which do not count toward the feed's bound.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from core.limits import MAX_OCCURRENCES_PER_SERIES, MAX_RDATES_PER_FEED

FOLD = re.compile(r"\r?\n[ \t]")  # a content line's continuation (RFC 5545 3.1)
# an RDATE line, or the start or end of a VTIMEZONE (whose RDATEs are transitions, left alone)
RDATE = re.compile(
    r"^(?:(BEGIN|END):VTIMEZONE\b|(RDATE(?:;[^:\r\n]*)?:)([^\r\n]*))",
    re.IGNORECASE | re.MULTILINE,
)


def bound_rdates(text: str, today: date) -> tuple[str, int]:
    """``text`` with each RDATE list cut as above, and how many lists lost upcoming dates. A
    calendar whose lists are all within bounds comes back unchanged (not even unfolded)."""
    if "RDATE" not in text.upper():
        return text, 0
    unfolded = FOLD.sub("", text)
    eve = (today - timedelta(days=1)).strftime("%Y%m%d")
    left, cut, changed, in_zone = MAX_RDATES_PER_FEED, 0, False, False

    def bounded(line: re.Match[str]) -> str:
        nonlocal left, cut, changed, in_zone
        if line.group(1):
            in_zone = line.group(1).upper() == "BEGIN"
            return line.group(0)
        if in_zone:
            return line.group(0)
        values = line.group(3).split(",")
        if len(values) <= min(MAX_OCCURRENCES_PER_SERIES, left):
            left -= len(values)
            return line.group(0)
        # DATE, DATE-TIME and PERIOD values all begin YYYYMMDD, so text order is date order;
        # the day before the window keeps its last dates, the window its first
        upcoming = sorted(v for v in values if v.strip()[:8] >= eve)
        before = [v for v in upcoming if v.strip()[:8] == eve][-MAX_OCCURRENCES_PER_SERIES:]
        after = [v for v in upcoming if v.strip()[:8] > eve]
        kept = (before + after[:MAX_OCCURRENCES_PER_SERIES])[: max(left, 0)]
        left -= len(kept)
        cut += len(kept) < len(after) + len(before)
        changed = True
        return line.group(2) + ",".join(kept) if kept else "X-DCTECH-RDATE-CUT:"

    bounded_text = RDATE.sub(bounded, unfolded)
    return (bounded_text, cut) if changed else (text, 0)
