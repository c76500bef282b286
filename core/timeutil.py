"""Small pure helpers for wall-clock datetimes in the site timezone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

FMT = "%Y-%m-%dT%H:%M:%S"
TTL_DAYS = 7
NIGHT_END_HOUR = 6  # an event ending before 6 am has not "continued" into that day


def parse_local(value: str) -> datetime:
    """A stored ``YYYY-MM-DDTHH:MM:SS`` as a naive datetime (fromisoformat: ~30x strptime)."""
    return datetime.fromisoformat(value)


def format_local(value: datetime) -> str:
    return value.strftime(FMT)


def day_start(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


def to_epoch(local: str, tz: str) -> int:
    """Unix time of a wall-clock time in ``tz``."""
    return int(parse_local(local).replace(tzinfo=ZoneInfo(tz)).timestamp())


def ttl_for(end_datetime: str, tz: str) -> int:
    """Items expire 7 days after the event ends."""
    return to_epoch(end_datetime, tz) + TTL_DAYS * 86400


def days_spanned(start_datetime: str, end_datetime: str) -> list[date]:
    """Every day the event is on, first day included. All-day events end at 00:00 of the day
    after (exclusive), and a night event ending before 6 am does not spill into that day."""
    start = parse_local(start_datetime)
    end = parse_local(end_datetime)
    last = end.date()
    if end.time() < datetime.min.replace(hour=NIGHT_END_HOUR).time() and last > start.date():
        last -= timedelta(days=1)
    days = []
    day = start.date()
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days
