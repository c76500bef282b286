"""Issue 15: sign in with GitHub. The state is signed, expiring, single-use and bound to the
browser; the code is exchanged server-side; the token stays in the store, never in a URL, a
page, a cookie or a log line; sign-out deletes it."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from fake_github import CLIENT_ID, FakeGitHub
from write_path import NOW, Browser, configured, event_form, state_of

from api.auth import BINDING_COOKIE, SESSION_COOKIE
from core.limits import SIGN_IN_SECONDS
from core.runtime import Clock


@pytest.fixture
def fake():
    return FakeGitHub()


@pytest.fixture
def runtime(tmp_path, fake):
    with configured(tmp_path, fake) as runtime:
        yield runtime


def test_login_redirects_to_github_with_a_bound_state(runtime, fake):
    browser = Browser(fake)
    answer = browser.get("/auth/login?next=/submit-group/")
    assert answer.status_code == 302
    target = urlsplit(answer.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{fake.url}/login/oauth/authorize"
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["client_id"] == CLIENT_ID and query["scope"] == "public_repo"
    assert query["redirect_uri"] == "https://dctech.example/auth/callback"
    assert "." in query["state"] and "client_secret" not in target.query
    set_cookie = answer.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{BINDING_COOKIE}=")
    for flag in ("HttpOnly", "Secure", "SameSite=Lax", f"Max-Age={SIGN_IN_SECONDS}"):
        assert flag in set_cookie


def test_a_full_sign_in_sets_an_http_only_session_cookie_and_returns(runtime, fake):
    browser = Browser(fake)
    answer = browser.finish_sign_in(browser.start_sign_in("/submit-group/"))
    assert answer.status_code == 303 and answer.headers["Location"] == "/submit-group/"
    set_cookie = answer.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{SESSION_COOKIE}=")
    assert all(f in set_cookie for f in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/"))
    assert "Signed in with GitHub as <strong>ada</strong>" in browser.get("/submit/").body.decode()


def test_a_foreign_return_path_is_not_followed(runtime, fake):
    browser = Browser(fake)
    callback = browser.start_sign_in("https://evil.example/")
    assert browser.finish_sign_in(callback).headers["Location"] == "/submit/"


def test_a_tampered_state_is_refused(runtime, fake):
    browser = Browser(fake)
    callback = browser.start_sign_in()
    state = state_of(callback)
    body, mac = state.split(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + mac
    answer = browser.finish_sign_in(callback.replace(state, forged))
    assert answer.status_code == 400
    assert "signature does not match" in answer.body.decode()
    assert SESSION_COOKIE not in browser.cookies


def test_a_replayed_state_is_refused(runtime, fake):
    browser = Browser(fake)
    callback = browser.start_sign_in()
    assert browser.finish_sign_in(callback).status_code == 303
    answer = browser.finish_sign_in(callback)  # the same answer from GitHub, from the same browser
    assert answer.status_code == 400 and "already used" in answer.body.decode()
    assert len(fake.tokens) == 1, "a replayed state never reaches the code exchange"


def test_an_expired_state_is_refused(runtime, fake):
    browser = Browser(fake)
    callback = browser.start_sign_in()
    runtime.clock = Clock(NOW + timedelta(seconds=SIGN_IN_SECONDS))
    answer = browser.finish_sign_in(callback)
    assert answer.status_code == 400 and "expired" in answer.body.decode()


def test_a_state_from_another_browser_is_refused(runtime, fake):
    victim, attacker = Browser(fake), Browser(fake)
    callback = attacker.start_sign_in()  # the attacker's own state, sent to the victim
    answer = victim.finish_sign_in(callback)
    assert answer.status_code == 400 and "another browser" in answer.body.decode()
    assert SESSION_COOKIE not in victim.cookies


def test_a_cancelled_sign_in_says_so(runtime, fake):
    answer = Browser(fake).get("/auth/callback?error=access_denied&state=x")
    assert answer.status_code == 400 and "cancelled" in answer.body.decode()


def test_sign_out_deletes_the_session(runtime, fake):
    browser = Browser(fake)
    browser.sign_in()
    session_id = browser.cookies[SESSION_COOKIE]
    token = browser.csrf()
    answer = browser.post_form("/auth/logout", {"csrf_token": token})
    assert answer.status_code == 303 and "Max-Age=0" in answer.headers["Set-Cookie"]
    assert SESSION_COOKIE not in browser.cookies
    browser.cookies[SESSION_COOKIE] = session_id  # the old cookie, replayed: signed out
    assert "Sign in with GitHub" in browser.get("/submit/").body.decode()


def test_sign_out_needs_the_form_token(runtime, fake):
    browser = Browser(fake)
    browser.sign_in()
    assert browser.post_form("/auth/logout", {"csrf_token": "nope"}).status_code == 403
    assert "Signed in with GitHub" in browser.get("/submit/").body.decode()


def test_the_token_never_reaches_a_url_a_page_a_cookie_or_a_log(runtime, fake, caplog):
    caplog.set_level(logging.DEBUG)
    browser = Browser(fake)
    browser.sign_in()
    browser.post_form("/api/submissions", event_form(browser.csrf()))
    assert len(fake.pulls) == 1
    (token,) = fake.issued_tokens()
    assert all(token not in r.path for r in fake.requests), "never in a URL sent to GitHub"
    for response in browser.seen:
        assert token not in response.body.decode()
        assert all(token not in str(v) for v in response.headers.values())
    assert token not in str(browser.cookies)
    assert token not in caplog.text and caplog.records, "logging was captured"
    assert token not in repr(runtime.github) and "fake-client-secret" not in caplog.text


def test_sign_in_is_off_without_settings(tmp_path, fake):
    with configured(tmp_path, fake) as runtime:
        runtime.github = replace(runtime.github, client_id=None)
        answer = Browser(fake).get("/auth/login")
        assert answer.status_code == 503
        assert "not available" in answer.body.decode()
