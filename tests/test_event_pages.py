"""The event pages as a visitor, a crawler and a link preview see them: one page per upcoming
event with its facts, the whole description, calendar links and the organiser's page as the call
to action; its schema.org Event JSON-LD checked against the shape we publish (jsonschema); the
microformats2 h-event markup of event pages and listing cards, read as an mf2 parser reads it;
the sitemap's <lastmod>; OpenGraph/Twitter tags, the share card and the favicon on every page.
HTML is parsed with BeautifulSoup."""

from __future__ import annotations

import json
import re
import struct
from collections import defaultdict
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from bs4 import BeautifulSoup, Tag
from fixtures.events import (
    CATEGORIES,
    GROUPS,
    NOT_LISTED,
    SITE,
    TODAY,
    build_fixture_site,
    listed_events,
    load_events,
)

from core.models import Event, SiteConfig
from generator.event_pages import event_page, shared
from generator.media import cache_control, content_type
from generator.render import Renderer
from generator.text import EXCERPT
from generator.topics import topic_links
from generator.views import EventView, make_view

EVENTS = load_events()
FIXTURES = Path(__file__).parent / "fixtures"
CARD = "https://dctech.events/static/card.0123456789ab.png"
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
W3C_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
SCHEMA = "https://schema.org/"
# The schema.org Event we publish, as a JSON Schema (our promises: url is this page, sameAs and
# offers.url the organiser's).
EVENT_SHAPE = json.loads((FIXTURES / "jsonld" / "event.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_fixture_site(out)
    return out


def soup(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "html.parser")


def page_of(site: Path, name: str) -> BeautifulSoup:
    return soup(site, f"events/{EVENTS[name].event_id}/index.html")


def facts(page: BeautifulSoup) -> dict[str, str]:
    """The event's facts list, term to text."""
    terms = page.select(".event-facts dt")
    return {dt.get_text(): dt.find_next_sibling("dd").get_text(" ", strip=True) for dt in terms}


def jsonld(page: BeautifulSoup) -> dict:
    (script,) = page.find_all("script")
    assert script["type"] == "application/ld+json"
    return json.loads(script.string)


def view(event: Event) -> EventView:
    topics, tz = topic_links(CATEGORIES, ""), ZoneInfo(SITE.timezone)
    return make_view(event, site=SITE, tz=tz, root="", today=TODAY, topics=topics, image=CARD)


def rendered(event: Event, *, ended: bool = False) -> BeautifulSoup:
    page = event_page(view(event), shared(SITE, GROUPS), ended=ended)
    return BeautifulSoup(Renderer(SITE, today=TODAY).render(page), "html.parser")


# --- microformats2, read as a parser reads the properties we use -----------------------------


def _value(prefix: str, tag: Tag) -> str:
    if prefix == "e":
        return tag.decode_contents().strip()
    if prefix == "u" and tag.name == "a":
        return tag["href"]
    if prefix == "dt" and tag.name == "time":
        return tag["datetime"]
    if tag.name == "data":
        return tag["value"]
    return " ".join(tag.get_text().split())


def mf2(root: Tag) -> dict[str, list[str]]:
    """The mf2 properties of an h-* element (its nested h-* roots are not descended into)."""
    found: dict[str, list[str]] = defaultdict(list)

    def walk(node: Tag) -> None:
        for child in node.find_all(True, recursive=False):
            classes = child.get("class", [])
            for cls in classes:
                prefix, _, name = cls.partition("-")
                if prefix in ("p", "u", "dt", "e") and name:
                    found[cls].append(_value(prefix, child))
            if not any(c.startswith("h-") for c in classes):
                walk(child)

    walk(root)
    return dict(found)


# --- the pages -------------------------------------------------------------------------------


def test_every_upcoming_event_has_a_page_and_the_sitemap_dates_it(site):
    for event in listed_events().values():
        assert (site / f"events/{event.event_id}/index.html").is_file(), event.title
    for name in NOT_LISTED:
        assert not (site / f"events/{EVENTS[name].event_id}").exists()
    urls = ElementTree.parse(site / "sitemap.xml").getroot().iter(f"{NS}url")
    lastmod = {u.findtext(f"{NS}loc"): u.findtext(f"{NS}lastmod") for u in urls}
    for event in listed_events().values():
        stamp = lastmod.pop(f"https://dctech.events/events/{event.event_id}/")
        assert stamp == event.updated_at and W3C_DATETIME.fullmatch(stamp)
    assert "https://dctech.events/" in lastmod
    assert set(lastmod.values()) == {None}  # listings change daily: no date claimed


def test_an_ordinary_event_page_shows_the_event_and_its_call_to_action(site):
    event = EVENTS["pydc-december"]
    page = page_of(site, "pydc-december")
    assert page.title.get_text() == "Python Night: Typing in Practice · DC Tech Events"
    assert page.h1.get_text() == "Python Night: Typing in Practice"
    assert facts(page) == {
        "When": "Tuesday, December 1, 2026, 6:30 pm – 8:30 pm Eastern Time (America/New_York)",
        "Where": "1776 I St NW, Washington, DC Map (OpenStreetMap)",
        "Cost": "Free",
        "Organised by": "Python Users Group DC",
        "Topics": "Programming Languages",
    }
    assert page.select_one(".event-facts a[href^='/groups/']")["href"] == "/groups/pydc/"
    assert page.select_one(".event-facts .topics a")["href"] == "/topics/programming-languages/"
    osm = urlsplit(page.find("a", string="Map (OpenStreetMap)")["href"])
    assert (osm.netloc, osm.path) == ("www.openstreetmap.org", "/search")
    assert parse_qs(osm.query)["query"] == [event.location]
    (action,) = page.select("a.button")
    assert action["href"] == event.url
    assert action.get_text() == "Details and RSVP on events.example.org"
    text = page.select_one(".e-content").get_text()
    assert "Doors open at 6:15." in text and "please." in text
    assert page.find("meta", property="og:type")["content"] == "article"
    assert page.find("link", rel="canonical")["href"] == (
        f"https://dctech.events/events/{event.event_id}/"
    )


def test_add_to_calendar_offers_google_outlook_and_the_ics(site):
    event = EVENTS["pydc-december"]
    links = page_of(site, "pydc-december").select(".calendar-links a")
    google, outlook, ics = (link["href"] for link in links)
    assert parse_qs(urlsplit(google).query)["dates"] == ["20261201T233000Z/20261202T013000Z"]
    assert outlook.startswith("https://outlook.live.com/calendar/0/action/compose?")
    assert "+" not in outlook  # spaces as %20: Outlook shows a "+" literally
    query = {k: v[0] for k, v in parse_qs(urlsplit(outlook).query).items()}
    assert query == {
        "rru": "addevent",
        "subject": event.title,
        "startdt": "2026-12-01T23:30:00Z",
        "enddt": "2026-12-02T01:30:00Z",
        "allday": "false",
        "body": event.url,
        "location": event.location,
    }
    assert ics == f"/events/{event.event_id}.ics"
    devfest = page_of(site, "devfest").select(".calendar-links a")[1]["href"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(devfest).query).items()}
    assert (query["startdt"], query["enddt"], query["allday"]) == (
        "2026-12-02",
        "2026-12-05",
        "true",
    )


def test_a_multi_day_event_names_the_days_it_continues(site):
    devfest = facts(page_of(site, "devfest"))["When"]
    assert devfest == (
        "Wednesday, December 2, 2026 , until Friday, December 4 All day "
        "Continues Thursday, December 3 and Friday, December 4."
    )
    hack = facts(page_of(site, "hack-weekend"))["When"]
    assert hack.startswith("Thursday, December 3, 2026, 9:00 am , until Fri, Dec 4, 5:00 pm")
    assert hack.endswith("Continues Friday, December 4.")
    assert "Continues" not in facts(page_of(site, "late-night"))["When"]  # ends 1 am: one day
    month = replace(EVENTS["devfest"], end_datetime="2027-01-03T00:00:00")
    assert "Continues every day until Saturday, January 2, 2027." in facts(rendered(month))["When"]


def test_a_virtual_event_shows_its_join_link_and_no_map(site):
    page = page_of(site, "virtual-lunch")
    assert facts(page)["Where"] == "Virtual Online Join online (zoom.us)"
    assert page.find("a", string="Join online (zoom.us)")["href"] == "https://zoom.us/j/123456"
    assert page.find("a", string="Map (OpenStreetMap)") is None
    assert jsonld(page)["eventAttendanceMode"] == SCHEMA + "OnlineEventAttendanceMode"
    hostile = replace(EVENTS["virtual-lunch"], location="javascript:alert(1)")
    assert "Join online" not in str(rendered(hostile))  # only http(s) becomes a link


def test_no_map_for_a_place_the_collector_could_not_find(site):
    assert facts(page_of(site, "no-state"))["Where"] == "To be announced"


def test_a_cancelled_event_says_so_and_offers_nothing_to_add(site):
    page = page_of(site, "cancelled-talk")
    assert page.title.get_text().startswith("Cancelled: Intro to Rust")
    assert page.h1.select_one(".badge").get_text() == "Cancelled"
    assert page.select_one(".notice").get_text() == "This event has been cancelled."
    assert page.select(".calendar-links, a.button") == []
    assert page.select_one(".source a")["href"] == EVENTS["cancelled-talk"].url  # still linked
    assert jsonld(page)["eventStatus"] == SCHEMA + "EventCancelled"


def test_an_ended_event_page_says_so_near_the_top_and_keeps_its_facts():
    page = rendered(EVENTS["pydc-december"], ended=True)
    article = page.select_one("article.h-event")
    first = article.find(True, recursive=False, class_=lambda c: c != "u-url")
    assert first.get_text() == "This event has ended."
    assert page.select(".calendar-links, a.button") == []
    assert page.select_one(".source a").get_text() == "The organiser's page on events.example.org"
    assert "Python Users Group DC" in facts(page)["Organised by"]


def test_the_organiser_and_every_copy_are_linked(site):
    page = page_of(site, "devfest")
    assert facts(page)["Also published by"] == (
        "DC DevOps , NoVA Data Science and Python Users Group DC"
    )
    assert [a["href"] for a in page.select(".event-facts dd a[href^='/groups/']")] == [
        "/groups/cloud-dc/", "/groups/dc-devops/", "/groups/nova-data/", "/groups/pydc/",
    ]  # fmt: skip
    copies = [
        {"group_id": "pydc", "group_name": "PyDC", "url": "https://meetup.com/pydc/e/9"},
        {"group_id": "nova-data", "group_name": "NoVA", "url": "javascript:alert(1)"},
        {"group_id": "retired", "group_name": "Retired", "group_website": "https://r.example/"},
        {"group_id": "gone", "group_name": "Gone"},  # no page here, no website: named only
    ]
    page = rendered(replace(EVENTS["devfest"], also_published_by=copies))
    also = page.find("dt", string="Also published by").find_next_sibling("dd")
    assert [(a.get_text(), a["href"]) for a in also.find_all("a")] == [
        ("PyDC", "https://meetup.com/pydc/e/9"),  # the copy's own event
        ("NoVA", "/groups/nova-data/"),  # not http(s): the group's page here
        ("Retired", "https://r.example/"),  # an inactive group has no page: its website
    ]
    assert also.get_text().endswith("and Gone")


def test_a_submitted_event_credits_its_submitter(site):
    page = page_of(site, "submitted-workshop")
    assert facts(page)["Submitted by"] == "Jane Doe"
    assert page.find("a", string="Jane Doe")["href"] == "https://janedoe.example.org"
    assert "Organised by" not in facts(page) and "organizer" not in jsonld(page)


def test_the_page_has_the_whole_description_and_the_listing_an_excerpt():
    words = " ".join(f"word{n}" for n in range(400))
    event = replace(EVENTS["pydc-december"], description=words + " THE-END")
    assert len(event.description) > EXCERPT
    assert "THE-END" not in view(event).description
    assert rendered(event).select_one(".e-content").get_text().strip().endswith("THE-END")
    hostile = replace(
        event, description=words + '<script>alert(1)</script><a href="javascript:x">y</a>'
    )
    content = rendered(hostile).select_one(".e-content")
    assert content.find("script") is None and content.find("a", href=True) is None


def test_a_javascript_event_url_gives_no_call_to_action(site):
    page = page_of(site, "bad-link")
    assert page.select(".source, a.button") == []
    assert "sameAs" not in jsonld(page) and "javascript:" not in str(page)


# --- JSON-LD ----------------------------------------------------------------------------------


def test_every_event_page_has_one_json_ld_event_of_the_published_shape(site):
    validator = jsonschema.Draft202012Validator(EVENT_SHAPE)
    for event in listed_events().values():
        page = soup(site, f"events/{event.event_id}/index.html")
        data = jsonld(page)
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)]
        assert errors == [], event.title
        assert data["name"] == event.title
        assert data["url"] == page.find("link", rel="canonical")["href"]
        assert data["image"] == page.find("meta", property="og:image")["content"]
        if "sameAs" in data:
            assert data["sameAs"] == data["offers"]["url"] == page.select_one(".source a")["href"]
        starts = page.select_one(".event-facts time.dt-start")["datetime"]
        assert data["startDate"] == starts
    pydc = jsonld(page_of(site, "pydc-december"))
    assert (pydc["startDate"], pydc["endDate"]) == (
        "2026-12-01T18:30:00-05:00",
        "2026-12-01T20:30:00-05:00",
    )
    assert pydc["offers"] == {
        "@type": "Offer",
        "url": EVENTS["pydc-december"].url,
        "price": "0",
        "priceCurrency": "USD",
    }
    assert jsonld(page_of(site, "submitted-workshop"))["offers"]["price"] == "10"


