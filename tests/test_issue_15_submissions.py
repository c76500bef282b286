"""Issue 15: POST /api/submissions. A signed-in user's form becomes a pull request whose file
is validated by `dctech check`'s own loaders; refusals (no CSRF token, too large, too many, the
honeypot, signed out) are clear 4xx answers and open nothing."""

from __future__ import annotations

import json

import boto3
import jsonschema
import pytest
import yaml
from bs4 import BeautifulSoup
from fake_github import FakeGitHub, pull_files
from moto import mock_aws
from store_backends import make_event
from write_path import REPO, Browser, configured, event_form

import api.write
from api.local import handle
from core.config import load_single_event
from core.errors import ConfigError


@pytest.fixture
def fake():
    return FakeGitHub()


def feed_report(request: dict) -> dict:
    """What collector.lambda_handler.probe answers for a readable Meetup group."""
    return {
        "feed": "https://www.meetup.com/rust-dc/events/ical/",
        "lines": ["2 events in the next 90 days", "  2026-12-03 18:30  Rust Night  (DC)"],
        "events": [["2026-12-03", "Rust Night"], ["2026-12-17", "Rust Night II"]],
    }


@pytest.fixture
def runtime(tmp_path, fake):
    with configured(tmp_path, fake, probe=feed_report) as runtime:
        yield runtime


@pytest.fixture
def browser(runtime, fake):
    browser = Browser(fake)
    browser.sign_in()
    return browser


def test_an_event_becomes_a_pull_request_with_its_file(browser, fake):
    answer = browser.post_form("/api/submissions", event_form(browser.csrf()))
    assert answer.status_code == 201
    (pull,) = fake.pulls
    assert pull["title"] == "Add event: Intro to Rust for Pythonistas"
    assert pull["head"].startswith("ada:submit/event-"), "ada cannot push: from her fork"
    assert pull["base"] == "main" and "ada/events" in fake.forks
    path = "_single_events/2026-12-03-intro-to-rust-for-pythonistas.yaml"
    files = pull_files(fake, pull)
    assert list(files) == [path]
    assert yaml.safe_load(files[path]) == {
        "title": "Intro to Rust for Pythonistas",
        "date": "2026-12-03",
        "time": "18:30",
        "end_time": "20:30",
        "url": "https://example.org/rust-night",
        "location": "1776 K St NW, Washington, DC",
        "cost": "Free",
        "categories": ["software-development"],
        "submitted_by": "ada",
        "submitter_link": f"{fake.url}/ada",
    }
    assert f"```yaml\n{files[path]}```" in pull["body"] and "`ada`" in pull["body"]
    page = BeautifulSoup(answer.body, "html.parser")
    assert page.find("a", string="See your pull request on GitHub")["href"] == pull["html_url"]


def test_the_submitted_file_passes_dctech_check(browser, fake, tmp_path):
    browser.post_form("/api/submissions", event_form(browser.csrf()))
    ((path, text),) = pull_files(fake, fake.pulls[0]).items()
    written = tmp_path / path.split("/")[1]
    written.write_text(text)
    assert load_single_event(written).title == "Intro to Rust for Pythonistas"


def test_a_user_who_can_push_gets_a_branch_on_the_repository(runtime, fake):
    fake.can_push = True
    browser = Browser(fake)
    browser.sign_in()
    browser.post_form("/api/submissions", event_form(browser.csrf()))
    assert fake.pulls[0]["head"].startswith("submit/event-") and not fake.forks


def test_problems_are_dctech_checks_messages_next_to_their_fields(browser, fake, tmp_path):
    form = event_form(browser.csrf(), time="25:99", url="ftp://example.org", categories=["robots"])
    answer = browser.post_form("/api/submissions", form)
    assert answer.status_code == 400 and fake.pulls == []
    page = BeautifulSoup(answer.body, "html.parser")
    same = tmp_path / "same.yaml"
    same.write_text("title: x\ndate: '2026-12-03'\ntime: '25:99'\nurl: ftp://example.org\n")
    with pytest.raises(ConfigError) as raised:
        load_single_event(same, topics={"ai"})
    expected = {e.field: e.message for e in raised.value.problems()}
    for name in ("time", "url"):
        field = page.find("input", id=name)
        assert field["aria-invalid"] == "true"
        assert field["value"] == form[name], "the value is kept"
        error = page.find(id=f"{name}-error")
        assert expected[name] in error.get_text(), "the message `dctech check` prints"
        assert f"{name}-error" in field["aria-describedby"]
    assert "unknown topic 'robots'" in page.find(id="categories-error").get_text()
    assert page.find("input", id="title")["value"] == "Intro to Rust for Pythonistas"


def test_a_missing_csrf_token_is_refused(browser, fake):
    form = event_form("")
    del form["csrf_token"]
    answer = browser.post_form("/api/submissions", form)
    assert answer.status_code == 403 and fake.pulls == []
    assert "reload the page" in answer.body.decode()
    assert browser.post_form("/api/submissions", event_form("forged")).status_code == 403


