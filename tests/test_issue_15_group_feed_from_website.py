"""Issue 15 item 2: a group suggested by its page alone (the "Calendar feed" field is optional)
is read once through that page, and the feed it leads to is the file's `ical`: the reviewer
merges a group the collector follows, not one whose events the pull request shows but no
collect would ever read. A page that leads to no feed leaves the file without one."""

from __future__ import annotations

import yaml
from fake_github import FakeGitHub, pull_files
from write_path import Browser, configured

MEETUP_FEED = "https://www.meetup.com/rust-dc/events/ical/"


def probe(request: dict) -> dict:
    """collector.lambda_handler.probe's answer: Meetup pages lead to their feed, others fail."""
    if request["url"].startswith("https://www.meetup.com/rust-dc/"):
        return {"feed": MEETUP_FEED, "lines": ["2 events in the next 90 days"], "events": []}
    return {"feed": request["url"], "error": "not readable: not an iCal calendar"}


def submitted(tmp_path, website: str) -> tuple[str, dict]:
    fake = FakeGitHub()
    with configured(tmp_path, fake, probe=probe):
        browser = Browser(fake)
        browser.sign_in()
        form = {
            "kind": "group",
            "csrf_token": browser.csrf("/submit-group/"),
            "name": "Rust DC",
            "website": website,
            "categories": ["programming-languages"],
        }
        assert browser.post_form("/api/submissions", form).status_code == 201
    (pull,) = fake.pulls
    text = pull_files(fake, pull)["_groups/rust-dc.yaml"]
    return text, pull


def test_a_groups_page_gives_the_file_its_feed(tmp_path):
    text, pull = submitted(tmp_path, "https://www.meetup.com/rust-dc/")
    data = yaml.safe_load(text)
    assert data["ical"] == MEETUP_FEED
    assert list(data)[:4] == ["name", "website", "ical", "categories"], "the README's order"
    assert text in pull["body"] and "2 events in the next 90 days" in pull["body"]


def test_a_page_without_a_feed_leaves_the_file_without_one(tmp_path):
    text, pull = submitted(tmp_path, "https://rust-dc.example/")
    assert "ical" not in yaml.safe_load(text)
    assert "not an iCal calendar" in pull["body"]
