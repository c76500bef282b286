"""The archive policy (generator.archive), pure: for every file earlier builds published and this
one does not produce, render it again, redirect it, empty it, keep it (and why) or let it go."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.store.base import Move
from generator import archive
from generator.archive import EMPTIED, ENDED, REDIRECT, decide, destination, family, marked
from generator.manifest import Entry

TODAY = date(2026, 12, 1)  # ISO week 2026-W49


def page(event_id: str) -> str:
    return f"events/{event_id}/index.html"


def ics(event_id: str) -> str:
    return f"events/{event_id}.ics"


def fates(previous, produced=(), *, upcoming=None, ended=(), moves=None, today=TODAY):
    """``upcoming``: by default the events whose page is among ``produced``."""
    if upcoming is None:
        upcoming = {f[1] for f in map(family, produced) if f and f[0] == "event"}
    return decide(
        previous,
        set(produced),
        today=today,
        upcoming=set(upcoming),
        ended=set(ended),
        moves=moves or {},
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("events/abc123/index.html", ("event", "abc123")),
        ("events/abc123.ics", ("event_ics", "abc123")),
        ("week/2026-W48/index.html", ("week", "2026-W48")),
        ("month/2026-11/index.html", ("month", "2026-11")),
        ("groups/pydc/index.html", ("group", "pydc")),
        ("topics/ai/index.html", ("topic", "ai")),
        ("locations/DC/index.html", ("location", "DC")),
        ("static/site.0123456789ab.css", ("asset", "site.0123456789ab.css")),
        ("groups/pydc/events.ics", None),  # a feed: told apart by its name
        ("events/a/b/index.html", None),
        ("events//index.html", None),
        ("index.html", None),
    ],
)
def test_a_file_is_told_apart_by_the_url_function_that_names_it(path, expected):
    assert family(path) == expected


def test_files_still_produced_are_left_alone():
    result = fates({"index.html": Entry(), page("a"): Entry()}, {"index.html", page("a")})
    assert result == archive.Archive()


def test_an_ended_event_still_stored_gets_its_page_again_and_its_calendar_is_kept():
    result = fates({page("a"): Entry(), ics("a"): Entry()}, ended={"a"})
    assert result.ended == ("a",)
    assert result.kept == {ics("a"): "event ended"}


def test_once_its_item_expired_an_ended_page_is_kept_as_the_ended_page_it_is():
    result = fates(
        {page("a"): Entry(marked(ENDED)), ics("a"): Entry(kept="event ended", since="2026-11-30")}
    )
    assert result.kept == {page("a"): "event ended", ics("a"): "event ended"}
    assert result.ended == ()


def test_an_event_gone_from_its_feed_before_it_ended_is_kept_as_no_longer_listed():
    result = fates({page("a"): Entry("d1"), ics("a"): Entry()})
    assert result.kept == {page("a"): "event no longer listed", ics("a"): "event no longer listed"}


def test_a_moved_event_redirects_to_its_new_page_and_its_calendar_becomes_the_new_one():
    moves = {"a": Move("b", "2026-12-01")}
    result = fates({page("a"): Entry(), ics("a"): Entry()}, {page("b"), ics("b")}, moves=moves)
    assert result.redirects == {"a": "b"}
    assert result.copies == {"a": "b"}
    assert result.kept == {}


def test_a_move_to_an_event_in_another_part_of_the_site_redirects_too():
    """A writer building one part (events whose id begins with "a") produces no page of "b"."""
    moves = {"a": Move("b", "2026-12-01")}
    result = fates({page("a"): Entry(), ics("a"): Entry()}, upcoming={"b"}, moves=moves)
    assert (result.redirects, result.copies) == ({"a": "b"}, {"a": "b"})


def test_a_chain_of_moves_resolves_to_the_last_page():
    moves = {"a": Move("b", "2026-11-01"), "b": Move("c", "2026-11-20")}
    previous = {page("a"): Entry(marked(REDIRECT)), page("b"): Entry()}
    assert fates(previous, {page("c")}, moves=moves).redirects == {"a": "c", "b": "c"}


def test_a_move_to_an_event_that_has_itself_ended_points_to_its_page():
    moves = {"a": Move("b", "2026-11-01")}
    previous = {page("a"): Entry(marked(REDIRECT)), page("b"): Entry(), ics("a"): Entry()}
    rendered_again = fates(previous, ended={"b"}, moves=moves)
    assert rendered_again.redirects == {"a": "b"} and rendered_again.ended == ("b",)
    assert rendered_again.copies == {}  # b's calendar is not published as upcoming any more
    assert rendered_again.kept == {ics("a"): "event moved"}
    expired = fates(previous | {page("b"): Entry(marked(ENDED))}, moves=moves)
    assert expired.redirects == {"a": "b"}  # b's page is kept: still a page to go to
    assert expired.kept[page("b")] == "event ended"


def test_a_move_back_ends_the_chain():
    moves = {"b": Move("a", "2026-11-20"), "a": Move("b", "2026-11-01")}
    assert fates({page("b"): Entry()}, {page("a")}, moves=moves).redirects == {"b": "a"}
    assert destination("a", moves, lambda _: False) is None


def test_a_move_to_an_event_without_a_page_keeps_the_old_page():
    """E.g. retitled and cancelled at once: a cancellation no one saw listed is never stored."""
    result = fates({page("a"): Entry()}, moves={"a": Move("b", "2026-12-01")})
    assert result.redirects == {} and result.kept == {page("a"): "event moved"}


def test_a_redirect_whose_move_was_forgotten_stays_a_redirect():
    assert fates({page("a"): Entry(marked(REDIRECT))}).kept == {page("a"): "event moved"}


def test_pages_of_the_past_and_what_they_link_are_kept_with_their_reason():
    previous = {
        "week/2026-W48/index.html": Entry(),
        "month/2026-11/index.html": Entry(),
        "static/site.0123456789ab.css": Entry(),
        "groups/retired/index.html": Entry(),
        "topics/gone/index.html": Entry(),
        "locations/MD/index.html": Entry(),
        "newsletter-old.html": Entry(),
    }
    assert fates(previous).kept == {
        "week/2026-W48/index.html": "past week",
        "month/2026-11/index.html": "past month",
        "static/site.0123456789ab.css": "asset of kept pages",
        "groups/retired/index.html": "group no longer listed",
        "topics/gone/index.html": "topic no longer listed",
        "locations/MD/index.html": "place no longer listed",
        "newsletter-old.html": "no longer produced",
    }


def test_a_feed_that_went_away_is_emptied_once_then_kept_empty():
    feeds = ["groups/retired/events.ics", "topics/gone/events.ics", "locations/MD/events.ics"]
    first = fates(dict.fromkeys(feeds, Entry()))
    assert first.emptied == tuple(sorted(feeds)) and first.kept == {}
    later = fates({p: Entry(marked(EMPTIED)) for p in feeds})
    assert later.emptied == () and later.kept == dict.fromkeys(feeds, "feed emptied")


def test_a_kept_file_goes_a_year_after_it_was_last_produced():
    def kept_since(days: int) -> Entry:
        return Entry(kept="past week", since=(TODAY - timedelta(days=days)).isoformat())

    previous = {
        "week/2025-W48/index.html": kept_since(365),
        "week/2025-W47/index.html": kept_since(366),
        "groups/retired/events.ics": Entry(marked(EMPTIED), "feed emptied", "2025-11-01"),
    }
    result = fates(previous)
    assert result.kept == {"week/2025-W48/index.html": "past week"}
    assert result.gone == ("groups/retired/events.ics", "week/2025-W47/index.html")


def test_an_earlier_search_index_goes_after_a_week():
    """No one links its files; a browser or cache holding its entry file may still want them."""
    week_ago = (TODAY - timedelta(days=7)).isoformat()
    previous = {
        "search/pagefind/fragment/en_1a2b.pf_fragment": Entry(),
        "search/pagefind/index/en_9f.pf_index": Entry(kept="earlier search index", since=week_ago),
        "search/pagefind/index/en_8e.pf_index": Entry(
            kept="earlier search index", since="2026-11-23"
        ),
    }
    result = fates(previous)
    assert result.kept == {
        "search/pagefind/fragment/en_1a2b.pf_fragment": "earlier search index",
        "search/pagefind/index/en_9f.pf_index": "earlier search index",
    }
    assert result.gone == ("search/pagefind/index/en_8e.pf_index",)


def test_an_ended_page_is_rendered_again_even_after_a_year_of_an_old_keep():
    """Rendering it again makes it produced: the day it was last produced is today's."""
    old = Entry(kept="event no longer listed", since="2025-01-01")
    assert fates({page("a"): old}, ended={"a"}).ended == ("a",)


def test_future_weeks_and_months_published_before_are_named_for_their_families():
    published = [
        "week/2026-W48/index.html",
        "week/2026-W49/index.html",
        "week/2027-W11/index.html",
        "month/2026-11/index.html",
        "month/2026-12/index.html",
        "month/2027-03/index.html",
        "events/2027-W12/index.html",
    ]
    assert archive.future_weeks(published, TODAY) == {"2026-W49", "2027-W11"}
    assert archive.future_months(published, TODAY) == {"2026-12", "2027-03"}


def test_the_recent_past_is_the_week_before_today():
    window = archive.recent_past(TODAY)
    assert (window.start, window.end) == (date(2026, 11, 24), date(2026, 11, 30))