def test_an_oversized_body_is_refused_unread(browser, fake):
    answer = browser.post_form(
        "/api/submissions", event_form(browser.csrf(), location="x" * 20_000)
    )
    assert answer.status_code == 413 and fake.pulls == []


def test_the_honeypot_rejects_a_bot(browser, fake):
    answer = browser.post_form(
        "/api/submissions", event_form(browser.csrf(), website_url="http://spam.example")
    )
    assert answer.status_code == 400 and fake.pulls == []


def test_signed_out_submissions_are_refused(runtime, fake):
    answer = Browser(fake).post_form("/api/submissions", event_form("x"))
    assert answer.status_code == 401 and "sign in" in answer.body.decode().lower()


def test_refusals_are_json_for_a_client_that_asks(browser, fake):
    answer = browser.post_form("/api/submissions", event_form("x"), accept="application/json")
    assert answer.status_code == 403
    error = json.loads(answer.body)
    assert error["error"]["code"] == "bad_token"
    document = yaml.safe_load((REPO / "api" / "openapi.yaml").read_text())
    jsonschema.validate(error, document["components"]["schemas"]["Error"])
    answer = browser.request(
        "POST", "/api/submissions", b"{}", {"content-type": "application/json"}
    )
    assert answer.status_code == 415


def test_per_user_rate_limit(browser, fake, monkeypatch):
    monkeypatch.setattr(api.write, "SUBMISSIONS_PER_USER_PER_DAY", 2)
    token = browser.csrf()
    statuses = [
        browser.post_form("/api/submissions", event_form(token, title=f"Talk {n}")).status_code
        for n in range(3)
    ]
    assert statuses == [201, 201, 429] and len(fake.pulls) == 2
    refused = browser.seen[-1]
    assert 0 < int(refused.headers["Retry-After"]) <= 86400
    assert "at most 2 per day" in refused.body.decode()


def test_forms_sent_back_with_mistakes_spend_no_quota(browser, fake, monkeypatch):
    """Only a submission that passes validation counts against the user's and the address's
    quota: a form with a mistake is fixed and sent again, as often as it takes."""
    monkeypatch.setattr(api.write, "SUBMISSIONS_PER_USER_PER_DAY", 2)
    monkeypatch.setattr(api.write, "SUBMISSIONS_PER_IP_PER_HOUR", 2)
    token = browser.csrf()
    wrong = [event_form(token, time="25:99"), event_form(token, url="ftp://example.org")]
    right = [event_form(token, title=f"Talk {n}") for n in range(3)]
    statuses = [browser.post_form("/api/submissions", f).status_code for f in wrong + right]
    assert statuses == [400, 400, 201, 201, 429] and len(fake.pulls) == 2


def test_attempts_have_their_own_higher_bound(browser, fake, monkeypatch):
    """Validation is work: every POST from an address counts against a bound of its own."""
    monkeypatch.setattr(api.write, "SUBMISSION_ATTEMPTS_PER_IP_PER_HOUR", 3)
    token = browser.csrf()
    statuses = [
        browser.post_form("/api/submissions", event_form(token, time="25:99")).status_code
        for _ in range(3)
    ]
    last = browser.post_form("/api/submissions", event_form(token))
    assert statuses == [400, 400, 400] and last.status_code == 429 and fake.pulls == []
    assert "too many attempts from your address: at most 3 per hour" in last.body.decode()
    assert 0 < int(last.headers["Retry-After"]) <= 3600


ORIGIN_SECRET = "origin-secret-" + "x" * 34


def viewer(address: str, proof: str | None = ORIGIN_SECRET) -> dict[str, str]:
    """The headers CloudFront adds: the visitor's address and, to the API origin, the proof."""
    headers = {"cloudfront-viewer-address": address}
    return headers | ({"x-origin-verify": proof} if proof is not None else {})


@pytest.fixture
def behind_cloudfront(tmp_path, fake):
    """The app as deployed: the origin secret in Secrets Manager, its ARN in the settings."""
    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(
            Name="origin-verify", SecretString=ORIGIN_SECRET
        )["ARN"]
        with configured(tmp_path, fake, probe=feed_report, origin_secret_arn=arn):
            browser = Browser(fake)
            browser.sign_in()
            yield browser


def test_per_address_rate_limit(behind_cloudfront, monkeypatch):
    monkeypatch.setattr(api.write, "SUBMISSIONS_PER_IP_PER_HOUR", 1)
    browser = behind_cloudfront
    token = browser.csrf()
    statuses = [
        browser.post_form("/api/submissions", event_form(token, title=title), **headers).status_code
        for title, headers in (
            ("First", viewer("198.51.100.7:4431")),
            ("Again", viewer("198.51.100.7:5000")),  # the same visitor, another port
            ("Other", viewer("203.0.113.9:80")),
            ("IPv6", viewer("[2001:db8::1]:443")),
        )
    ]
    assert statuses == [201, 429, 201, 201]


