"""`dctech add-group URL`: from a pasted URL to a group file for review.

The derivations are pure functions (meetup.com, lu.ma and Google cannot be reached from a test);
the command runs end to end against a Meetup-shaped feed served from 127.0.0.1.
"""

from __future__ import annotations

import shutil

import pytest
import yaml
from conftest import FIXTURES, REPO

import dctech
from collector.discover import (
    NoFeed,
    Source,
    calendar_property,
    discover,
    feed_key,
    group_id,
    group_name,
    website,
)
from core.config import load_group

MEETUP_FEED = (FIXTURES / "feeds" / "meetup.ics").read_bytes()


@pytest.mark.parametrize(
    "url",
    [
        "https://www.meetup.com/dc-python/",
        "https://meetup.com/dc-python",
        "https://www.meetup.com/dc-python/events/?type=upcoming",
        "https://www.meetup.com/dc-python/events/ical/",
        "webcal://www.meetup.com/dc-python/events/ical/",
        "WEBCALS://www.meetup.com/dc-python/events/ical/",
    ],
)
def test_any_meetup_url_of_a_group_gives_its_feed_and_page(url):
    assert discover(url) == Source(
        "meetup",
        "https://www.meetup.com/dc-python/events/ical/",
        "https://www.meetup.com/dc-python/",
        "dc-python",
    )


def test_a_luma_calendar_url_gives_the_feed_keyed_by_its_id():
    page = "https://lu.ma/calendar/cal-tPiE7SLIv4FQ48E"
    feed = "https://api.lu.ma/ics/get?entity=calendar&id=cal-tPiE7SLIv4FQ48E"
    assert discover(page) == Source("luma", feed, page)
    given = "https://api2.luma.com/ics/get?entity=calendar&id=cal-How3txFxfqa1UFY"
    assert discover(given) == Source("luma", given, "https://lu.ma/calendar/cal-How3txFxfqa1UFY")


def test_a_luma_page_name_does_not_tell_its_feed_and_the_error_says_what_to_do():
    with pytest.raises(NoFeed) as caught:
        discover("https://lu.ma/antinetworkers")
    assert caught.value.url == "https://lu.ma/antinetworkers"
    assert "copy its iCal link" in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://calendar.google.com/calendar/embed?src=dccode%40group.calendar.google.com&ctz=America/New_York",
        "https://calendar.google.com/calendar/u/0?cid=ZGNjb2RlQGdyb3VwLmNhbGVuZGFyLmdvb2dsZS5jb20",
    ],
)
def test_a_google_calendar_link_gives_its_public_feed(url):
    source = discover(url)
    assert source.feed == (
        "https://calendar.google.com/calendar/ical/"
        "dccode%40group.calendar.google.com/public/basic.ics"
    )
    assert source.page == (
        "https://calendar.google.com/calendar/embed?src=dccode%40group.calendar.google.com"
    )


def test_any_other_url_is_the_feed_itself_webcal_included():
    assert discover("https://www.nvtc.org/events/?ical=1") == Source(
        "ical", "https://www.nvtc.org/events/?ical=1"
    )
    assert discover(" webcal://example.org/cal.ics ").feed == "webcal://example.org/cal.ics"


@pytest.mark.parametrize("url", ["ftp://example.org/cal.ics", "_groups/feed.ics", ""])
def test_what_is_no_web_url_is_refused(url):
    with pytest.raises(NoFeed, match="not an http"):
        discover(url)