def test_the_schema_check_rejects_what_we_must_not_publish():
    """Guard against a shape that accepts anything."""
    validator = jsonschema.Draft202012Validator(EVENT_SHAPE)
    good = json.loads(
        '{"@context":"https://schema.org",' + view(EVENTS["pydc-december"]).jsonld[1:]
    )
    assert validator.is_valid(good)
    for bad in (
        {"startDate": "2026-12-01T18:30:00"},  # no offset
        {"url": "javascript:alert(1)"},
        {"eventStatus": "Scheduled"},
        {"offers": {"@type": "Offer"}},
        {"location": {"@type": "VirtualLocation"}},
    ):
        assert not validator.is_valid(good | bad), bad
    assert not validator.is_valid({k: v for k, v in good.items() if k != "image"})


def test_json_ld_cannot_end_its_script_element(site):
    raw = (site / f"events/{EVENTS['script-title'].event_id}/index.html").read_text()
    assert raw.count("</script>") == 1
    assert jsonld(page_of(site, "script-title"))["name"] == EVENTS["script-title"].title


def test_listing_json_ld_points_to_the_event_pages(site):
    graph = json.loads(soup(site, "index.html").find("script").string)["@graph"]
    pydc = next(e for e in graph if e["name"] == "Python Night: Typing in Practice")
    event = EVENTS["pydc-december"]
    assert pydc["url"] == f"https://dctech.events/events/{event.event_id}/"
    assert pydc["sameAs"] == event.url


