"""Setup shared by the write-path tests: the app configured against the fake GitHub and a
SQLite store, and a small browser (a cookie jar over Chalice's test client) that signs in the
way a real one does: /auth/login, GitHub's authorize page, /auth/callback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from chalice.test import Client
from fake_github import CLIENT_ID, CLIENT_SECRET, REPOSITORY, FakeGitHub, serve

import api.app as api_app
from core.runtime import Clock, GitHubSettings, Runtime

REPO = Path(__file__).parent.parent
SESSION_KEY = "k" * 40
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def settings(fake: FakeGitHub, **changes: str | bool) -> GitHubSettings:
    values: dict[str, str | bool] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "session_key": SESSION_KEY,
        "callback_url": "https://dctech.example/auth/callback",
        "repository": REPOSITORY,
        "web_url": fake.url,
        "api_url": fake.url,
    }
    return GitHubSettings(**(values | changes))


@contextmanager
def configured(
    tmp_path: Path, fake: FakeGitHub, probe=None, loopback: bool = True, **github: str | bool
) -> Iterator[Runtime]:
    """The app answering from a fresh runtime wired to ``fake`` (``github`` changes its
    settings; ``loopback``: the feeds the write-path tests probe are on 127.0.0.1);
    unconfigured afterwards."""
    server = serve(fake)
    runtime = Runtime(
        store_url=f"sqlite:///{tmp_path / 'events.db'}",
        clock=Clock(NOW),
        categories_dir=REPO / "_categories",
        github=settings(fake, **github),
        loopback_feeds=loopback,
    )
    api_app.configure(runtime, probe)
    try:
        yield runtime
    finally:
        api_app.configure(None)
        runtime.close()
        server.shutdown()
        server.server_close()


@dataclass
class Browser:
    """Cookies kept like a browser's, per name; the answers as Chalice's test client gives."""

    fake: FakeGitHub
    client: Client = field(default_factory=lambda: Client(api_app.app))
    cookies: dict[str, str] = field(default_factory=dict)
    seen: list = field(default_factory=list)  # every response, to inspect for leaks

    def request(self, method: str, path: str, body: bytes = b"", headers=None):
        sent = {"cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        sent |= {"user-agent": "test"} | (headers or {})
        response = getattr(self.client.http, method.lower())(path, headers=sent, body=body)
        self.seen.append(response)
        set_cookie = response.headers.get("Set-Cookie")
        if set_cookie:
            name, _, rest = set_cookie.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in set_cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post_form(self, path: str, fields: dict | list, **headers: str):
        body = urlencode(fields, doseq=True).encode()
        kinds = {"content-type": "application/x-www-form-urlencoded"} | headers
        return self.request("POST", path, body=body, headers=kinds)

    def start_sign_in(self, back: str = "/submit/") -> str:
        """/auth/login, then GitHub's authorize page: the callback URL GitHub sends back to."""
        login = self.get(f"/auth/login?next={back}")
        assert login.status_code == 302, login.body
        github = requests.get(login.headers["Location"], allow_redirects=False, timeout=5)
        assert github.status_code == 302
        return github.headers["Location"]

    def finish_sign_in(self, callback_url: str):
        parts = urlsplit(callback_url)
        return self.get(f"{parts.path}?{parts.query}")

    def sign_in(self, back: str = "/submit/") -> None:
        answer = self.finish_sign_in(self.start_sign_in(back))
        assert answer.status_code == 303, answer.body

    def csrf(self, path: str = "/submit/") -> str:
        page = self.get(path)
        found = CSRF.search(page.body.decode())
        assert found, "the form carries a CSRF token"
        return found.group(1)


def state_of(callback_url: str) -> str:
    return parse_qs(urlsplit(callback_url).query)["state"][0]


def event_form(csrf: str, **changes: str) -> dict:
    return {
        "kind": "event",
        "csrf_token": csrf,
        "title": "Intro to Rust for Pythonistas",
        "date": "2026-12-03",
        "time": "18:30",
        "end_time": "20:30",
        "url": "https://example.org/rust-night",
        "location": "1776 K St NW, Washington, DC",
        "cost": "Free",
        "categories": ["software-development"],
        "website_url": "",
    } | changes