def test_calendar_properties_are_read_unfolded_and_unescaped_from_the_head_only():
    body = (
        b"BEGIN:VCALENDAR\r\nX-WR-CALNAME;VALUE=TEXT:Hacks\\, Hackers\r\n  DC\r\n"
        b"BEGIN:VEVENT\r\nX-ORIGINAL-URL:https://example.org/\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert calendar_property(body, "X-WR-CALNAME") == "Hacks, Hackers DC"
    assert calendar_property(body, "X-ORIGINAL-URL") is None


def test_the_name_is_the_feeds_else_the_urls():
    meetup = discover("https://www.meetup.com/dc-python/")
    assert group_name(MEETUP_FEED, meetup) == "DC Python"  # not Meetup's "Events - DC Python"
    assert group_name(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", meetup) == "dc python"
    plain = discover("https://www.example.org/cal.ics")
    assert group_name(b"BEGIN:VCALENDAR\r\n", plain) == "example.org"


def test_the_id_is_meetups_urlname_else_the_names_slug():
    assert group_id("Code for DC", discover("https://www.meetup.com/Code-for-DC/")) == "code-for-dc"
    plain = discover("https://example.org/cal.ics")
    assert group_id("Café Tech: DC!", plain) == "cafe-tech-dc"
    long = group_id("Armed Forces Communications & Electronics Association DC", plain)
    assert long == "armed-forces-communications-electronics-associatio"
    assert group_id("!!!", plain) == "example-org"


def test_the_website_is_the_page_else_the_feeds_original_url_else_its_site():
    plain = discover("http://127.0.0.1:8000/dc-python.ics")
    assert website(MEETUP_FEED, plain) == "https://www.meetup.com/dc-python/"
    body = b"BEGIN:VCALENDAR\r\nX-ORIGINAL-URL:https://example.org/calendar\r\n"
    assert website(body, plain) == "https://example.org/calendar"
    assert website(b"BEGIN:VCALENDAR\r\n", plain) == "http://127.0.0.1:8000/"


@pytest.fixture
def checkout(tmp_path):
    """A checkout with one group and two topics."""
    (tmp_path / "_groups").mkdir()
    (tmp_path / "_groups" / "pydc.yaml").write_text(
        "name: Python DC\nwebsite: https://www.meetup.com/pydc/\n"
    )
    (tmp_path / "_categories").mkdir()
    for slug in ("ai", "data"):
        shutil.copy(REPO / "_categories" / f"{slug}.yaml", tmp_path / "_categories")
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    return tmp_path


def add_group(checkout, *argv):
    config = str(checkout / "config.yaml")
    return dctech.main(["add-group", *argv, "--config", config, "--today", "2026-12-01"])


def test_add_group_fetches_once_reports_and_writes_a_valid_file(checkout, feed_server, capsys):
    url = feed_server.route("/dc-python.ics", body=MEETUP_FEED)
    assert add_group(checkout, url) == 0
    out = capsys.readouterr().out
    assert f"feed: {url} (ical)" in out and "name: DC Python" in out
    assert "3 events in the next 90 days" in out
    assert "  2026-12-03 18:30  Python Project Night  (DC)" in out
    assert "  2026-12-16 12:00  Lunch & Learn: Type Hints in Practice  (virtual)" in out
    assert "states: DC 1, VA 1, virtual 1" in out
    assert "skipped: 1 outside the window" in out
    assert "run `dctech check`" in out and "open a pull request" in out
    assert feed_server.hits("/dc-python.ics") == 1
    path = checkout / "_groups" / "dc-python.yaml"
    assert yaml.safe_load(path.read_text()) == {
        "name": "DC Python",
        "website": "https://www.meetup.com/dc-python/",
        "ical": url,
        "categories": [],
    }
    assert load_group(path).ical == url
    assert dctech.main(["check", "--config", str(checkout / "config.yaml")]) == 0


def test_name_id_and_categories_options_are_written(checkout, feed_server, capsys):
    url = feed_server.route("/feed.ics", body=MEETUP_FEED)
    argv = ("--name", "Python: the DC group", "--id", "pydata_dc", "--categories", "data, ai")
    assert add_group(checkout, url, *argv) == 0
    written = yaml.safe_load((checkout / "_groups" / "pydata_dc.yaml").read_text())
    assert written["name"] == "Python: the DC group"
    assert written["categories"] == ["data", "ai"]


def test_an_unknown_category_is_reported_and_nothing_is_written(checkout, feed_server, capsys):
    url = feed_server.route("/feed.ics", body=MEETUP_FEED)
    assert add_group(checkout, url, "--categories", "dta") == 1
    captured = capsys.readouterr()
    assert "unknown topic 'dta'; did you mean 'data'?" in captured.err
    assert "nothing written" in captured.out
    assert sorted(p.name for p in (checkout / "_groups").iterdir()) == ["pydc.yaml"]


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        ({"status": 404}, "HTTP 404"),
        ({"body": b"<html>Sign in</html>", "content_type": "text/html"}, "not a calendar"),
        ({"body": b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2026"}, "malformed or truncated"),
    ],
)
def test_a_feed_that_fails_is_one_line_exit_1_and_nothing_written(
    checkout, feed_server, capsys, route, reason
):
    url = feed_server.route("/feed.ics", **route)
    assert add_group(checkout, url) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot read {url}: {reason}") and err.count("\n") == 1
    assert sorted(p.name for p in (checkout / "_groups").iterdir()) == ["pydc.yaml"]


def test_a_luma_page_without_its_id_is_exit_1_with_what_to_do(checkout, capsys):
    assert add_group(checkout, "https://lu.ma/antinetworkers") == 1
    assert "copy its iCal link" in capsys.readouterr().err


def test_an_existing_or_invalid_id_is_refused(checkout, feed_server, capsys):
    url = feed_server.route("/feed.ics", body=MEETUP_FEED)
    assert add_group(checkout, url, "--id", "pydc") == 2
    assert "pydc.yaml already exists: pass --id" in capsys.readouterr().err
    assert add_group(checkout, url, "--id", "Py DC") == 2
    assert "--id 'Py DC'" in capsys.readouterr().err
    assert feed_server.hits("/feed.ics") == 1  # the bad id was refused before any fetch


GOOGLE_ICAL = (
    "calendar.google.com/calendar/ical/dccode%40group.calendar.google.com/public/basic.ics"
)
PLAIN_FEED = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Civic Tech Night\r\nEND:VCALENDAR\r\n"


@pytest.mark.parametrize("scheme", ["https", "webcal", "WEBCALS"])
def test_googles_feed_link_webcal_or_not_is_google(scheme):
    assert discover(f"{scheme}://{GOOGLE_ICAL}") == Source(
        "google",
        f"https://{GOOGLE_ICAL}",
        "https://calendar.google.com/calendar/embed?src=dccode%40group.calendar.google.com",
    )
    private = f"{scheme}://calendar.google.com/calendar/ical/x%40gmail.com/private-abc/basic.ics"
    assert discover(private) == Source("ical", private)  # its page would not show it


def test_every_url_derived_from_a_webcal_link_is_https():
    plain = discover("webcal://events.example.org/cal.ics")
    assert plain.feed == "webcal://events.example.org/cal.ics"  # the fetcher takes it as it is
    assert website(b"BEGIN:VCALENDAR\r\n", plain) == "https://events.example.org/"
    body = b"BEGIN:VCALENDAR\r\nX-ORIGINAL-URL:webcals://example.org/calendar\r\n"
    assert website(body, plain) == "https://example.org/calendar"
    same = b"BEGIN:VCALENDAR\r\nX-ORIGINAL-URL:https://events.example.org/cal.ics\r\n"
    assert website(same, plain) == "https://events.example.org/"  # the feed itself: its site


def test_feeds_are_one_feed_whatever_their_scheme_host_case_and_trailing_slash():
    one = {
        feed_key(u)
        for u in (
            "webcal://Example.ORG/cal.ics",
            "https://example.org/cal.ics/",
            "http://example.org/cal.ics",
            "WEBCALS://example.org/cal.ics",
        )
    }
    assert one == {"https://example.org/cal.ics"}
    assert feed_key("https://example.org/Cal.ics") != feed_key("https://example.org/cal.ics")
    assert feed_key("https://example.org:8443/a?x=1") == "https://example.org:8443/a?x=1"
    assert feed_key("_groups/feed.ics") == "_groups/feed.ics"


def test_add_group_takes_a_webcal_link_and_writes_https_pages(checkout, feed_server, capsys):
    url = feed_server.route("/civic.ics", body=PLAIN_FEED)
    link = url.replace("http://", "webcal://")
    assert add_group(checkout, link) == 0
    out = capsys.readouterr().out
    assert (
        f"feed: {link} (ical)" in out and f"website: https://127.0.0.1:{feed_server.port}/" in out
    )
    written = yaml.safe_load((checkout / "_groups" / "civic-tech-night.yaml").read_text())
    assert written == {
        "name": "Civic Tech Night",
        "website": f"https://127.0.0.1:{feed_server.port}/",
        "ical": link,
        "categories": [],
    }
    assert dctech.main(["check", "--config", str(checkout / "config.yaml")]) == 0


def test_a_feed_an_existing_group_follows_is_refused_unless_forced(checkout, feed_server, capsys):
    feed_server.route("/civic.ics", body=PLAIN_FEED)
    (checkout / "_groups" / "civic.yaml").write_text(
        "name: Civic\nwebsite: https://example.org/\n"
        f"ical: https://LocalHost:{feed_server.port}/civic.ics/\n"
    )
    link = feed_server.url("/civic.ics", host="localhost").replace("http://", "webcal://")
    assert add_group(checkout, link) == 2
    err = capsys.readouterr().err
    assert f"civic.yaml already follow(s) the feed {link}" in err and "--force" in err
    assert feed_server.hits("/civic.ics") == 0  # refused before any fetch
    assert sorted(p.name for p in (checkout / "_groups").iterdir()) == ["civic.yaml", "pydc.yaml"]

    assert add_group(checkout, link, "--force") == 0
    captured = capsys.readouterr()
    assert "warning:" in captured.err and "--force: adding another" in captured.err
    assert (checkout / "_groups" / "civic-tech-night.yaml").is_file()


def test_a_meetup_page_whose_feed_is_followed_is_refused_offline(checkout, capsys):
    (checkout / "_groups" / "dcpy.yaml").write_text(
        "name: DC Python\nwebsite: https://www.meetup.com/dc-python/\n"
        "ical: https://www.meetup.com/dc-python/events/ical/\n"
    )
    assert add_group(checkout, "https://meetup.com/dc-python/events/?type=upcoming") == 2
    assert "dcpy.yaml already follow(s) the feed" in capsys.readouterr().err
