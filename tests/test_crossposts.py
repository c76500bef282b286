"""Cross-posts with different links are one event; different events at one venue and time are
not. Pairs are real shapes: a Meetup copy and a Luma copy, a sponsor's calendar appending the
venue, an umbrella organisation's repost; each rule is tested in both directions (a → b and
b → a, and as a merge in either feed order)."""

from __future__ import annotations

import itertools

import pytest

from collector.location import classify
from collector.match import own_copy, same_event
from collector.merge import merge_cross_posts
from core.ids import make_event_id
from core.models import Event, Group

START = "2026-12-08T18:30:00"
CAPITAL_ONE_HALL = "Capital One Hall (7750 Capital One Tower Rd, Tysons, VA)"
MLK = "MLK Memorial Library (901 G St NW, Washington, DC)"
EATON = "The Eaton DC, 1201 K St NW, Washington, DC 20005, USA"
SITES = {
    "aws-dc": ("AWS DC", "https://www.meetup.com/aws-dc/"),
    "pydc": ("Python DC", "https://www.meetup.com/pydc/"),
    "novajs": ("NoVA JS", "https://www.meetup.com/novajs/"),
    "dc-ai-builders": ("DC AI Builders", "https://lu.ma/dc-ai-builders"),
    "capital-one-events": ("Capital One Events", "https://www.capitalone.com/tech/events/"),
    "dctech-calendar": ("DC Tech Calendar", "https://dctechcalendar.example.org/"),
}


def copy(
    group: str,
    title: str,
    location: str = "",
    url: str = "",
    start: str = START,
    organiser: str = "",
) -> Event:
    """A copy as collector/parse.py makes it; ``organiser``: the VEVENT's ORGANIZER CN."""
    name, website = SITES[group]
    place = classify(location, "")
    url = url or website
    return Event(
        event_id=make_event_id(url, title, start),
        start_datetime=start,
        end_datetime=start[:11] + "20:30:00",
        title=title,
        group_id=group,
        group_name=name,
        group_website=website,
        url=url,
        location=location,
        location_type=place.location_type,
        city=place.city,
        state=place.state,
        source_uid=f"{group}-{abs(hash(title))}",
        categories=[group],
        own_copy=own_copy(url, organiser, Group(group, name, website)),
    )


def both_ways(a: Event, b: Event) -> bool:
    assert same_event(a, b) == same_event(b, a)
    return same_event(a, b)


SAME = {
    "sponsor appends the venue": (
        copy(
            "aws-dc", "Cloud Night", CAPITAL_ONE_HALL, "https://www.meetup.com/aws-dc/events/401/"
        ),
        copy("capital-one-events", "Cloud Night at Capital One Hall"),
    ),
    "Luma copy names its group": (
        copy("pydc", "Intro to Typed Python", MLK, "https://www.meetup.com/pydc/events/412/"),
        copy("dc-ai-builders", "Intro to Typed Python - Python DC", "", "https://luma.com/typed"),
    ),
    "invisible and compatibility characters, case, punctuation": (
        copy("aws-dc", "Serverless Deep-Dive: Step Functions", CAPITAL_ONE_HALL),
        copy("dctech-calendar", "SERVERLESS\u200b DEEP DIVE — step functions!", "Tysons, VA"),
    ),
    "ligatures and an ampersand": (
        copy("capital-one-events", "Fintech & Open Banking Fireside", "Capital One Hall"),
        copy("dctech-calendar", "ﬁntech and open banking ﬁreside", ""),
    ),
    "leading group name and a trailing pipe": (
        copy("dc-ai-builders", "DC AI Builders: December Demo Night", EATON),
        copy("dctech-calendar", "December Demo Night 🎉 | DC AI Builders", ""),
    ),
    "guarded prefix, same venue": (
        copy("dc-ai-builders", "AI Builders Demo Night", EATON, "https://luma.com/k8x2mq4z"),
        copy(
            "novajs",
            "AI Builders Demo Night with friends from NoVA JS",
            "The Eaton DC (1201 K St NW)",
        ),
    ),
    "an apostrophe inside a word dropped": (
        copy("pydc", "Women's Tech Night: Lightning Talks", MLK),
        copy("dctech-calendar", "Womens Tech Night - Lightning Talks", ""),
    ),
    "a hyphenated word written whole": (
        copy("novajs", "Civic Hack-a-thon", EATON),
        copy("dc-ai-builders", "Civic Hackathon", EATON),
    ),
    "one room written two ways": (
        copy("aws-dc", "Lightning Talks", "Capital One Hall, Room A (7750 Capital One Tower Rd)"),
        copy("dctech-calendar", "Lightning Talks", "Capital One Hall, Rm. A, Tysons, VA"),
    ),
    "one floor written two ways": (
        copy(
            "pydc", "Open Source Office Hours", "WeWork (1775 Tysons Blvd, 5th Floor, Tysons, VA)"
        ),
        copy("dc-ai-builders", "Open Source Office Hours", "WeWork, 1775 Tysons Blvd, Floor 5"),
    ),
    "guarded prefix, same event page": (
        copy(
            "novajs",
            "Northern Virginia Cybersecurity Summit 2026",
            "",
            "https://www.eventbrite.com/e/nova-cyber-summit-tickets-1234",
        ),
        copy(
            "dctech-calendar",
            "Northern Virginia Cybersecurity Summit",
            "",
            "https://www.eventbrite.com/e/nova-cyber-summit-tickets-1234?aff=dctech",
        ),
    ),
}