def test_a_site_under_a_path_links_its_event_pages_under_it(tmp_path):
    build_fixture_site(tmp_path, site=SiteConfig(base_url="https://example.org/dc"))
    event = EVENTS["pydc-december"]
    page = soup(tmp_path, f"events/{event.event_id}/index.html")
    assert jsonld(page)["url"] == f"https://example.org/dc/events/{event.event_id}/"
    assert page.select_one(".event-facts a[href*='/groups/']")["href"] == "/dc/groups/pydc/"
    card = soup(tmp_path, "index.html").select_one("li.event .actions a.u-url")
    assert card["href"].startswith("/dc/events/")


# --- microformats2 ----------------------------------------------------------------------------


def test_an_event_page_is_an_h_event(site):
    event = EVENTS["pydc-december"]
    (root,) = page_of(site, "pydc-december").select(".h-event")
    props = mf2(root)
    assert props["p-name"] == [event.title]
    assert props["dt-start"] == ["2026-12-01T18:30:00-05:00"]
    assert props["dt-end"] == ["2026-12-01T20:30:00-05:00"]
    assert props["p-location"] == [event.location]
    assert props["u-url"] == [f"https://dctech.events/events/{event.event_id}/", event.url]
    assert props["p-category"] == ["Programming Languages"]
    assert "Doors open at 6:15." in props["e-content"][0]
    devfest = mf2(page_of(site, "devfest").select_one(".h-event"))
    assert (devfest["dt-start"], devfest["dt-end"]) == (["2026-12-02"], ["2026-12-04"])


