"""Expand a feed's series into occurrences over the collection window, with hard limits.

A series is the VEVENTs sharing a UID (a base event and its overrides). One hostile line,
``RRULE:FREQ=SECONDLY``, means 7.8 million occurrences in 90 days, so expansion is bounded:
- a series yields at most ``MAX_OCCURRENCES_PER_SERIES``; a rule that can repeat more than once
  a day (sub-daily FREQ, or BYHOUR/BYMINUTE/BYSECOND) is expanded lazily, window by growing
  window, and stops as soon as the cap is passed, so it never materialises what it cuts;
- the whole feed gets a CPU-time budget, checked between series and windows (the collector also
  runs each parse in a worker process that is killed past the same budget: see sandbox.py).
Rules that repeat at most daily cannot pass the cap in the window and take the one-call path.
"""

from __future__ import annotations

import time as clock
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import icalendar
import recurring_ical_events

from core.limits import MAX_OCCURRENCES_PER_SERIES, PARSE_CPU_SECONDS

SUB_DAILY = {"SECONDLY", "MINUTELY", "HOURLY"}
MULTIPLIERS = ("BYHOUR", "BYMINUTE", "BYSECOND")  # parts that give several occurrences a day
FIRST_WINDOW = timedelta(hours=1)
PERIODS = {  # a rule's step, for the frequencies that step by a fixed wall-clock amount
    "SECONDLY": timedelta(seconds=1),
    "MINUTELY": timedelta(minutes=1),
    "HOURLY": timedelta(hours=1),
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(weeks=1),
}
REBASE_MARGIN = timedelta(days=31)  # at most this far before the window is walked


class Unbounded(Exception):
    """A series whose expansion cannot be bounded; the caller cuts it, with this reason."""


class BudgetExceeded(Exception):
    """The feed used its CPU time; the caller fails the feed (its stored events are kept)."""


@dataclass
class Budget:
    """A CPU-time allowance for one feed (process time, so a busy machine does not count)."""

    seconds: float = PARSE_CPU_SECONDS

    def __post_init__(self) -> None:
        self._deadline = clock.process_time() + self.seconds

    def check(self) -> None:
        if clock.process_time() > self._deadline:
            raise BudgetExceeded(f"parsing took more than {self.seconds:g} s of CPU time")


@dataclass
class Expansion:
    occurrences: list[icalendar.Component]
    cut: bool = False  # more occurrences than the per-series cap: the first ones were kept
    refused: str = ""  # why none was read (Unbounded), for the feed's health


def series_of(calendar: icalendar.Calendar) -> list[list[icalendar.Component]]:
    """VEVENTs grouped by UID (a base event and its overrides); no UID: on its own."""
    by_uid: dict[object, list[icalendar.Component]] = {}
    for component in calendar.walk("VEVENT"):
        uid = component.get("UID")
        by_uid.setdefault(str(uid) if uid else object(), []).append(component)
    return list(by_uid.values())


def expand(
    components: list[icalendar.Component], start: datetime, end: datetime, budget: Budget
) -> Expansion:
    """Occurrences overlapping [start, end): EXDATE, RDATE and RECURRENCE-ID overrides applied.
    One series at a time and without skip_bad_series, so a broken one raises and the caller
    counts it as invalid (skip_bad_series=True would drop it just the same, but silently)."""
    budget.check()
    lazy = any(_may_repeat_within_a_day(c) for c in components)
    series = icalendar.Calendar()
    for component in components:
        try:
            rebased = _rebased(component, start) if lazy else component
        except Unbounded as exc:
            return Expansion([], refused=str(exc))
        if rebased is None:  # a COUNT rule that ran out before the window
            continue
        series.add_component(rebased)
    query = recurring_ical_events.of(series)
    if not lazy:
        found = query.between(start, end)
        cut = len(found) > MAX_OCCURRENCES_PER_SERIES
        found.sort(key=lambda o: _sort_key(o, start))
        return Expansion(found[:MAX_OCCURRENCES_PER_SERIES], cut)
    found = []
    for occurrence in _lazily(query, start, end, budget):
        if len(found) == MAX_OCCURRENCES_PER_SERIES:
            return Expansion(found, cut=True)
        found.append(occurrence)
    return Expansion(found)


def _may_repeat_within_a_day(component: icalendar.Component) -> bool:
    rules = component.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules else []:
        if {str(f).upper() for f in rule.get("FREQ", [])} & SUB_DAILY:
            return True
        if any(rule.get(part) for part in MULTIPLIERS):
            return True
    return False


