"""Reading a submitted group's feed once, before the pull request is opened.

The reading itself is the collector's (its bounded fetch and sandboxed parse:
`collector.lambda_handler.probe`), which the API may not import. So the API holds only this
interface: in Lambda it invokes the probe function (the collector's bundle) synchronously; under
`dctech serve` the command line hands in the collector's function directly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# {"url": ...} -> the probe's answer (ProbeReport.to_dict's shape)
FeedProbe = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class ProbeReport:
    """What the feed showed: its resolved URL, the summary lines `dctech add-group` prints,
    and (date, title) of the events found; or why it could not be read."""

    feed: str
    lines: list[str] = field(default_factory=list)
    events: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any], given: str) -> ProbeReport:
        return cls(
            feed=str(data.get("feed") or given),
            lines=[str(line) for line in data.get("lines", [])],
            events=[(str(d), str(t)) for d, t in data.get("events", [])],
            error=data.get("error"),
        )


def read_feed(probe: FeedProbe | None, url: str) -> ProbeReport:
    """The probe's report on ``url``; without a probe, or when it fails, a report that says
    the feed was not read (the reviewer runs `dctech add-group` instead)."""
    if probe is None:
        return ProbeReport(url, error="not read: no feed probe is configured here")
    try:
        return ProbeReport.from_dict(probe({"url": url}), url)
    except Exception as error:  # the probe's failure must not lose the submission
        return ProbeReport(url, error=f"not read: the probe failed ({type(error).__name__})")


def lambda_probe(function: str) -> FeedProbe:
    """A probe that invokes ``function`` and waits for its answer."""

    def invoke(request: dict[str, Any]) -> dict[str, Any]:
        import boto3

        answer = boto3.client("lambda").invoke(
            FunctionName=function, InvocationType="RequestResponse", Payload=json.dumps(request)
        )
        if answer.get("FunctionError"):
            raise RuntimeError("the probe function failed")
        return json.loads(answer["Payload"].read())

    return invoke