def test_every_listing_card_is_an_h_event(site):
    page = soup(site, "index.html")
    cards = page.select("li.event")
    assert cards and all("h-event" in card["class"] for card in cards)
    by_id = {e.event_id: e for e in listed_events().values()}
    for card in cards:
        props = mf2(card)
        (url,) = props["u-url"]
        event = by_id[url.split("/")[-2]]
        assert url == f"/events/{event.event_id}/"
        assert props["p-name"] == [event.title]
        assert len(props["dt-start"]) == 1 and props["dt-start"][0][:10] == event.start_date
        if event.location:
            assert props["p-location"]
        assert len(props.get("p-category", [])) == len(
            [c for c in event.categories if c in {t.slug for t in CATEGORIES}]
        )
    python = next(c for c in cards if "Python Night" in c.h3.get_text())
    assert mf2(python)["dt-end"] == ["2026-12-01T20:30:00-05:00"]
    assert "Talks on typing" in mf2(python)["p-summary"][0]
    assert python.select_one("h3 a")["href"] == EVENTS["pydc-december"].url  # title: organiser's
    bootcamp = next(c for c in cards if "Security Bootcamp" in c.h3.get_text())  # continuing
    assert mf2(bootcamp)["dt-start"] == ["2026-11-30"]
    assert bootcamp.select_one(".when").get_text() == "Continuing, until Wednesday, December 2"


