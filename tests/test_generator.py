"""The generator's rules in isolation: safe text, day layout and ordering, labels, and what a
rebuild writes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from fixtures.events import (
    CATEGORIES,
    SITE,
    TODAY,
    build_fixture_site,
    fixture_store,
    listed_events,
    load_events,
)

from core.models import Event
from core.store.sqlite import SQLiteStore
from generator import manifest
from generator.archive import SEARCH_INDEX
from generator.days import lay_out, week_id
from generator.outputs import listing
from generator.text import description_html, description_text, http_url
from generator.topics import topic_links
from generator.views import clock, make_view, script_safe_json
from generator.writers import MANIFEST

TZ = ZoneInfo(SITE.timezone)
CARD = "https://dctech.events/static/card.0123456789ab.png"


def view(event: Event):
    topics = topic_links(CATEGORIES, "")
    return make_view(event, site=SITE, tz=TZ, root="", today=TODAY, topics=topics, image=CARD)


# --- safe text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " java\tscript:x", "data:text/html,x",
     "/relative", "mailto:a@b.c", "https://", "https://x.org/a b", "", None],
)  # fmt: skip
def test_only_absolute_http_urls_are_links(url):
    assert http_url(url) is None


def test_http_and_https_urls_pass_through_trimmed():
    assert http_url(" https://x.org/a?b=1 ") == "https://x.org/a?b=1"
    assert http_url("HTTP://X.ORG") == "HTTP://X.ORG"


def test_html_descriptions_are_cleaned_with_an_allow_list():
    html = description_html(
        '<p onclick="x()">Hi <script>alert(1)</script><img src=x onerror=alert(1)>'
        '<a href="javascript:alert(1)">bad</a> <a href="/rel">rel</a> '
        '<a href="https://ok.org">ok</a><iframe src="https://evil"></iframe></p>'
    )
    assert "script" not in html and "onerror" not in html and "onclick" not in html
    assert "<img" not in html and "<iframe" not in html and "javascript" not in html
    assert 'href="/rel"' not in html
    assert '<a href="https://ok.org" rel="nofollow ugc noopener noreferrer">ok</a>' in html


def test_markdown_is_rendered_then_cleaned():
    html = description_html(
        "**Bold** [x](javascript:alert(1)) [y](https://y.org)\n\n<script>z</script>"
    )
    assert "<strong>Bold</strong>" in html
    assert 'href="https://y.org"' in html
    assert "javascript" not in html and "<script" not in html


def test_plain_text_is_escaped_with_paragraphs_and_links():
    html = description_html("a < b & c\nnext line https://x.org/p?q=1&r=2.\n\nsecond")
    assert html.startswith("<p>a &lt; b &amp; c<br>")
    assert '<a href="https://x.org/p?q=1&amp;r=2" rel=' in html
    assert "</a>.</p>\n<p>second</p>" in html


def test_long_descriptions_are_cut_at_a_word():
    html = description_html("word " * 500)
    assert html.endswith(" …</p>") and len(html) < 900


def test_description_text_drops_tags_keeps_lines():
    assert description_text("<p>One &amp; two</p><p>three<br>four</p>") == "One & two\nthree\nfour"
    assert description_text("plain *markdown* stays") == "plain *markdown* stays"


def test_json_for_a_script_element_cannot_close_it():
    text = script_safe_json({"name": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script> & <!--"


# --- labels and layout -------------------------------------------------------------------------


def test_clock_labels():
    assert clock(datetime(2026, 1, 1, 18, 30)) == "6:30 pm"
    assert clock(datetime(2026, 1, 1, 0, 5)) == "12:05 am"
    assert clock(datetime(2026, 1, 1, 12, 0)) == "12:00 pm"


def test_labels_for_each_kind_of_event():
    events = load_events()
    pydc = view(events["pydc-december"]).when
    assert (pydc.start, pydc.end, str(pydc)) == ("6:30 pm", "8:30 pm", "6:30 pm – 8:30 pm")
    assert str(view(events["winter-summit"]).when) == "All day"
    devfest = view(events["devfest"])
    assert str(devfest.when) == "All day, until Friday, December 4"
    assert str(devfest.until) == "Continuing, until Friday, December 4"
    assert (devfest.iso_start, devfest.iso_end) == ("2026-12-02", "2026-12-04")  # last day
    hack = view(events["hack-weekend"])
    assert str(hack.until) == "Continuing, until Fri, Dec 4, 5:00 pm"
    assert (hack.iso_start, hack.iso_end) == (
        "2026-12-03T09:00:00-05:00",
        "2026-12-04T17:00:00-05:00",
    )
    assert view(events["late-night"]).days == (date(2026, 12, 4),)  # ends 1 am: not "continuing"


def test_days_in_order_with_all_day_and_continuing_first_then_time_then_title():
    days = lay_out([view(e) for e in listed_events().values()], root="", today=TODAY)
    assert [d.day for d in days] == sorted(d.day for d in days)
    assert days[0].day == TODAY  # the bootcamp began yesterday: listed from today
    titles = {d.anchor: [(e.view.title, e.continuing) for e in d.entries] for d in days}
    assert titles["2026-12-02"] == [
        ("DevFest Capital Region", False),
        ("Security Bootcamp", True),
        ("Lunch & Learn: Observability", False),
        ("alpha Builders Meetup", False),  # a tie at 6 pm: by title, ignoring case
        ("Beta Testers Social", False),
    ]
    assert titles["2026-12-04"][:2] == [
        ("Civic Hack Weekend", True),
        ("DevFest Capital Region", True),
    ]
    for day in days:
        assert day.week_href == f"/week/{week_id(day.day)}/#{day.anchor}"


def test_long_listings_stop_at_a_day_boundary_and_point_to_the_week_pages():
    days = lay_out([view(e) for e in listed_events().values()], root="", today=TODAY)
    page = listing("index.html", "home", days, 4, title="t", heading="h", intro="i")
    shown = page.context["days"]
    assert sum(len(d.entries) for d in shown) <= 4 and shown == days[: len(shown)]
    rest = days[len(shown)]
    assert page.context["more"].href == rest.week_href
    assert listing("index.html", "home", days, None).context["more"] is None


# --- rebuilds ----------------------------------------------------------------------------------


def test_a_rebuild_without_changes_writes_nothing(tmp_path):
    first = build_fixture_site(tmp_path)
    assert first.files_written > 40 and first.files_unchanged == 0
    assert first.events == len(listed_events())
    again = build_fixture_site(tmp_path)
    assert (again.files_written, again.files_deleted) == (0, 0)
    assert again.files_unchanged == first.files_written
    assert "0 written" in str(again)


def test_a_changed_event_rewrites_only_the_files_that_show_it(tmp_path):
    store = fixture_store()
    build_fixture_site(tmp_path, store)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    workshop = load_events()["submitted-workshop"]
    store.put_events([replace(workshop, title="Accessibility Workshop (room 2)")])
    report = build_fixture_site(tmp_path, store)
    changed = {str(p.relative_to(tmp_path)) for p, data in before.items() if p.read_bytes() != data}
    added = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()} - {
        str(p.relative_to(tmp_path)) for p in before
    }
    written = len(changed) - (".dctech-manifest.json" in changed) + len(added)
    assert report.files_written == written
    # Its month's search bundle made again: its record of the event, the index chunk and the
    # metadata that hold its words are new files (named by their content); its entry names them.
    assert all(path.startswith("search/pagefind/2026-12/") for path in added)
    kinds = sorted(path.split("/")[3].split("_")[0] for path in added)
    assert kinds == ["fragment", "index", "pagefind.en"]
    assert changed == {
        "index.html", "locations/DC/index.html", "week/2026-W49/index.html", "newsletter.html",
        "newsletter.txt", "events.ics", "locations/DC/events.ics",
        "topics/ux-design/index.html", "topics/ux-design/events.ics",  # its topic's page and feed
        "month/2026-12/index.html",  # its month's grid and list
        f"events/{workshop.event_id}.ics", f"events/{workshop.event_id}/index.html",  # its own
        "new/index.html", "new/feed.atom", "locations/DC/feed.atom",  # it is new: /new/ and
        "topics/ux-design/feed.atom",  # the Atom feeds of what is new where it is
        "search/pagefind/2026-12/pagefind-entry.json",
        ".dctech-manifest.json",  # the writer's record of what each file was made from
    }  # fmt: skip


def test_pages_nobody_produces_any_more_stay_published(tmp_path):
    """The URL contract (generator.archive): a removed event's page and .ics are kept as they
    are; the future week and month pages that showed it are produced again without it."""
    store = fixture_store()
    build_fixture_site(tmp_path, store)
    spring = load_events()["spring-conference"]
    week, month = tmp_path / "week/2027-W11/index.html", tmp_path / "month/2027-03/index.html"
    assert spring.title in week.read_text() and spring.title in month.read_text()
    store.delete_events([spring.key])
    report = build_fixture_site(tmp_path, store)
    entries = manifest.parse((tmp_path / MANIFEST).read_bytes())
    kept = {p: e.kept for p, e in entries.items() if e.kept and not p.startswith(SEARCH_INDEX)}
    assert kept == {
        f"events/{spring.event_id}.ics": "event no longer listed",
        f"events/{spring.event_id}/index.html": "event no longer listed",
    }
    assert report.files_deleted == 0 and report.files_kept >= len(kept)
    assert (tmp_path / f"events/{spring.event_id}.ics").exists()
    assert (tmp_path / f"events/{spring.event_id}/index.html").exists()
    assert spring.title not in week.read_text() and spring.title not in month.read_text()
    assert "No events are listed for this week yet." in week.read_text()
    assert (tmp_path / "week/2027-W08/index.html").exists()  # within the next 12: kept, empty


def test_an_empty_store_still_builds_every_page(tmp_path):
    report = build_fixture_site(tmp_path, SQLiteStore(":memory:"))
    assert report.events == 0
    assert (tmp_path / "index.html").exists() and (tmp_path / "events.ics").exists()
    assert len(list((tmp_path / "week").iterdir())) == 13  # this week and the next 12
