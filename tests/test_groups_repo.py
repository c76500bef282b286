"""The repo's own configuration is valid: a broken group file fails CI, not the nightly run."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from core.config import load_groups, load_site_config, validate_all
from core.models import SiteConfig

REPO = Path(__file__).parent.parent


def test_checkout_has_no_config_problems():
    assert [str(problem) for problem in validate_all(REPO)] == []


def test_site_config():
    site = load_site_config(REPO / "config.yaml")
    assert site.tagline
    assert site == SiteConfig(
        site_name="DC Tech Events",
        tagline=site.tagline,
        base_url="https://dctech.events",
        timezone="America/New_York",
        only_states=("DC", "MD", "VA"),
    )


def test_starter_groups():
    groups = load_groups(REPO / "_groups")
    active = [group for group in groups if group.active]
    assert len(active) >= 15
    assert len({group.group_id for group in groups}) == len(groups)
    assert all(group.ical for group in active), "an active group needs a feed"
    hosts = {urlsplit(group.ical or "").hostname for group in groups}
    assert {"www.meetup.com", "api.lu.ma", "api2.luma.com", "mobilizon.us"} <= hosts