DIFFERENT = {
    "two talks in two rooms of one building": (
        copy("aws-dc", "Kubernetes Security Deep Dive", "Capital One Hall, Room A, Tysons, VA"),
        copy("novajs", "Frontend Performance Workshop", "Capital One Hall, Room B, Tysons, VA"),
    ),
    "equal generic title in two rooms of one building": (
        copy("aws-dc", "Lightning Talks", "Capital One Hall, Room A (7750 Capital One Tower Rd)"),
        copy("novajs", "Lightning Talks", "Capital One Hall, Room B (7750 Capital One Tower Rd)"),
    ),
    "equal title on two floors of one street address": (
        copy(
            "pydc", "Open Source Office Hours", "WeWork (1775 Tysons Blvd, 5th Floor, Tysons, VA)"
        ),
        copy("dc-ai-builders", "Open Source Office Hours", "WeWork, 1775 Tysons Blvd, Floor 3"),
    ),
    "prefix without either guard": (
        copy("pydc", "Python Night", MLK),
        copy("dc-ai-builders", "Python Night: Advanced", EATON),
    ),
    "prefix naming another session, same venue": (
        copy("aws-dc", "Cloud Security Workshop", CAPITAL_ONE_HALL),
        copy("capital-one-events", "Cloud Security Workshop: Part 2", CAPITAL_ONE_HALL),
    ),
    "prefix naming a level, same venue": (
        copy("pydc", "Python Night at the Library", MLK),
        copy("novajs", "Python Night at the Library: Beginners", MLK),
    ),
    "prefix too short, same page host": (
        copy("pydc", "Hack Night", "", "https://www.meetup.com/pydc/events/1/"),
        copy("novajs", "Hack Night: JS Edition", "", "https://www.meetup.com/novajs/events/2/"),
    ),
    "equal generic title at two venues": (
        copy("novajs", "Tech Happy Hour", "Ballston Quarter (4238 Wilson Blvd, Arlington, VA)"),
        copy(
            "dc-ai-builders",
            "Tech Happy Hour",
            "Franklin Hall, 1348 Florida Ave NW, Washington, DC",
        ),
    ),
    "equal generic title at two bars of one city": (
        copy("pydc", "Tech Happy Hour", "The Brig, Washington, DC"),
        copy("novajs", "Tech Happy Hour", "Franklin Hall, Washington, DC"),
    ),
    "equal short title, no place, different pages": (
        copy("pydc", "Hack Night", "", "https://www.meetup.com/pydc/events/7/"),
        copy("novajs", "Hack Night", "", "https://www.meetup.com/novajs/events/8/"),
    ),
    "each group names itself, places unknown": (
        copy("pydc", "Holiday Happy Hour - Python DC", "TBD"),
        copy("novajs", "Holiday Happy Hour - NoVA JS", "Location TBA"),
    ),
    "online and in person": (
        copy("dc-ai-builders", "AI Paper Club: Agents", "https://luma.com/event/evt-1"),
        copy("pydc", "AI Paper Club: Agents", MLK),
    ),
    "one group's two events": (
        copy("dctech-calendar", "Startup Pitch Night", "WeWork, 1440 G St NW, Washington, DC"),
        copy(
            "dctech-calendar",
            "Startup Pitch Night",
            "WeWork, 1440 G St NW, Washington, DC",
            "https://dctechcalendar.example.org/e/2",
        ),
    ),
}


@pytest.mark.parametrize("name", SAME)
def test_cross_posts_with_different_links_match(name):
    a, b = SAME[name]
    assert a.event_id != b.event_id
    assert both_ways(a, b)


@pytest.mark.parametrize("name", [n for n in DIFFERENT if n != "one group's two events"])
def test_different_events_at_one_time_do_not_match(name):
    assert not both_ways(*DIFFERENT[name])


@pytest.mark.parametrize("pairs", [SAME, DIFFERENT], ids=["same", "different"])
def test_the_merge_agrees_in_either_feed_order(pairs):
    for name, (a, b) in pairs.items():
        for order in ([a, b], [b, a]):
            merged = merge_cross_posts(order).events
            assert len(merged) == (1 if pairs is SAME else 2), name


def test_a_different_start_is_never_merged():
    a, b = SAME["sponsor appends the venue"]
    later = copy("capital-one-events", b.title, start="2026-12-08T19:00:00")
    assert len(merge_cross_posts([a, later]).events) == 2


