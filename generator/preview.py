"""`dctech serve`: the built folder on 127.0.0.1, as CloudFront would serve it.

Directory URLs map to their ``index.html`` (``/week/2026-W49`` redirects to the slash form), content
types match the S3 upload's, misses get the site's own ``404.html`` with status 404, and nothing
outside the folder is ever read, nor a build's staging folder inside it (``.dctech-staging-…``,
which no upload holds). The paths CloudFront sends to the API (``/api/``, and the write path's
``/auth/``, ``/submit/`` and ``/submit-group/``) go to ``api_handler`` when one is given (the CLI
passes the Chalice app's; this module never imports it) with the whole request: the method (any of
those `chalice local` serves: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS), every query parameter
in order with its repeats, the headers, a body when there is one and the socket's address (the
per-address limits count it: no header here proves where a request came from), so the API answers as
it does in Lambda. The site itself answers GET and HEAD; other methods there get http.server's 501.
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

from generator import urls
from generator.media import content_type
from generator.writers import STAGING

# (path, query as (name, value) pairs, method, request headers[, body], client=address)
#   -> (status, headers, body)
ApiHandler = Callable[..., tuple[int, dict[str, str], bytes]]
SITE_METHODS = ("GET", "HEAD")
API_PATHS = ("/api", "/auth", "/submit", "/submit-group")  # CloudFront's API behaviours
# The write path's behaviours (infra/stacks/website.py): /api/submissions, /auth/*, /submit*;
# their pages' forms may post only to FORM_TARGETS.
WRITE_PATHS = ("/api/submissions", "/auth/", "/submit")
FORM_TARGETS = ("/api/submissions", "/auth/logout")
DRAIN_CHUNK = 64 * 1024
MAX_API_BODY = 1024 * 1024  # more than any form; the API refuses what is over its own cap


def locate(root: Path, url_path: str) -> Path | str | None:
    """The file for a URL path, a redirect target (str) for a folder without its slash, or None.

    ``root`` must be resolved; a path that resolves outside it (``..``, symlinks), or into a
    build's staging folder in it, is None.
    """
    relative = unquote(url_path).lstrip("/")
    if "\x00" in relative:
        return None
    target = (root / relative).resolve()
    if not target.is_relative_to(root):
        return None
    if target != root and target.relative_to(root).parts[0].startswith(STAGING):
        return None  # a build in progress (generator.writers.FolderWriter), not the site
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
            url = urlsplit(self.path)
            to_api = api_handler is not None and any(
                url.path == p or url.path.startswith(p + "/") for p in API_PATHS
            )
            received = self._drain_body(keep=to_api)
            send_body = self.command != "HEAD"
            if api_handler and to_api:
                status, headers, body = api_handler(
                    url.path,
                    parse_qsl(url.query, keep_blank_values=True),
                    self.command,
                    dict(self.headers.items()),
                    *((received,) if received else ()),
                    client=self.client_address[0],
                )
                origin = f"http://{self.headers.get('Host') or host}"
                policy = content_security_policy(url.path, origin)
                self._send(status, {**headers, "Content-Security-Policy": policy}, body, send_body)
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
                self._send(HTTPStatus.OK, _headers(found, url.path), found.read_bytes(), send_body)
            else:
                page = root / "404.html"
                body = page.read_bytes() if page.is_file() else b"Not found\n"
                headers = (
                    _headers(page, url.path) if page.is_file() else {"Content-Type": "text/plain"}
                )
                self._send(HTTPStatus.NOT_FOUND, headers, body, send_body)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _respond

        def _drain_body(self, keep: bool = False) -> bytes:
            """Read a request body, dropping it unless ``keep`` (up to MAX_API_BODY): closing
            the connection with unread bytes resets it, and the client may lose the answer."""
            length = self.headers.get("Content-Length", "")
            remaining = int(length) if length.isascii() and length.isdigit() else 0
            kept = bytearray()
            while remaining > 0 and (chunk := self.rfile.read(min(remaining, DRAIN_CHUNK))):
                remaining -= len(chunk)
                if keep and len(kept) < MAX_API_BODY:
                    kept += chunk
            return bytes(kept)

        def _send(self, status: int, headers: dict[str, str], body: bytes, send: bool) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send:
                self.wfile.write(body)

    return ThreadingHTTPServer((host, port), Handler)


def _headers(path: Path, url_path: str) -> dict[str, str]:
    kind = content_type(path.name)
    if kind == "application/octet-stream":
        kind = mimetypes.guess_type(path.name)[0] or kind
    return {
        "Content-Type": kind,
        "Cache-Control": "no-cache",
        "Content-Security-Policy": content_security_policy(url_path),
    }


def content_security_policy(url_path: str, origin: str | None = None) -> str:
    """The policy CloudFront sends for ``url_path`` (infra/stacks/website.py; a test compares
    the two), so a page behaves here as it will there: our own stylesheet and no script, but
    the email-ready newsletter's inline styles and, under /search/, the search page's script
    and Pagefind's (its worker, its WebAssembly); and on the write path's answers, forms that
    post only to the write path's targets at ``origin`` (the site's own, as the browser sees
    it; without one, 'self', as a stage without a custom domain has)."""
    inline = url_path == urls.newsletter_html()
    search = url_path.startswith(urls.search())
    write = origin is not None and url_path.startswith(WRITE_PATHS)
    return "; ".join(
        (
            "default-src 'self'",
            "style-src 'self'" + (" 'unsafe-inline'" if inline else ""),
            "script-src " + ("'self' 'wasm-unsafe-eval'" if search else "'none'"),
            "object-src 'none'",
            "base-uri 'self'",
            "form-action "
            + (" ".join(f"{origin}{path}" for path in FORM_TARGETS) if write else "'self'"),
            "frame-ancestors 'none'",
        )
    )


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
