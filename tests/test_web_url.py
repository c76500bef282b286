"""The one http(s)-URL test (core.text.is_web_url) that config validation, the collector's event
links and the generator's page links share: the strictest of the three it replaced."""

from __future__ import annotations

import pytest

from core.text import is_web_url


@pytest.mark.parametrize(
    "url",
    ["https://x.org", "http://x.org/a?b=1#c", "HTTP://X.ORG", "https://user@x.org:8443/p",
     "https://[::1]/", "https://café.example/"],
)  # fmt: skip
def test_absolute_http_urls_with_a_host_are_web_urls(url):
    assert is_web_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "", "javascript:alert(1)", "ftp://x.org/", "mailto:a@b.c", "/relative", "x.org",
        "https://", "http://:80/", "https://user@/",  # no host
        " https://x.org", "https://x.org/a b", "https://x.org/\u00a0",  # whitespace, not trimmed
        "https://x\n.org", "https://x.org/\x00", "https://x.org/\x7f",  # control characters
        "https://x.org/\u202egpj.exe",  # a bidi override makes a link display as another
        "https://[::1/",  # urlsplit raises ValueError
    ],
)  # fmt: skip
def test_everything_else_is_not(url):
    assert not is_web_url(url)
