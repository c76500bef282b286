"""The writer's manifest: what a site target holds that our builds published, and why each
file is there (pure: bytes in, bytes out).

One entry per file. A file the last build produced may carry the ``digest`` of what it was made
from, so the next build can tell it is still current without rendering it (``Writer.current``).
A file no build produces any more but the site keeps publishing (an ended event's page, a past
week) carries ``kept``, the reason, and ``since``, the build day it was last produced: the
archive policy decides from these how long it stays. Version 1 manifests (a JSON list of paths)
are read as entries with neither.

The site is split into parts (``PARTS``) by path: each event's files by the first character of
its event_id (16 parts), the group pages and feeds, and the rest ("site"). A part can be built
alone (one render invocation each, ``generator.lambda_handler``) and then has a manifest of its
own (``file_of``), so parts built at once never write the same file; a whole build keeps a part
in the root manifest (``.dctech-manifest.json``) until it has OWN_FILE_AT files, so a small site
keeps one manifest and a large one never reads or writes one big file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from generator import urls

VERSION = 2
ROOT = ".dctech-manifest.json"  # the site part's manifest, and any part without its own
SITE = "site"
_EVENT_IDS = "0123456789abcdef"  # event_ids are SHA-256 hex digests (core.ids)
_EVENTS = urls.events_folder().strip("/")  # the folders of the parts named after them
_GROUPS = urls.groups().strip("/")
EVENT_PARTS = tuple(f"events-{c}" for c in _EVENT_IDS)
PARTS = (SITE, "groups", *EVENT_PARTS)
OWN_FILE_AT = 2000  # files from which a whole build gives a part a manifest of its own


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


def part_of(path: str) -> str:
    """The part of the site a file belongs to (see the module's docstring)."""
    folder, _, rest = path.partition("/")
    if folder == _EVENTS and rest and rest[0] in _EVENT_IDS:  # ids are hex; others (a
        return f"events-{rest[0]}"  # hand-made id in a test) are the site part's
    if folder == _GROUPS and rest:
        return "groups"
    return SITE


FOLDERS = {"groups": f"{_GROUPS}/"} | {p: f"{_EVENTS}/{p[-1]}" for p in EVENT_PARTS}  # prefixes


def file_of(part: str) -> str:
    """Where a part's own manifest is (the site part's is the root)."""
    return ROOT if part == SITE else f".dctech-manifest.{part}.json"


def is_manifest(path: str) -> bool:
    """Is ``path`` one of the manifests (no page may be written there)?"""
    return path == ROOT or (path.startswith(".dctech-manifest.") and path.endswith(".json"))


def by_part(entries: Mapping[str, Entry]) -> dict[str, dict[str, Entry]]:
    """``entries`` split by part."""
    parts: dict[str, dict[str, Entry]] = {}
    for path, entry in entries.items():
        parts.setdefault(part_of(path), {})[path] = entry
    return parts