def test_the_organisers_copy_is_kept_over_an_aggregators_whatever_the_order():
    organiser, sponsor = SAME["sponsor appends the venue"]
    umbrella = copy("dctech-calendar", "Cloud Night", "Capital One Hall, Tysons, VA")
    aggregators = {"capital-one-events", "dctech-calendar"}
    for order in itertools.permutations([organiser, sponsor, umbrella]):
        merged = merge_cross_posts(order, aggregators)
        (kept,) = merged.events
        assert (kept.group_id, kept.event_id) == ("aws-dc", organiser.event_id)
        assert merged.folded == dict.fromkeys(
            sorted([sponsor.event_id, umbrella.event_id]), organiser.event_id
        )
        assert kept.also_published_by == [
            {
                "group_id": "capital-one-events",
                "group_name": "Capital One Events",
                "group_website": "https://www.capitalone.com/tech/events/",
                "url": "https://www.capitalone.com/tech/events/",
            },
            {
                "group_id": "dctech-calendar",
                "group_name": "DC Tech Calendar",
                "group_website": "https://dctechcalendar.example.org/",
                "url": "https://dctechcalendar.example.org/",
            },
        ]
        assert kept.categories == ["aws-dc", "capital-one-events", "dctech-calendar"]


def test_a_link_on_the_groups_own_site_wins_before_the_group_id():
    """Neither is an aggregator: novajs's copy links to its own Meetup page, dc-ai-builders's to
    a Luma page (on a shared platform, so not "its own site") and its feed names no organiser:
    novajs keeps it, though dc-ai-builders sorts first."""
    luma, meetup = SAME["guarded prefix, same venue"]
    meetup = copy(
        "novajs", meetup.title, meetup.location, "https://www.meetup.com/novajs/events/905/"
    )
    (kept,) = merge_cross_posts([luma, meetup]).events
    assert kept.group_id == "novajs"
    assert kept.also_published_by[0]["url"] == "https://luma.com/k8x2mq4z"


@pytest.mark.parametrize("organiser", ["DC AI Builders", "dc ai builders", "dc-ai-builders"])
def test_a_luma_organiser_named_by_its_feed_is_its_own_copy_beside_a_meetup_co_host(organiser):
    """Luma's link is never on the group's site, but its ORGANIZER CN names the group: both
    copies are their group's own, and the group id decides (both feed orders)."""
    luma, meetup = SAME["guarded prefix, same venue"]
    luma = copy("dc-ai-builders", luma.title, luma.location, luma.url, organiser=organiser)
    meetup = copy(
        "novajs", meetup.title, meetup.location, "https://www.meetup.com/novajs/events/905/"
    )
    for order in ([luma, meetup], [meetup, luma]):
        (kept,) = merge_cross_posts(order).events
        assert kept.group_id == "dc-ai-builders" and kept.url == "https://luma.com/k8x2mq4z"


def test_an_organiser_naming_another_group_or_a_link_on_the_fallback_decides_as_the_rule_says():
    group = Group("dc-ai-builders", "DC AI Builders", "https://dcai.example.org/",
                  fallback_url="https://lu.ma/dc-ai-builders")  # fmt: skip
    assert not own_copy("https://luma.com/k8x2mq4z", "NoVA JS", group)  # a co-host's name
    assert not own_copy("https://luma.com/k8x2mq4z", "", group)
    assert own_copy("https://lu.ma/dc-ai-builders/demo-night", "", group)  # on the fallback
    assert own_copy("https://dcai.example.org/events/demo", "", group)


def test_without_any_own_link_or_aggregator_the_group_id_decides():
    a, b = SAME["invisible and compatibility characters, case, punctuation"]
    assert [merge_cross_posts(o).events[0].group_id for o in ([a, b], [b, a])] == ["aws-dc"] * 2


def test_a_short_title_at_the_same_venue_merges_only_with_evidence():
    organiser = copy("pydc", "Hack Night", MLK)
    assert both_ways(organiser, copy("novajs", "Hack Night", "MLK Memorial Library"))
    assert both_ways(organiser, copy("novajs", "Hack Night @ MLK Memorial Library", ""))
    assert not both_ways(organiser, copy("novajs", "Hack Night", ""))


def test_a_cluster_never_holds_two_events_of_one_group():
    """An umbrella's repost matches both of one group's same-time events (a short prefix); it
    joins the first, and the group's two events stay two."""
    first = copy("pydc", "Intro to Typed Python", MLK, "https://www.meetup.com/pydc/events/1/")
    second = copy("pydc", "Intro to Typed Python", MLK, "https://www.meetup.com/pydc/events/2/")
    repost = copy("dctech-calendar", "Intro to Typed Python", "")
    for order in itertools.permutations([first, second, repost]):
        merged = merge_cross_posts(order).events
        assert sorted(len(e.also_published_by) for e in merged) == [0, 1]


def test_the_same_event_id_still_merges_any_source():
    a = copy("pydc", "Cloud Night", MLK, "https://www.meetup.com/pydc/events/311/")
    b = copy("novajs", "Cloud Night", "", "https://www.meetup.com/pydc/events/311/?utm_source=x")
    assert a.event_id == b.event_id
    (kept,) = merge_cross_posts([b, a]).events
    assert kept.group_id == "pydc" and kept.also_published_by[0]["url"].endswith("utm_source=x")
