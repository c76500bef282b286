"""Single events submitted as `_single_events/*.yaml` become ordinary events."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from collector.location import classify
from core.config import SingleEvent
from core.ids import make_event_id
from core.models import SINGLE_EVENT, SINGLE_EVENTS_GROUP, VIRTUAL, Event, SiteConfig
from core.timeutil import format_local

DEFAULT_LENGTH = timedelta(hours=2)  # a submitted event with a start time but no end


def single_event(spec: SingleEvent, site: SiteConfig) -> Event | None:
    """The stored form of a submitted event, or None when it is outside the site's area."""
    if spec.time is None:
        start = datetime.combine(spec.date, time())
        end = datetime.combine(spec.end_date or spec.date, time()) + timedelta(days=1)
    else:
        start = datetime.combine(spec.date, spec.time)
        if spec.end_time is not None:
            end = datetime.combine(spec.end_date or spec.date, spec.end_time)
        elif spec.end_date is not None:
            end = datetime.combine(spec.end_date, time()) + timedelta(days=1)
        else:
            end = start + DEFAULT_LENGTH
    place = classify(spec.location or "", "")
    if place.state and place.state not in site.only_states and place.location_type != VIRTUAL:
        return None
    start_s, url = format_local(start), spec.url or ""
    return Event(
        event_id=make_event_id(url, spec.title, start_s),
        start_datetime=start_s,
        end_datetime=format_local(end if end > start else start + DEFAULT_LENGTH),
        title=spec.title,
        group_id=SINGLE_EVENTS_GROUP,
        group_name="",
        group_website="",
        url=url,
        location=spec.location or "",
        location_type=place.location_type,
        city=place.city,
        state=place.state if place.state in site.only_states else None,
        cost=spec.cost,
        source_type=SINGLE_EVENT,
        submitted_by=spec.submitted_by,
        submitter_link=spec.submitter_link,
        all_day=spec.time is None,
        source_uid=f"single:{spec.source_file}",
        categories=sorted(spec.categories),
    )