def test_the_mf2_reader_reads_each_kind_of_property():
    """Guard against a reader that finds nothing."""
    html = (
        '<div class="h-event"><a class="p-name u-url" href="/x">X</a>'
        '<time class="dt-start" datetime="2026-01-01">Jan 1</time><data class="u-url" value="/y">'
        '</data><div class="e-content"><b>hi</b></div><div class="h-card"><p class="p-name">In'
        "</p></div></div>"
    )
    props = mf2(BeautifulSoup(html, "html.parser").div)
    assert props == {
        "p-name": ["X"],
        "u-url": ["/x", "/y"],
        "dt-start": ["2026-01-01"],
        "e-content": ["<b>hi</b>"],
    }


# --- link previews and icons ------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_every_page_has_a_share_card_and_a_favicon(site):
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    for path in pages:
        if path in ("404.html", "newsletter.html"):  # not shared: noindex, and the email
            continue
        page = soup(site, path)
        image = page.find("meta", property="og:image")["content"]
        assert image.startswith("https://dctech.events/static/card."), path
        assert page.find("meta", attrs={"name": "twitter:image"})["content"] == image
        assert page.find("meta", attrs={"name": "twitter:card"})["content"] == (
            "summary_large_image"
        )
        assert page.find("meta", property="og:title")["content"]
        og_type = page.find("meta", property="og:type")["content"]
        assert og_type == ("article" if path.startswith("events/") else "website"), path
    home = soup(site, "index.html")
    card = site / unquote(urlsplit(home.find("meta", property="og:image")["content"]).path[1:])
    assert png_size(card.read_bytes()) == (1200, 630) and card.stat().st_size < 100_000
    icon = site / home.find("link", rel="icon")["href"][1:]
    assert home.find("link", rel="icon")["type"] == "image/svg+xml"
    assert icon.read_text().startswith("<svg")
    touch = site / home.find("link", rel="apple-touch-icon")["href"][1:]
    assert png_size(touch.read_bytes()) == (180, 180)


def test_assets_are_fingerprinted_served_with_their_type_and_cached_for_good(site):
    names = sorted(re.sub(r"\.[0-9a-f]{12}\.", ".", p.name) for p in (site / "static").iterdir())
    assert names == ["card.png", "icon.png", "icon.svg", "site.css"]
    assert content_type("static/card.0123456789ab.png") == "image/png"
    assert content_type("static/icon.0123456789ab.svg") == "image/svg+xml"
    assert cache_control("static/card.0123456789ab.png") == "public, max-age=31536000, immutable"


def test_the_listing_card_links_its_page_quietly(site):
    card = next(
        li for li in soup(site, "index.html").select("li.event") if "Python" in li.h3.get_text()
    )
    links = card.select(".actions a")
    assert [a.get_text() for a in links] == [
        "Event page",
        "Add to Google Calendar",
        "Download .ics",
    ]
    assert card.select("a.button") == []
    assert date.fromisoformat(card.select_one("time.dt-start")["datetime"][:10]) == TODAY


def test_the_json_ld_is_ascii_and_reads_back_as_the_event():
    """Every event's JSON-LD is held by the listings that show it: ASCII, one byte a character
    (a single "…" would make Python hold the whole text at two)."""
    event = replace(
        EVENTS["pydc-december"], title="Café Rust – 東京 </script>", description="x " * 400
    )
    data = view(event).jsonld
    assert data.isascii() and "</script>" not in data
    parsed = json.loads(data)
    assert parsed["name"] == "Café Rust – 東京 </script>"
    assert parsed["description"].endswith(" …")


def test_events_read_from_a_store_share_what_they_have_alike():
    """Many events of a listing have their group, place, dates and topics alike: one string
    each, not one per event read (the stores pass one table per read)."""
    stored, shared = EVENTS["pydc-december"].to_dict(), {}
    first, second = (Event.from_dict(json.loads(json.dumps(stored)), shared) for _ in range(2))
    assert first == second == EVENTS["pydc-december"]
    for name in ("group_name", "group_website", "state", "created_at", "updated_at"):
        assert getattr(first, name) is getattr(second, name), name
    assert first.categories[0] is second.categories[0]
    assert first.title is not second.title  # what differs from event to event is not kept
