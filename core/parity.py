"""Parity: does our store list what another calendar (the live site's events.ics) lists?

Pure: two lists of Events over the same window, theirs read from the calendar by the caller,
ours from core.query.list_events; no I/O.

Matching, each pass over what the earlier ones left: normalised URL + start, normalised title +
start, then URL + start day and title + start day, so an event moved within its day is one event
that differs rather than one only there and one only here. A matched pair differs in its start,
end, title or location.

Ends: the old site kept no end times. It wrote DTEND 23:59 (site time) on the last day of a
multi-day timed event and DTSTART + 1 hour on every other timed event, so an end of either shape
says nothing and is not compared: an end counts only when both sides state a real one. All-day
ends are exclusive dates on both sides and are compared as dates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from core.ids import normalise_url
from core.models import Event
from core.timeutil import parse_local

OLD_SITE_DURATION = timedelta(hours=1)
OLD_SITE_LAST_MINUTE = time(23, 59)


def _words(text: str) -> str:
    return " ".join(text.split())


def _url(event: Event) -> str:
    return normalise_url(event.url).rstrip("/")


def _title(event: Event) -> str:
    return _words(event.title).casefold()


# (what identifies the event, how much of its start must agree): in the order they are tried
MATCHES: tuple[tuple[Callable[[Event], str], int], ...] = (
    (_url, 16),  # YYYY-MM-DDTHH:MM
    (_title, 16),
    (_url, 10),  # YYYY-MM-DD
    (_title, 10),
)


def comparable_end(event: Event) -> str | None:
    """The end worth comparing, or None when it is one of the old site's conventions."""
    if event.all_day:
        return event.end_datetime[:10]
    start, end = parse_local(event.start_datetime), parse_local(event.end_datetime)
    last_minute = end.time() == OLD_SITE_LAST_MINUTE and end.date() > start.date()
    if last_minute or end - start == OLD_SITE_DURATION:
        return None
    return event.end_datetime[:16]


def _shown_end(event: Event) -> str | None:
    end = comparable_end(event)
    return end.replace("T", " ") if end else None


VALUES: dict[str, Callable[[Event], str | None]] = {  # each compared field, as shown
    "start": lambda e: e.start_datetime[:16].replace("T", " "),
    "end": _shown_end,  # None: not compared
    "title": lambda e: _words(e.title),
    "location": lambda e: _words(e.location),
}


@dataclass(frozen=True)
class Difference:
    there: Event
    here: Event
    fields: tuple[str, ...]  # of VALUES, in its order

    def describe(self) -> str:
        """``title: 'A' there, 'B' here; start: ...``"""
        return "; ".join(
            f"{name}: {VALUES[name](self.there)!r} there, {VALUES[name](self.here)!r} here"
            for name in self.fields
        )


@dataclass(frozen=True)
class Parity:
    matched: int  # pairs found, those that differ included
    differ: list[Difference]
    only_there: list[Event]
    only_here: list[Event]

    @property
    def identical(self) -> bool:
        return not (self.differ or self.only_there or self.only_here)

    def summary(self) -> str:
        return (
            f"{self.matched} matched, {len(self.differ)} differ, "
            f"{len(self.only_there)} only there, {len(self.only_here)} only here"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "matched": self.matched,
            "differ": [
                {"fields": list(d.fields), "there": _brief(d.there), "here": _brief(d.here)}
                for d in self.differ
            ],
            "only_there": [_brief(e) for e in self.only_there],
            "only_here": [_brief(e) for e in self.only_here],
        }


def compare(there: Sequence[Event], here: Sequence[Event]) -> Parity:
    """Pair their events with ours (see the module docstring) and say what differs."""
    pairs: list[tuple[int, int]] = []
    left_there, left_here = list(range(len(there))), list(range(len(here)))
    for match in MATCHES:
        waiting: dict[tuple[str, str], list[int]] = {}
        for i in left_here:
            if (k := _key(here[i], *match)) is not None:
                waiting.setdefault(k, []).append(i)
        unmatched = []
        for j in left_there:
            queue = waiting.get(k) if (k := _key(there[j], *match)) is not None else None
            if queue:
                pairs.append((j, queue.pop(0)))
            else:
                unmatched.append(j)
        taken = {i for _, i in pairs}
        left_there, left_here = unmatched, [i for i in left_here if i not in taken]
    differ = []
    for j, i in sorted(pairs):
        fields = tuple(name for name in VALUES if _differs(name, there[j], here[i]))
        if fields:
            differ.append(Difference(there[j], here[i], fields))
    return Parity(
        matched=len(pairs),
        differ=differ,
        only_there=[there[j] for j in left_there],
        only_here=[here[i] for i in left_here],
    )


def _key(event: Event, identity: Callable[[Event], str], precision: int) -> tuple[str, str] | None:
    name = identity(event)
    return (name, event.start_datetime[:precision]) if name else None


def _differs(name: str, there: Event, here: Event) -> bool:
    ours, theirs = VALUES[name](here), VALUES[name](there)
    return ours != theirs and (name != "end" or None not in (ours, theirs))


def _brief(event: Event) -> dict[str, Any]:
    return {
        "start": event.start_datetime,
        "end": event.end_datetime,
        "all_day": event.all_day,
        "title": event.title,
        "url": event.url,
        "location": event.location,
    }
