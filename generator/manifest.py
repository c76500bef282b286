"""The writer's manifest: what a site target holds that our builds published, and why each
file is there (pure: bytes in, bytes out).

One entry per file. A file the last build produced may carry the ``digest`` of what it was made
from, so the next build can tell it is still current without rendering it (``Writer.current``).
A file no build produces any more but the site keeps publishing (an ended event's page, a past
week) carries ``kept``, the reason, and ``since``, the build day it was last produced: the
archive policy decides from these how long it stays. Version 1 manifests (a JSON list of paths)
are read as entries with neither.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

VERSION = 2


@dataclass(frozen=True)
class Entry:
    digest: str | None = None  # what the file was made from; None: not recorded
    kept: str | None = None  # why a file no longer produced is still published
    since: str | None = None  # the build day (YYYY-MM-DD) it was last produced, when kept


class ManifestError(ValueError):
    """The manifest is not one we wrote: refuse rather than delete files we may not own."""


def parse(data: bytes | None) -> dict[str, Entry]:
    """The entries of a stored manifest (none when there is no manifest yet)."""
    if data is None:
        return {}
    try:
        loaded = json.loads(data)
    except ValueError as exc:
        raise ManifestError(f"the manifest is not JSON: {exc}") from exc
    if isinstance(loaded, list):  # version 1: the paths only
        return {str(path): Entry() for path in loaded}
    if not isinstance(loaded, dict) or loaded.get("version") != VERSION:
        raise ManifestError("the manifest has an unknown format")
    entries = {}
    for path, fields in loaded.get("files", {}).items():
        if not isinstance(fields, dict):
            raise ManifestError(f"the manifest entry of {path} is not an object")
        entries[path] = Entry(
            digest=fields.get("digest"), kept=fields.get("kept"), since=fields.get("since")
        )
    return entries


def dump(entries: Mapping[str, Entry]) -> bytes:
    """Stable bytes (sorted, one file per line), so an unchanged manifest is an unchanged file."""
    files = {
        path: {k: v for k, v in vars(entry).items() if v is not None}
        for path, entry in sorted(entries.items())
    }
    text = json.dumps({"version": VERSION, "files": files}, indent=0, sort_keys=True)
    return text.encode("utf-8")
