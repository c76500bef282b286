"""Issue 11: the cursor checksum key is public, so anyone can forge a cursor with a valid
checksum. Whatever its fields hold, the answer is the JSON 400 invalid_cursor, never a 500 (a
TypeError in core.query comparing a number with a string) nor a page from a misread position."""

from __future__ import annotations

import base64
import json

import pytest
from test_api import EVENTS, TODAY, backend, body, client, expected_ids, get, ids

import api.app as api_app

__all__ = ["backend", "client"]  # fixtures from test_api, requested by name

FINGERPRINT = api_app.parse_request({}, TODAY).fingerprint  # the cursor's, with no filters
START = "2026-12-01T18:00:00"
TIE = "tie-a"  # an event starting at START
MALFORMED = {
    "code": "invalid_cursor",
    "message": "cursor is malformed or was altered: pass a next_cursor exactly as it was given",
    "parameter": "cursor",
}


def seal(body: bytes) -> str:
    """Any bytes framed as a cursor with a valid checksum, as encode_cursor frames its JSON."""
    return base64.urlsafe_b64encode(api_app._checksum(body) + body).rstrip(b"=").decode()


def forge(fields: object) -> str:
    """A cursor over any JSON value: what anyone can make, the checksum key being public."""
    return seal(json.dumps(fields).encode())


def refused(client, fields: object) -> dict:
    response = get(client, {"cursor": forge(fields)})
    assert response.status_code == 400, response.body
    return body(response)["error"]


@pytest.mark.parametrize(
    "fields",
    [
        [1, 2, FINGERPRINT],
        [None, TIE, FINGERPRINT],
        [["2026"], TIE, FINGERPRINT],
        [{"start": START}, TIE, FINGERPRINT],
        [2026.5, TIE, FINGERPRINT],
        [START, 7, FINGERPRINT],
        [START, None, FINGERPRINT],
        [START, [TIE], FINGERPRINT],
        [True, False, FINGERPRINT],
    ],
)
def test_fields_of_the_wrong_type_are_a_400_not_a_500(client, fields):
    assert refused(client, fields) == MALFORMED


@pytest.mark.parametrize(
    "fields",
    [
        ["tomorrow", TIE, FINGERPRINT],
        ["2026-12-01", TIE, FINGERPRINT],
        [START + "Z", TIE, FINGERPRINT],
        ["٢٠٢٦-١٢-٠١T18:00:00", TIE, FINGERPRINT],
        ["", TIE, FINGERPRINT],
        [START, "", FINGERPRINT],
        [START, "a" * 65, FINGERPRINT],
        [START, "../tie-a", FINGERPRINT],
        [START, "tie-a\x00", FINGERPRINT],
        [START, TIE, 12],
        [START, TIE, "not-a-fingerprint"],
        {START: 1, TIE: 2, FINGERPRINT: 3},  # unpacked, a dict gives its keys
        "abc",  # unpacked, a string gives its characters
    ],
)
def test_each_field_must_have_the_shape_it_was_issued_with(client, fields):
    """The well-formed forgery pages from where it says; each misshapen one is refused."""
    after = [e for e in expected_ids() if _position(e) > (START, TIE)]
    assert ids(get(client, {"cursor": forge([START, TIE, FINGERPRINT]), "limit": 500})) == after
    assert refused(client, fields) == MALFORMED


def _position(event_id: str) -> tuple[str, str]:
    return next((e.start_datetime, e.event_id) for e in EVENTS if e.event_id == event_id)
