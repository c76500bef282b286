"""The API and the site give the same answers: render the site with the generator from a store,
ask the API the same questions of the same store, and compare the events each lists (the site's
iCalendar feeds carry event_id as UID, in listing order)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
from chalice.test import Client
from store_backends import make_event, moto_backend, sqlite_backend

import api.app as api_app
from core.models import CANCELLED, Group, SiteConfig
from core.runtime import Clock, Runtime
from core.timeutil import to_epoch
from generator.build import build_site
from generator.writers import FolderWriter

TODAY = "2026-12-01"
NOW_TS = to_epoch(f"{TODAY}T12:00:00", "America/New_York")
GROUPS = [
    Group("dc-python", "DC Python", "https://dcpython.org"),
    Group("nova-js", "NoVA JS", "https://novajs.org"),
    Group("bmore-ai", "Baltimore AI", "https://bmore.ai"),
]
CROSS_POST = [{"group_id": "dc-python", "group_name": "DC Python", "url": "https://dcpython.org"}]
EVENTS = [
    make_event("ended", "2026-11-30T18:00:00"),
    make_event("expired", "2026-12-04T18:00:00", ttl=NOW_TS - 60),
    make_event("summit", "2026-11-30T09:00:00", end_datetime="2026-12-02T17:00:00", state="VA"),
    make_event("py-1", "2026-12-01T18:30:00"),
    make_event("tie-2", "2026-12-01T18:30:00", group_id="nova-js", state="VA"),
    make_event("zoom", "2026-12-02T12:00:00", state=None, location_type="virtual"),
    make_event(
        "js-cross",
        "2026-12-03T19:00:00",
        group_id="nova-js",
        state="VA",
        also_published_by=CROSS_POST,
    ),
    make_event("md-1", "2026-12-05T10:00:00", group_id="bmore-ai", state="MD"),
    make_event("gone", "2026-12-06T18:00:00", status=CANCELLED),
    make_event(
        "allday",
        "2026-12-08T00:00:00",
        end_datetime="2026-12-09T00:00:00",
        all_day=True,
        group_id="bmore-ai",
        state="MD",
    ),
    make_event("no-state", "2026-12-09T18:00:00", state=None),
    make_event(
        "web", "2026-12-10T12:00:00", state=None, location_type="virtual", group_id="nova-js"
    ),
    *(make_event(f"later-{n:02d}", f"2027-01-{n + 1:02d}T18:00:00") for n in range(12)),
]


@pytest.fixture(params=["sqlite", "moto"])
def site_and_api(request, tmp_path, monkeypatch):
    opened = sqlite_backend(tmp_path) if request.param == "sqlite" else moto_backend(None)
    with opened as backend:
        backend.store.put_events(EVENTS)
        build_site(
            backend.store,
            FolderWriter(tmp_path / "site"),
            site=SiteConfig(),
            groups=GROUPS,
            today=date.fromisoformat(TODAY),
            now_ts=NOW_TS,
        )
        pinned = Clock(date.fromisoformat(TODAY))
        monkeypatch.setattr(api_app, "_runtime", Runtime(opened=backend.store, clock=pinned))
        yield tmp_path / "site", Client(api_app.app)


def site_ids(site: Path, feed: str) -> list[str]:
    return re.findall(r"^UID:(.+?)\r?$", (site / feed).read_text(encoding="utf-8"), re.M)


def api_ids(client: Client, query: dict[str, str]) -> list[str]:
    listed, cursor = [], None
    while True:
        page_query = {**query, "limit": "5", **({"cursor": cursor} if cursor else {})}
        response = client.http.get(f"/api/events?{urlencode(page_query)}")
        assert response.status_code == 200, response.body
        page = json.loads(response.body)
        listed += [e["event_id"] for e in page["events"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return listed


@pytest.mark.parametrize(
    ("feed", "query"),
    [
        ("events.ics", {}),
        ("virtual/events.ics", {"location_type": "virtual"}),
        ("locations/DC/events.ics", {"state": "DC", "location_type": "in_person"}),
        ("locations/MD/events.ics", {"state": "MD", "location_type": "in_person"}),
        ("locations/VA/events.ics", {"state": "VA", "location_type": "in_person"}),
        ("groups/nova-js/events.ics", {"group_id": "nova-js"}),
        ("groups/bmore-ai/events.ics", {"group_id": "bmore-ai"}),
    ],
)
def test_api_lists_what_the_site_lists(site_and_api, feed, query):
    site, client = site_and_api
    listed = site_ids(site, feed)
    assert listed, f"{feed} lists nothing: the comparison would prove nothing"
    assert api_ids(client, query) == listed


def test_group_filter_is_the_organiser_while_the_group_page_adds_cross_posts(site_and_api):
    """?group_id= follows the GroupIndex (the organising group); the site's group feed also
    shows events other groups organised and this one cross-posted (also_published_by)."""
    site, client = site_and_api
    on_site = site_ids(site, "groups/dc-python/events.ics")
    from_api = api_ids(client, {"group_id": "dc-python"})
    assert [i for i in on_site if i != "js-cross"] == from_api
    assert "js-cross" in on_site
    by_id = {e.event_id: e for e in EVENTS}
    assert by_id["js-cross"].also_published_by == CROSS_POST
