"""The write path's routes: sign-in, the two forms and POST /api/submissions (a Chalice
blueprint, registered by api/app.py beside the read-only listing).

The forms are served here rather than by the static site because each carries a CSRF token
derived from the visitor's session, which a page built once for everyone cannot hold. They are
plain HTML forms (the site's CSP forbids scripts). Every refusal is a clear 4xx: a page for a
browser, the API's error shape for a client that asks for JSON.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from chalice import Blueprint, Response

from api import abuse, pages
from api.auth import BINDING_COOKIE, SESSION_COOKIE, Session, cookie, read_cookie
from api.credentials import SignInOff
from api.github import GitHubError
from api.probe import read_feed
from api.review import pull_request
from api.services import Services, provider, services
from api.signing import BadToken, form_token, form_token_ok
from api.submissions import EVENT, GROUP, Draft, draft, duplicates, event_dates, parse_form
from core.limits import (
    SESSION_SECONDS,
    SIGN_IN_SECONDS,
    SIGN_INS_PER_IP_PER_HOUR,
    SUBMISSION_ATTEMPTS_PER_IP_PER_HOUR,
    SUBMISSIONS_PER_IP_PER_HOUR,
    SUBMISSIONS_PER_USER_PER_DAY,
)
from core.runtime import Runtime
from core.store import StoreError

blueprint = Blueprint(__name__)
log = logging.getLogger("dctech.api.write")
P = pages.PATHS
HTML = "text/html; charset=utf-8"
Headers = dict[str, str | list[str]]
FORM = "application/x-www-form-urlencoded"
HOUR, DAY = 3600, 86400
TEMPLATE = {EVENT: "submit.html", GROUP: "submit_group.html"}
FORM_PATH = {EVENT: P.submit_event, GROUP: P.submit_group}


def _now(runtime: Runtime) -> int:
    return int(runtime.today_and_now()[1].timestamp())


def _request() -> Any:
    request = blueprint.current_request
    assert request is not None
    return request


def _headers() -> dict[str, str]:
    return {k.lower(): v for k, v in (_request().headers or {}).items()}


def _session(svc: Services) -> Session | None:
    session_id = read_cookie(_headers().get("cookie", ""), SESSION_COOKIE)
    return svc.signin.session(session_id, _now(svc.runtime))


def _address(svc: Services) -> str:
    identity = (_request().context or {}).get("identity") or {}
    return abuse.client_address(_headers(), identity.get("sourceIp"), svc.origin_secret)


def _page(name: str, status: int = 200, headers: Headers | None = None, **context: Any) -> Response:
    site = provider().site
    body = pages.render(name, site=site, home=site.base_url + "/", **context)
    answer: Headers = {"Content-Type": HTML, "Cache-Control": "no-store", **(headers or {})}
    return Response(body=body, status_code=status, headers=answer)


def _refusal(error: abuse.Refused, again: str | None = None) -> Response:
    headers: Headers = {"Cache-Control": "no-store"}
    if error.retry_after:
        headers["Retry-After"] = str(error.retry_after)
    if "application/json" in _headers().get("accept", "") and "html" not in _headers().get(
        "accept", ""
    ):
        body = {"error": {"code": error.code, "message": error.message, "parameter": None}}
        headers["Content-Type"] = "application/json; charset=utf-8"
        return Response(body=json.dumps(body), status_code=error.status, headers=headers)
    return _page(
        "submitted.html",
        error.status,
        headers,
        heading="Not submitted",
        message=error.message,
        again=again,
    )


def _off(error: SignInOff) -> Response:
    log.warning("write path unavailable: %s", error)
    return _refusal(
        abuse.Refused(503, "unavailable", "submissions are not available at the moment")
    )


@blueprint.route("/auth/login", methods=["GET"])
def login() -> Response:
    try:
        svc = services()
        now = _now(svc.runtime)
        abuse.rate_limit(
            svc.runtime.store(),
            f"signin#ip#{_address(svc)}",
            SIGN_INS_PER_IP_PER_HOUR,
            HOUR,
            now,
            "sign-ins",
        )
    except SignInOff as error:
        return _off(error)
    except abuse.Refused as error:
        return _refusal(error)
    query = _request().query_params or {}
    url, binding = svc.signin.start(query.get("next", P.submit_event), now)
    headers: Headers = {
        "Location": url,
        "Cache-Control": "no-store",
        "Set-Cookie": cookie(BINDING_COOKIE, binding, SIGN_IN_SECONDS, "/auth/"),
    }
    return Response(body="", status_code=302, headers=headers)


@blueprint.route("/auth/callback", methods=["GET"])
def callback() -> Response:
    query = _request().query_params or {}
    try:
        svc = services()
    except SignInOff as error:
        return _off(error)
    if query.get("error"):
        return _refusal(
            abuse.Refused(400, "cancelled", "the sign-in was cancelled on GitHub"), P.submit_event
        )
    binding = read_cookie(_headers().get("cookie", ""), BINDING_COOKIE)
    try:
        session, back = svc.signin.finish(
            query.get("code", ""), query.get("state", ""), binding, _now(svc.runtime)
        )
    except BadToken as error:
        message = f"this sign-in link cannot be used ({error.reason}): please sign in again"
        return _refusal(abuse.Refused(400, "invalid_state", message), P.submit_event)
    except GitHubError as error:
        log.warning("sign-in failed at GitHub: HTTP %s", error.status)
        return _refusal(
            abuse.Refused(
                502, "github_error", "GitHub did not complete the sign-in: please try again"
            )
        )
    log.info("signed in", extra={"login": session.login})
    headers: Headers = {
        "Location": back,
        "Cache-Control": "no-store",
        "Set-Cookie": cookie(SESSION_COOKIE, session.session_id, SESSION_SECONDS),
    }
    return Response(body="", status_code=303, headers=headers)


@blueprint.route("/auth/logout", methods=["POST"], content_types=[FORM])
def logout() -> Response:
    try:
        svc = services()
        session = _session(svc)
        form = parse_form(_request().raw_body or b"")
    except SignInOff as error:
        return _off(error)
    except ValueError:
        return _refusal(abuse.Refused(400, "bad_form", "the form could not be read"))
    if session is not None:
        if not form_token_ok(svc.key, session.session_id, (form.get("csrf_token") or [""])[0]):
            return _refusal(
                abuse.Refused(
                    403, "bad_token", "the form has expired: reload the page and try again"
                )
            )
        svc.signin.end(session.session_id)
    headers: Headers = {
        "Location": P.submit_event,
        "Cache-Control": "no-store",
        "Set-Cookie": cookie(SESSION_COOKIE, "", 0),
    }
    return Response(body="", status_code=303, headers=headers)


@blueprint.route("/submit", methods=["GET"])
def submit_event() -> Response:
    return _form(EVENT)


@blueprint.route("/submit-group", methods=["GET"])
def submit_group() -> Response:
    return _form(GROUP)


def _form(kind: str, submission: Draft | None = None, status: int = 200) -> Response:
    try:
        svc = services()
    except SignInOff as error:
        return _off(error)
    session = _session(svc)
    return _page(
        TEMPLATE[kind],
        status,
        session=session,
        csrf_token=form_token(svc.key, session.session_id) if session else "",
        topics=svc.categories,
        values=submission.values if submission else {},
        errors=submission.errors if submission else {},
    )


@blueprint.route("/api/submissions", methods=["POST"], content_types=[FORM, "application/json"])
def submissions() -> Response:
    body: bytes = _request().raw_body or b""
    kind = ""
    try:
        abuse.check_size(_headers(), body)
        svc = services()
        now = _now(svc.runtime)
        abuse.rate_limit(
            svc.runtime.store(),
            f"attempt#ip#{_address(svc)}",
            SUBMISSION_ATTEMPTS_PER_IP_PER_HOUR,
            HOUR,
            now,
            "attempts from your address",
        )
        if not _headers().get("content-type", "").startswith(FORM):
            raise abuse.Refused(415, "unsupported_media_type", f"send the form as {FORM}")
        try:
            form = parse_form(body)
        except ValueError:
            raise abuse.Refused(400, "bad_form", "the form could not be read") from None
        kind = (form.get("kind") or [""])[0]
        if kind not in TEMPLATE:
            raise abuse.Refused(400, "bad_form", "the form names no kind of submission")
        session = _session(svc)
        if session is None:
            raise abuse.Refused(
                401, "signed_out", "sign in with GitHub first: your session has ended"
            )
        if not form_token_ok(svc.key, session.session_id, (form.get("csrf_token") or [""])[0]):
            raise abuse.Refused(
                403, "bad_token", "the form has expired: reload the page and try again"
            )
        abuse.check_honeypot(form)
        return _submit(svc, session, kind, form, now)
    except SignInOff as error:
        return _off(error)
    except abuse.Refused as error:
        return _refusal(error, FORM_PATH.get(kind))


def _spend_quota(svc: Services, session: Session, now: int) -> None:
    """Count a submission that passed validation, before GitHub does any work for it: a form
    sent back with mistakes costs nothing of the user's or the address's quota."""
    store = svc.runtime.store()
    abuse.rate_limit(
        store,
        f"submit#user#{session.login}",
        SUBMISSIONS_PER_USER_PER_DAY,
        DAY,
        now,
        "submissions",
    )
    abuse.rate_limit(
        store,
        f"submit#ip#{_address(svc)}",
        SUBMISSIONS_PER_IP_PER_HOUR,
        HOUR,
        now,
        "submissions from your address",
    )


def _submit(
    svc: Services, session: Session, kind: str, form: dict[str, list[str]], now: int
) -> Response:
    settings = svc.runtime.github
    profile = f"{settings.web_url}/{session.login}"
    submission = draft(kind, form, {c.slug for c in svc.categories}, (session.login, profile))
    if not submission.ok:
        return _form(kind, submission, 400)
    _spend_quota(svc, session, now)
    repository = str(settings.repository)
    try:
        if svc.github.file_exists(session.token, repository, submission.path):
            where = "name" if kind == GROUP else "title"
            submission.fail(
                where, f"{submission.path} is already in the repository: choose another {where}"
            )
            return _form(kind, submission, 400)
        report = None
        found_on: list[tuple[str, str]] = event_dates(submission)
        if kind == GROUP:
            report = read_feed(
                svc.probe, str(submission.data.get("ical") or submission.data["website"])
            )
            if report.error is None:
                submission.use_feed(report.feed)
            found_on = report.events
        try:
            found = duplicates(svc.runtime.store(), found_on, now)
        except StoreError:
            found = []  # the listing is down: the reviewer still sees the file
        url = svc.github.open_pull_request(
            session.token, repository, pull_request(submission, session.login, found, report)
        )
    except GitHubError as error:
        log.warning("submission failed at GitHub: %s", error)
        message = "GitHub did not accept the pull request: please try again in a few minutes"
        return _refusal(abuse.Refused(502, "github_error", message), FORM_PATH[kind])
    log.info("submission opened", extra={"login": session.login, "kind": kind})
    what = "event" if kind == EVENT else "group"
    return _page(
        "submitted.html",
        201,
        {"Location": url},
        session=session,
        csrf_token=form_token(svc.key, session.session_id),
        heading="Thank you",
        message=f"Your {what} “{submission.title}” is now a pull request.",
        pull_url=url,
        again=FORM_PATH[kind],
    )
