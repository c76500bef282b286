"""Issue 15 item 2: a group submission's pull request body shows the feed URL and what reading
it gave, and a stranger's text there stays text. A URL may hold backticks and Markdown (no
whitespace: it passes `dctech check`), so it must not close its code span, and the probe's
error, which quotes the URL, must not be rendered as Markdown either: no image, link or
@-mention from a submitter reaches the reviewer's page."""

from __future__ import annotations

import markdown
import pytest
from bs4 import BeautifulSoup

from api.probe import ProbeReport
from api.review import pull_request
from api.submissions import GROUP, draft

HOSTILE = (
    "https://e.example/?`@octocat![x](https://e.example/p.png)`",
    "https://e.example/``@octocat[click](https://e.example/)``",
    "https://e.example/@octocat![x](https://e.example/p.png)",
)


def outside_code(body: str) -> BeautifulSoup:
    """The body as Markdown renders it, less its code spans and blocks."""
    page = BeautifulSoup(markdown.markdown(body, extensions=["fenced_code"]), "html.parser")
    for code in page.find_all(["code", "pre"]):
        code.decompose()
    return page


@pytest.mark.parametrize("url", HOSTILE)
@pytest.mark.parametrize(
    "report",
    [
        lambda url: ProbeReport(url, lines=["0 events in the next 90 days"]),
        lambda url: ProbeReport(url, error=f"not readable: cannot read {url}: HTTP 404"),
    ],
    ids=["read", "unreadable"],
)
def test_a_feed_url_stays_text_in_the_pull_request(url, report):
    form = {"name": ["Evil"], "website": ["https://evil.example/"], "ical": [url]}
    submission = draft(GROUP, form, set(), ("ada", "https://github.com/ada"))
    assert submission.ok, submission.errors
    body = pull_request(submission, "ada", [], report(url)).body
    page = outside_code(body)
    assert page.find_all(["img", "a"]) == []
    assert "octocat" not in page.get_text() and "e.example" not in page.get_text()
    assert url in body
