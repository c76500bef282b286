"""Untrusted text from feeds made safe: links, descriptions as HTML and as plain text.

Only absolute http(s) URLs ever become links. A description is plain text (escaped, paragraphs
and bare URLs kept), Markdown, or HTML; the last two are rendered and then cleaned with an nh3
allow-list, because Markdown passes raw HTML through.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup, escape

from core.text import clean_text, is_web_url

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "em", "h4", "h5", "h6", "i", "li", "ol", "p", "pre",
    "strong", "ul",
}  # fmt: skip
LINK_REL = "nofollow ugc noopener noreferrer"
HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
MARKDOWN_SYNTAX = re.compile(
    r"\*\*|__|`|\[[^\]\n]+\]\([^)\s]+\)|^#{1,6} |^ {0,3}(?:[-*+]|\d+\.) ", re.M
)
BARE_URL = re.compile(r"https?://[^\s<>\"']*[^\s<>\"'.,;:!?)\]]")
BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(?:p|li|h\d|div|blockquote|pre|tr)>")
EXCERPT = 800  # characters of a description shown on a page; the event's link has the rest


_MARKDOWN = markdown.Markdown()  # reused: building a converter costs more than converting


def http_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL, else None (a ``javascript:`` URL is no link)."""
    url = (url or "").strip()
    return url if is_web_url(url) else None


def _keep_http_links(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        return http_url(value)
    return value


def _clean(fragment: str) -> str:
    """Sanitised HTML. nh3 decodes entities, so a `&#x202E;` the collector saw as plain text
    comes out as the character itself: the text is cleaned again afterwards."""
    cleaned = nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        attribute_filter=_keep_http_links,
        url_schemes={"http", "https"},
        link_rel=LINK_REL,
    )
    return clean_text(cleaned, multiline=True)


def _plain_to_html(text: str) -> str:
    """Escaped paragraphs, line breaks kept, bare http(s) URLs linked."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        pieces, last = [], 0
        for match in BARE_URL.finditer(block):
            url = match.group(0)
            pieces += [escape(block[last : match.start()]), _link(url)]
            last = match.end()
        pieces.append(escape(block[last:]))
        paragraphs.append("<p>" + "".join(pieces).replace("\n", "<br>\n") + "</p>")
    return "\n".join(paragraphs)


def _link(url: str) -> str:
    return f'<a href="{escape(url)}" rel="{LINK_REL}">{escape(url)}</a>'


def is_html(text: str) -> bool:
    return bool(HTML_TAG.search(text))


@lru_cache(maxsize=4096)
def description_html(text: str, limit: int | None = EXCERPT) -> Markup:
    """A description as safe HTML, cut to ``limit`` characters (None: whole, for the event's
    page). Recurring events share the text, hence the cache."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        return Markup("")
    if limit is not None and len(text) > limit:
        text = text[:limit].rsplit(None, 1)[0] + " …"
    if MARKDOWN_SYNTAX.search(text):  # Markdown may carry HTML too: render, then clean
        return Markup(_clean(_MARKDOWN.reset().convert(text)))
    if is_html(text):
        return Markup(_clean(text))
    return Markup(_plain_to_html(text))


def description_text(text: str) -> str:
    """A description as plain text (for iCalendar and JSON-LD): HTML tags dropped, lines kept."""
    text = text.replace("\r\n", "\n").strip()
    if not is_html(text):
        return text
    stripped = nh3.clean(BLOCK_END.sub("\n", text), tags=set())
    plain = clean_text(html.unescape(stripped), multiline=True)  # entities may hide controls
    return re.sub(r"\n{3,}", "\n\n", plain).strip()


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(None, 1)[0] + " …"
