"""HTTP headers per output file, shared by the S3 writer and the preview server."""

from __future__ import annotations

from pathlib import PurePosixPath

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".js": "text/javascript; charset=utf-8",  # module scripts must be served as JavaScript
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
IMMUTABLE = "public, max-age=31536000, immutable"  # fingerprinted names never change content
PAGE = "public, max-age=300"  # pages follow the daily rebuild within minutes
FEED = "public, max-age=900"  # calendar apps and feed readers poll far less often than that
FEEDS = (".ics", ".atom")


def content_type(path: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(path).suffix, "application/octet-stream")


def cache_control(path: str) -> str:
    if path.startswith("static/"):
        return IMMUTABLE
    return FEED if path.endswith(FEEDS) else PAGE
