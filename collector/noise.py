"""What a group asked us to leave out of its feed: ``suppress_urls``, ``suppress_uids`` and
``skip_phrases`` (an umbrella organisation's reposts, a daily stand-up, a sponsor's ads).

Each dropped event is counted under its reason ("suppressed" or "skip_phrases") in the feed's
health, so a phrase that drops too much shows in ``dctech feeds``. Phrases are compared as
cross-posted titles are (core/words.py: case, punctuation, spacing and invisible characters
ignored), whole words only: "AI" does not drop "Maintainers Summit"."""

from __future__ import annotations

import html
import re

from collector.links import is_suppressed
from core.models import Event, Group
from core.words import contains_phrase, normalise, words

SUPPRESSED = "suppressed"
SKIP_PHRASES = "skip_phrases"
REASONS = (SUPPRESSED, SKIP_PHRASES)
_TAG = re.compile(r"<[^>]*>")  # descriptions may be HTML; phrases are matched in its text


class GroupRules:
    """One feed's filter: ``reason(event)`` is why the group drops it, or None."""

    def __init__(self, group: Group) -> None:
        self.group = group
        self.phrases = [p for p in (normalise(p) for p in group.skip_phrases) if p]
        self._descriptions: dict[str, str] = {}  # a series' occurrences share their text

    def reason(self, event: Event) -> str | None:
        if is_suppressed(event.url, self.group) or self._uid_suppressed(event.source_uid):
            return SUPPRESSED
        if self.phrases and self._says_a_phrase(event):
            return SKIP_PHRASES
        return None

    def _uid_suppressed(self, source_uid: str) -> bool:
        """A UID drops its whole series; "UID#2026-12-03T23:30:00Z" one occurrence of it."""
        uids = self.group.suppress_uids
        return bool(source_uid) and any(
            source_uid == uid or source_uid.startswith(uid + "#") for uid in uids
        )

    def _says_a_phrase(self, event: Event) -> bool:
        title = normalise(event.title)
        description = self._descriptions.get(event.description)
        if description is None:
            plain = html.unescape(_TAG.sub(" ", event.description))  # "<b>sponsored&nbsp;…"
            description = self._descriptions[event.description] = words(plain)
        return any(
            contains_phrase(title, phrase) or contains_phrase(description, phrase)
            for phrase in self.phrases
        )
