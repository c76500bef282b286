"""Cross-posted events (same event_id from several groups) are stored once."""

from __future__ import annotations

from collector.merge import merge_cross_posts
from core.ids import make_event_id
from core.models import Event

URL = "https://www.meetup.com/pydc/events/311/"


def copy(group: str, url: str = URL, title: str = "Cloud Night") -> Event:
    start = "2026-12-03T18:30:00"
    return Event(
        event_id=make_event_id(url, title, start),
        start_datetime=start,
        end_datetime="2026-12-03T21:00:00",
        title=title,
        group_id=group,
        group_name=group.title(),
        group_website=f"https://example.org/{group}",
        url=url,
    )


def test_cross_post_is_one_event_owned_by_the_first_group_with_the_others_listed():
    merged = merge_cross_posts([copy("zeta"), copy("awsdc"), copy("pydc")]).events
    assert len(merged) == 1
    assert merged[0].group_id == "awsdc"
    assert [g["group_id"] for g in merged[0].also_published_by] == ["pydc", "zeta"]
    assert merged[0].also_published_by[0]["group_name"] == "Pydc"


def test_tracking_parameters_do_not_split_a_cross_post():
    tracked = copy("pydc", URL + "?utm_source=newsletter&utm_medium=email")
    assert len(merge_cross_posts([copy("awsdc"), tracked]).events) == 1


def test_different_events_stay_apart_and_a_repeated_copy_is_not_listed_twice():
    other = copy("pydc", "https://www.meetup.com/pydc/events/312/")
    merged = merge_cross_posts([copy("pydc"), copy("pydc"), other]).events
    assert len(merged) == 2
    assert all(e.also_published_by == [] for e in merged)


AWSDC, ZETA = "https://example.org/awsdc/cloud-night", "https://zeta.org/cloud-night"
LONG = "Cloud Night: Serverless"  # two links, no place: a title long enough to merge alone


def test_a_held_copy_the_rule_keeps_is_not_stored_again_and_the_others_fold_into_it():
    """A stored copy whose feed failed today keeps its event: the other copies fold into it."""
    held, other = copy("awsdc", AWSDC, LONG), copy("zeta", ZETA, LONG)
    merged = merge_cross_posts([other], held=[held])
    assert merged.events == []
    assert merged.folded == {other.event_id: held.event_id}


def test_a_held_copy_the_rule_does_not_keep_is_folded_into_the_kept_one():
    """An aggregator's stored copy, its feed down, gives way to the organiser's new copy."""
    held, organiser = copy("zeta", ZETA, LONG), copy("awsdc", AWSDC, LONG)
    merged = merge_cross_posts([organiser], aggregators={"zeta"}, held=[held])
    assert [e.event_id for e in merged.events] == [organiser.event_id]
    assert [a["group_id"] for a in merged.events[0].also_published_by] == ["zeta"]
    assert merged.folded == {held.event_id: organiser.event_id}
