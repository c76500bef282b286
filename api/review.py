"""The pull request a submission opens: a title, and a body a reviewer can act on.

The body shows the file verbatim in a code block (a stranger's text stays text: no Markdown,
no @-mentions, no links rendered from it), who sent it, what the group's feed held when it was
read once, and any event we already list on the same day under the same title.
"""

from __future__ import annotations

from collections.abc import Sequence

from api.github import PullRequest
from api.probe import ProbeReport
from api.signing import new_nonce
from api.submissions import EVENT, Draft, slug
from core.text import clean_text

MAX_TITLE_CHARS = 120


def pull_request(
    submission: Draft,
    login: str,
    found: Sequence[tuple[str, str, str]],
    report: ProbeReport | None = None,
) -> PullRequest:
    kind = "event" if submission.kind == EVENT else "group"
    name = clean_text(submission.title, MAX_TITLE_CHARS)
    sections = [
        f"Submitted through the site's form by GitHub user `{login}`.",
        f"Adds `{submission.path}`:",
        _code(submission.text(), "yaml"),
    ]
    if report is not None:
        sections.append(_feed(report))
    if found:
        rows = "\n".join(f"{day}  {title}  ({group})" for day, title, group in found)
        sections += [
            f"**Possible duplicates:** we already list {len(found)} event(s) on the same day"
            " under the same title:",
            _code(rows),
        ]
    sections.append(
        "The checks run `dctech check` on this file; a maintainer reviews it before merging."
    )
    return PullRequest(
        title=f"Add {kind}: {name}",
        body="\n\n".join(sections) + "\n",
        branch=f"submit/{kind}-{slug(submission.title)[:40]}-{new_nonce()[:8].lower()}",
        files={submission.path: submission.text()},
        message=f"Add {kind}: {name}",
    )


def _feed(report: ProbeReport) -> str:
    """The submitter's URL and what reading it gave, both as code: the error quotes the URL."""
    if report.error:
        return (
            f"**The feed** {_inline(report.feed)} could not be used; check it with"
            " `dctech add-group`:\n\n" + _code(report.error)
        )
    return f"**The feed** {_inline(report.feed)}, read once just now:\n\n" + _code(
        "\n".join(report.lines)
    )


def _fence(text: str, shortest: int) -> str:
    """A run of backticks longer than any in ``text``, so nothing in it closes the code."""
    fence = "`" * shortest
    while fence in text:
        fence += "`"
    return fence


def _code(text: str, language: str = "") -> str:
    """A fenced block no line of ``text`` can close."""
    fence = _fence(text, 3)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def _inline(text: str) -> str:
    """A code span ``text`` cannot close (the spaces let it start or end with a backtick)."""
    fence = _fence(text, 1)
    return f"{fence} {text} {fence}"
