"""The API inside another server: `dctech serve` answers /api/* on the preview site's port by
handing requests to the same Chalice app object through Chalice's local API Gateway emulation."""

from __future__ import annotations

import threading
from urllib.parse import urlencode

from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException

from api.app import app, not_found

_gateway = LocalGateway(app, Config.create(chalice_stage="dev"))
_one_at_a_time = threading.Lock()  # Chalice keeps the current request on the app object


def handle(path: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """GET ``path`` with ``query``: (status, headers, body). Unknown paths get the API's 404."""
    url = f"{path}?{urlencode(query)}" if query else path
    with _one_at_a_time:
        try:
            response = _gateway.handle_request(method="GET", path=url, headers={}, body=b"")
        except LocalGatewayException:
            response = not_found(path).to_dict()
    body = response.get("body") or ""
    return response["statusCode"], dict(response["headers"]), body.encode("utf-8")
