"""The API inside another server: `dctech serve` answers /api/* (and the write path's /auth/*,
/submit/ and /submit-group/) on the preview site's port by handing requests to the same Chalice
app object through Chalice's local API Gateway emulation.

The request goes through whole (method, every query parameter with its repeats, headers, body,
the visitor's address),
so the answer is the one the Lambda gives: 405 with Allow for a method the route does not take,
400 for a repeated parameter, 304 for a matching If-None-Match, the gateway's CORS answer to
OPTIONS."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException

from api.app import app, not_found

_gateway = LocalGateway(app, Config.create(chalice_stage="dev"))
_one_at_a_time = threading.Lock()  # Chalice keeps the current request on the app object
LOCAL_ADDRESS = "127.0.0.1"


def handle(
    path: str,
    query: Mapping[str, str] | Sequence[tuple[str, str]],
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    client: str = LOCAL_ADDRESS,
) -> tuple[int, dict[str, str], bytes]:
    """``method`` ``path`` with ``query`` (a mapping, or (name, value) pairs with repeats kept),
    the request ``headers`` and ``body``, from the address ``client`` (the request context's
    ``sourceIp``, which the per-address limits count): (status, headers, body). Unknown paths
    get the API's 404."""
    url = f"{path}?{urlencode(query)}" if query else path
    with _one_at_a_time:
        # Chalice's emulation has one fixed source address; the visitor's is this request's.
        _gateway.event_converter.LOCAL_SOURCE_IP = client
        try:
            response = _gateway.handle_request(
                method=method, path=url, headers=dict(headers or {}), body=body
            )
        except LocalGatewayException:
            response = not_found(path).to_dict()
    answer = response.get("body") or ""  # None for the CORS preflight
    return response["statusCode"], dict(response["headers"]), answer.encode("utf-8")