def _rebased(component: icalendar.Component, start: datetime) -> icalendar.Component | None:
    """The component with its DTSTART (and DTEND) moved forward by whole periods of its rule to
    just before the window; None when its COUNT ran out before. The recurrence library walks a
    rule from its DTSTART at every query, so a SECONDLY rule begun a month earlier costs
    millions of steps per window; moved by whole periods (wall-clock, as the rule counts them)
    it yields the same occurrences. A COUNT is lowered by the periods skipped, which is exact
    for a rule of FREQ, INTERVAL and COUNT alone (one occurrence a period); a COUNT beside other
    parts, or a BYSETPOS, depends on where the rule began: such a rule is walked from its start
    when its FREQ is DAILY or WEEKLY (cheap), and refused (Unbounded) when its FREQ is sub-daily
    and it began long before the window (that walk would cost millions of steps)."""
    rule = component.get("RRULE")
    if not rule or isinstance(rule, list):
        return component
    counted = {"COUNT", "BYSETPOS"} & set(rule)
    period = PERIODS.get(str(rule.get("FREQ", [""])[0]).upper())
    times = {name: moment(component, name) for name in ("DTSTART", "DTEND") if name in component}
    origin = times.get("DTSTART")
    if period is None or not isinstance(origin, datetime):
        return component
    step = period * int(rule.get("INTERVAL", [1])[0])
    window = start.astimezone(origin.tzinfo) if origin.tzinfo else start.replace(tzinfo=None)
    end = times.get("DTEND")
    length = end - origin if isinstance(end, datetime) else timedelta(0)
    margin = max(min(REBASE_MARGIN, step * 1_000), length + step)  # keeps what overlaps the start
    gap = window.replace(tzinfo=None) - origin.replace(tzinfo=None) - margin
    if gap <= step:
        return component
    if counted and set(rule) - {"FREQ", "INTERVAL", "COUNT", "WKST"}:
        if period >= PERIODS["DAILY"]:  # a day or more per step: walking it is cheap
            return component
        raise Unbounded("COUNT or BYSETPOS on a rule repeating within a day, begun long before")
    shift = step * (gap // step)
    rebased = component.copy()
    if "COUNT" in rule:
        left = int(rule["COUNT"][0]) - gap // step
        if left <= 0:
            return None
        rebased["RRULE"] = icalendar.vRecur({**rule, "COUNT": [left]})
    for name, value in times.items():
        if isinstance(value, datetime):
            params = dict(component[name].params)
            rebased.pop(name)
            rebased.add(name, value + shift, parameters=params)
    return rebased


def _lazily(
    query: recurring_ical_events.CalendarQuery, start: datetime, end: datetime, budget: Budget
) -> Iterator[icalendar.Component]:
    """Occurrences in start order, one window at a time; a window doubles while it holds few, so
    a rule that repeats hourly costs a handful of queries and a SECONDLY one stops at the cap."""
    seen: set[tuple[str, str]] = set()
    window, cursor = FIRST_WINDOW, start
    while cursor < end:
        stop = min(cursor + window, end)
        chunk = sorted(query.between(cursor, stop), key=lambda o: _sort_key(o, start))
        for occurrence in chunk:
            key = (str(occurrence.get("UID", "")), _identity(occurrence))
            if key not in seen:  # an occurrence spanning the window edge comes twice
                seen.add(key)
                yield occurrence
        budget.check()
        if len(chunk) < MAX_OCCURRENCES_PER_SERIES // 4:
            window *= 2
        cursor = stop


def moment(component: icalendar.Component, name: str) -> date | datetime:
    """The date or date-time of DTSTART, DTEND or RECURRENCE-ID. icalendar types a property as
    any of its value types; a broken one (a PERIOD, an unparsable value) is an invalid series."""
    prop = component[name]
    value = prop.dt if isinstance(prop, icalendar.vDDDTypes) else None
    if not isinstance(value, date):  # a datetime is a date too
        raise ValueError(f"{name} is not a date or a date-time")
    return value


def _identity(occurrence: icalendar.Component) -> str:
    prop = occurrence.get("RECURRENCE-ID") or occurrence.get("DTSTART")
    return prop.dt.isoformat() if prop is not None else ""


def _sort_key(occurrence: icalendar.Component, start: datetime) -> datetime:
    """DTSTART comparable across dates, floating and zoned times (floating: the window's zone)."""
    value = moment(occurrence, "DTSTART")
    if not isinstance(value, datetime):
        return datetime.combine(value, time(), start.tzinfo)
    return value if value.tzinfo else value.replace(tzinfo=start.tzinfo)
