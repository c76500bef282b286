"""`dctech serve`: the built folder on 127.0.0.1, as CloudFront would serve it.

Directory URLs map to their ``index.html`` (``/week/2026-W49`` redirects to the slash form),
content types match the S3 upload's, misses get the site's own ``404.html`` with status 404, and
nothing outside the folder is ever read. Paths under ``/api/`` go to ``api_handler`` when one is
given (the CLI passes the JSON API's; this module never imports it) with the whole request: the
method (any of those `chalice local` serves: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS), every
query parameter in order with its repeats, and the headers, so the API answers as it does in
Lambda. The site itself answers GET and HEAD; other methods there get http.server's 501.
"""

from __future__ import annotations

import errno
import mimetypes
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from os import PathLike
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from generator.media import content_type

# (path, query as (name, value) pairs, method, request headers) -> (status, headers, body)
ApiHandler = Callable[
    [str, list[tuple[str, str]], str, dict[str, str]], tuple[int, dict[str, str], bytes]
]
SITE_METHODS = ("GET", "HEAD")
DRAIN_CHUNK = 64 * 1024


def locate(root: Path, url_path: str) -> Path | str | None:
    """The file for a URL path, a redirect target (str) for a folder without its slash, or None.

    ``root`` must be resolved; a path that resolves outside it (``..``, symlinks) is None.
    """
    relative = unquote(url_path).lstrip("/")
    if "\x00" in relative:
        return None
    target = (root / relative).resolve()
    if not target.is_relative_to(root):
        return None
    if target.is_dir():
        if not url_path.endswith("/"):
            return url_path + "/"
        target = target / "index.html"
    return target if target.is_file() else None


def make_server(
    directory: str | PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    api_handler: ApiHandler | None = None,
) -> ThreadingHTTPServer:
    """A ready server (port 0 picks a free one); call ``serve_forever`` to run it."""
    root = Path(directory).resolve()

    class Handler(BaseHTTPRequestHandler):
        server_version = "dctech-preview"

        def _respond(self) -> None:
            self._drain_body()
            url = urlsplit(self.path)
            send_body = self.command != "HEAD"
            if api_handler and (url.path == "/api" or url.path.startswith("/api/")):
                status, headers, body = api_handler(
                    url.path,
                    parse_qsl(url.query, keep_blank_values=True),
                    self.command,
                    dict(self.headers.items()),
                )
                self._send(status, headers, body, send_body)
                return
            if self.command not in SITE_METHODS:
                self.send_error(
                    HTTPStatus.NOT_IMPLEMENTED, f"Unsupported method ({self.command!r})"
                )
                return
            found = locate(root, url.path)
            if isinstance(found, str):
                query = f"?{url.query}" if url.query else ""
                self._send(HTTPStatus.MOVED_PERMANENTLY, {"Location": found + query}, b"", False)
            elif found is not None:
                self._send(HTTPStatus.OK, _headers(found), found.read_bytes(), send_body)
            else:
                page = root / "404.html"
                body = page.read_bytes() if page.is_file() else b"Not found\n"
                headers = _headers(page) if page.is_file() else {"Content-Type": "text/plain"}
                self._send(HTTPStatus.NOT_FOUND, headers, body, send_body)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _respond

        def _drain_body(self) -> None:
            """Read and drop a request body: closing the connection with unread bytes resets
            it, and the client may lose the answer."""
            length = self.headers.get("Content-Length", "")
            remaining = int(length) if length.isascii() and length.isdigit() else 0
            while remaining > 0 and (chunk := self.rfile.read(min(remaining, DRAIN_CHUNK))):
                remaining -= len(chunk)

        def _send(self, status: int, headers: dict[str, str], body: bytes, send: bool) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send:
                self.wfile.write(body)

    return ThreadingHTTPServer((host, port), Handler)


def _headers(path: Path) -> dict[str, str]:
    kind = content_type(path.name)
    if kind == "application/octet-stream":
        kind = mimetypes.guess_type(path.name)[0] or kind
    return {"Content-Type": kind, "Cache-Control": "no-cache"}


def serve(
    directory: str | PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    api_handler: ApiHandler | None = None,
) -> None:
    """Serve until interrupted."""
    if not (Path(directory) / "index.html").is_file():
        print(f"note: {directory}/index.html does not exist yet: run `dctech build` first")
    try:
        server = make_server(directory, host=host, port=port, api_handler=api_handler)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise OSError(f"port {port} is in use: stop the other server or pass --port N") from exc
    print(f"Serving {directory} on http://{host}:{server.server_port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