def test_a_viewer_address_without_the_origin_secret_is_not_believed(behind_cloudfront, monkeypatch):
    """Anyone can call API Gateway directly with a header of their choice: without the secret
    CloudFront adds, the address counted is the connection's, so rotating it gains nothing."""
    monkeypatch.setattr(api.write, "SUBMISSIONS_PER_IP_PER_HOUR", 1)
    browser = behind_cloudfront
    token = browser.csrf()
    statuses = [
        browser.post_form("/api/submissions", event_form(token, title=title), **headers).status_code
        for title, headers in (
            ("No proof", viewer("198.51.100.1:1", proof=None)),
            ("Wrong proof", viewer("198.51.100.2:1", proof="guess")),
            ("Near miss", viewer("198.51.100.3:1", proof=ORIGIN_SECRET[:-1])),
        )
    ]
    assert statuses == [201, 429, 429]


def test_without_an_origin_secret_the_connections_address_counts(browser, monkeypatch):
    """A local run has no CloudFront in front: a viewer-address header changes nothing."""
    monkeypatch.setattr(api.write, "SUBMISSIONS_PER_IP_PER_HOUR", 1)
    token = browser.csrf()
    statuses = [
        browser.post_form(
            "/api/submissions", event_form(token, title=f"Talk {n}"), **viewer(f"192.0.2.{n}:1")
        ).status_code
        for n in range(3)
    ]
    assert statuses == [201, 429, 429]


def test_dctech_serve_counts_the_sockets_address(runtime, monkeypatch):
    """`dctech serve` hands the API its visitor's address (api/local.py), as API Gateway does."""
    monkeypatch.setattr(api.write, "SIGN_INS_PER_IP_PER_HOUR", 1)
    statuses = [
        handle("/auth/login", {}, client=address)[0]
        for address in ("192.0.2.1", "192.0.2.1", "192.0.2.2")
    ]
    assert statuses == [302, 429, 302]


def test_a_file_already_in_the_repository_is_a_field_error(browser, fake):
    fake.existing.add("_single_events/2026-12-03-intro-to-rust-for-pythonistas.yaml")
    answer = browser.post_form("/api/submissions", event_form(browser.csrf()))
    assert answer.status_code == 400 and fake.pulls == []
    error = BeautifulSoup(answer.body, "html.parser").find(id="title-error")
    assert "already in the repository" in error.get_text()


def test_github_failing_is_a_502_that_loses_nothing_silently(browser, fake):
    fake.fail_pulls = True
    answer = browser.post_form("/api/submissions", event_form(browser.csrf()))
    assert answer.status_code == 502 and "try again" in answer.body.decode()


def test_an_event_we_already_list_is_flagged(runtime, browser, fake):
    listed = make_event("x1", "2026-12-03T18:00:00", title="Intro to  RUST for Pythonistas!")
    runtime.store().put_events([listed])
    browser.post_form("/api/submissions", event_form(browser.csrf()))
    body = fake.pulls[0]["body"]
    assert "Possible duplicates" in body and "Intro to  RUST for Pythonistas!" in body


def test_a_group_is_read_once_and_its_report_is_in_the_pull_request(runtime, browser, fake):
    runtime.store().put_events([make_event("x2", "2026-12-17T18:00:00", title="Rust night II")])
    form = {
        "kind": "group",
        "csrf_token": browser.csrf("/submit-group/"),
        "name": "Rust DC",
        "website": "https://www.meetup.com/rust-dc/",
        "ical": "https://www.meetup.com/rust-dc/",
        "categories": ["programming-languages"],
    }
    answer = browser.post_form("/api/submissions", form)
    assert answer.status_code == 201, answer.body
    (pull,) = fake.pulls
    assert pull["title"] == "Add group: Rust DC"
    files = pull_files(fake, pull)
    data = yaml.safe_load(files["_groups/rust-dc.yaml"])
    assert data["ical"] == "https://www.meetup.com/rust-dc/events/ical/", "the resolved feed"
    assert data["name"] == "Rust DC" and data["categories"] == ["programming-languages"]
    assert "2 events in the next 90 days" in pull["body"]
    assert "Possible duplicates" in pull["body"] and "Rust night II" in pull["body"]


def test_a_group_form_problem_is_shown_with_the_form(browser, fake):
    form = {
        "kind": "group",
        "csrf_token": browser.csrf("/submit-group/"),
        "name": "X",
        "website": "nope",
    }
    answer = browser.post_form("/api/submissions", form)
    assert answer.status_code == 400
    page = BeautifulSoup(answer.body, "html.parser")
    assert page.h1.get_text() == "Suggest a group"
    assert "must be an http(s) URL" in page.find(id="website-error").get_text()


def test_the_listing_is_unaffected(browser):
    assert browser.get("/api/events").status_code == 200
    assert browser.get("/api/submissions").status_code == 405
