"""Text as compared, not as shown: the words of a title, a place or a phrase, normalised.

Strangers write one title many ways: compatibility forms (NFKC: "ＡＩ", "ﬁ"), case, invisible
format characters (zero-width spaces, soft hyphens, bidi marks: Unicode category Cf), punctuation
and spacing. All of them are ignored and "&" reads "and", so "Cloud&nbsp;Night!" and "cloud
night" compare equal. An apostrophe inside a word is dropped, not a break ("Women's" is
"womens", not "women s"); a hyphen stays a break, since "Deep-Dive" is more often written "Deep
Dive" than "Deepdive" (collector/match.py also compares titles without their spaces, so
"Hack-a-thon" is "Hackathon" there). The cross-post matcher (collector/match.py), the groups'
``skip_phrases`` and their validation (core/config.py) all compare by this one rule.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORDS = re.compile(r"[^\W_]+")
_INNER_APOSTROPHE = re.compile(r"(?<=[^\W_])['’](?=[^\W_])")


def fold(text: str) -> str:
    """NFKC, no format characters, case-folded, "&" as " and "; punctuation kept. ASCII text
    (most of it) has neither compatibility forms nor format characters to lose."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.casefold().replace("&", " and ")


def words(text: str) -> str:
    """Lowercase words separated by single spaces: no punctuation, no invisible characters."""
    return " ".join(_WORDS.findall(_INNER_APOSTROPHE.sub("", fold(text))))


normalise = lru_cache(maxsize=8192)(words)  # for titles, names and places: short, often seen


def contains_phrase(normalised_text: str, normalised_phrase: str) -> bool:
    """Whole words only: the phrase "ai" is not found in "maintainers"."""
    return f" {normalised_phrase} " in f" {normalised_text} "
