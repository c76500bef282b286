"""A submitted form to the file a pull request adds, checked as `dctech check` checks it.

The form's values become the YAML mapping of a `_single_events/<date>-<slug>.yaml` or a
`_groups/<id>.yaml` file, written with a real serialiser, and that file is validated by the very
loaders `dctech check` runs (core/config.py), so a submission meets the same rules and the same
messages; each problem is shown next to the field its key names. Nothing here does I/O but the
scratch file the loaders read.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs

import yaml

from core.config import load_group, load_single_event
from core.errors import ConfigError
from core.query import EventFilter, list_events
from core.store.base import EventStore
from core.yamldoc import parse_date

EVENT = "event"
GROUP = "group"
EVENT_FIELDS = ("title", "date", "time", "end_date", "end_time", "url", "location", "cost")
GROUP_FIELDS = ("name", "website", "ical")
SUBMITTER_FIELDS = ("categories", "submitted_by", "submitter_link")
MAX_FIELDS = 60  # every field of the larger form, each topic box ticked, and room to spare
MAX_SLUG_CHARS = 50
MAX_DUPLICATE_DATES = 31  # a group's feed is checked against our listing on its next dates
GENERAL = ""  # the errors' key for a problem of the whole file


@dataclass
class Draft:
    """One submission: the form as given (to show it again), the file it makes, its problems
    by field."""

    kind: str
    values: dict[str, str | list[str]]
    path: str  # in the repository
    data: dict[str, str | list[str]]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def title(self) -> str:
        return str(self.data.get("title") or self.data.get("name") or "")

    def text(self) -> str:
        """The file's YAML: keys in the README's order, Unicode as written."""
        return yaml.safe_dump(self.data, sort_keys=False, allow_unicode=True, width=1000)

    def fail(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def use_feed(self, feed: str) -> None:
        """A group's ``ical``: the feed its reading led to (behind a Meetup or Luma page, or
        the website itself when no feed was given), in its place among the keys."""
        self.data["ical"] = feed
        order = GROUP_FIELDS + SUBMITTER_FIELDS
        self.data = {key: self.data[key] for key in order if key in self.data}


def parse_form(body: bytes) -> dict[str, list[str]]:
    """An application/x-www-form-urlencoded body; a malformed one is ValueError."""
    text = body.decode("utf-8")  # UnicodeDecodeError is a ValueError
    return parse_qs(text, keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FIELDS)


def draft(
    kind: str,
    form: Mapping[str, Sequence[str]],
    topics: Collection[str],
    submitter: tuple[str, str],
) -> Draft:
    """The file a form makes, validated. ``submitter`` (name, link) fills what the form left
    blank: the signed-in user."""
    names = (EVENT_FIELDS if kind == EVENT else GROUP_FIELDS) + SUBMITTER_FIELDS
    values: dict[str, str | list[str]] = {
        name: [v for v in form.get(name, []) if v] if name == "categories" else _one(form, name)
        for name in names
    }
    data = {k: v for k, v in values.items() if v}
    data.setdefault("submitted_by", submitter[0])
    data.setdefault("submitter_link", submitter[1])
    if kind == EVENT:
        day = parse_date(str(values["date"]))
        path = f"_single_events/{day or 'undated'}-{slug(str(values['title']))}.yaml"
    else:
        path = f"_groups/{slug(str(values['name']))}.yaml"
    result = Draft(kind, values, path, data)
    validate(result, topics)
    return result


def validate(submission: Draft, topics: Collection[str]) -> None:
    """Run the `dctech check` loader over the file in a scratch folder; every problem lands
    on the field its key names (the whole file's on GENERAL)."""
    load = load_single_event if submission.kind == EVENT else load_group
    with tempfile.TemporaryDirectory(prefix="dctech-submission-") as scratch:
        path = Path(scratch) / Path(submission.path).name
        path.write_text(submission.text(), encoding="utf-8")
        try:
            load(path, topics=topics)
        except ConfigError as error:
            for problem in error.problems():
                key = problem.field if problem.field in submission.values else GENERAL
                submission.fail(key, problem.message)


def slug(text: str) -> str:
    """A file name from a title or name: ASCII letters and digits joined by '-'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    found = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return found[:MAX_SLUG_CHARS].rstrip("-") or "untitled"


def normalised_title(title: str) -> str:
    """Titles compared as people read them: case, punctuation and spacing aside."""
    return " ".join(re.sub(r"[^\w]+", " ", title.casefold()).split())


def duplicates(
    store: EventStore, wanted: Sequence[tuple[str, str]], now_ts: int
) -> list[tuple[str, str, str]]:
    """(date, title, our event's group) for each (date, title) we already list: same day,
    same normalised title. One DateIndex listing per distinct date, the first few only."""
    by_day: dict[str, set[str]] = {}
    for day, title in wanted:
        by_day.setdefault(day, set()).add(normalised_title(title))
    found = []
    for day in sorted(by_day)[:MAX_DUPLICATE_DATES]:
        start = parse_date(day)
        if start is None:
            continue
        listing = list_events(store, EventFilter(start=start, end=start), now_ts=now_ts)
        for event in listing:
            if event.start_date == day and normalised_title(event.title) in by_day[day]:
                found.append((day, event.title, event.group_name))
    return found


def event_dates(submission: Draft) -> list[tuple[str, str]]:
    """The (date, title) an event submission would list, for the duplicate check."""
    day = parse_date(str(submission.data.get("date", "")))
    return [(day.isoformat(), submission.title)] if isinstance(day, date) else []


def _one(form: Mapping[str, Sequence[str]], name: str) -> str:
    given = form.get(name) or [""]
    return given[0].strip()
