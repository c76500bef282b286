"""The cross-post merge measured against a labelled answer key: real feed shapes (Meetup, Luma,
Eventbrite, a sponsor's Google Calendar, an umbrella organisation's reposts) with known
cross-posts and known non-duplicates (tests/fixtures/crossposts/answers.yaml).

Reports, for the exact-id merge alone (what ran before) and for the whole merge, the events
listed, and the precision and recall over pairs of copies: a pair is "merged" when both copies
end in one listed event, and "true" when the key gives them one label.

    .venv/bin/python bench/dedupe.py [--fixtures tests/fixtures/crossposts]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from datetime import date
from itertools import combinations
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from collector.merge import merge_cross_posts  # noqa: E402
from collector.parse import parse_feed  # noqa: E402
from core.config import load_groups  # noqa: E402
from core.models import Event, SiteConfig  # noqa: E402

TODAY = date(2026, 12, 1)  # the fixtures' events fall in the 90 days from here

Pair = frozenset[str]


def copy_name(event: Event) -> str:
    """How the answer key names a copy: "group_id UID"."""
    return f"{event.group_id} {event.source_uid.split('#')[0]}"


def pairs(clusters: Iterable[Iterable[str]]) -> set[Pair]:
    return {frozenset(p) for cluster in clusters for p in combinations(sorted(cluster), 2)}


def score(merged: set[Pair], true: set[Pair]) -> tuple[float, float]:
    """Precision and recall of the merged pairs; 1.0 where there is nothing to get wrong."""
    hits = len(merged & true)
    return (hits / len(merged) if merged else 1.0, hits / len(true) if true else 1.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=REPO / "tests/fixtures/crossposts")
    args = parser.parse_args()
    groups = load_groups(args.fixtures / "groups")
    copies: list[Event] = []
    for group in groups:
        body = (REPO / (group.ical or "")).read_bytes()
        copies += parse_feed(body, group, SiteConfig(), TODAY).events
    key = yaml.safe_load((args.fixtures / "answers.yaml").read_text(encoding="utf-8"))
    true = pairs(label["copies"] for label in key["events"].values())
    names = [copy_name(e) for e in copies]
    labelled = {name for label in key["events"].values() for name in label["copies"]}
    dropped = set(key["dropped"])
    problems = {
        "copies missing from the answer key": set(names) - labelled,
        "copies in the answer key the collector did not list": labelled - set(names),
        "copies listed that the groups' rules drop": dropped & set(names),
    }
    for problem, found in problems.items():
        if found:
            print(f"{problem}: {sorted(found)}", file=sys.stderr)
    if any(problems.values()):
        return 1

    by_id: dict[str, list[str]] = {}
    for event, name in zip(copies, names, strict=True):
        by_id.setdefault(event.event_id, []).append(name)
    merge = merge_cross_posts(copies, {g.group_id for g in groups if g.aggregator})
    by_kept: dict[str, list[str]] = {}
    for event, name in zip(copies, names, strict=True):
        by_kept.setdefault(merge.folded.get(event.event_id, event.event_id), []).append(name)

    print(
        f"{len(groups)} feeds, {len(copies)} copies, {len(key['events'])} real events,"
        f" {len(true)} true pairs"
    )
    print(f"{'merge':<22} {'listed':>6} {'merged pairs':>12} {'precision':>9} {'recall':>6}")
    rows = (("exact event_id only", by_id), ("cross-posts too", by_kept))
    for label, clusters in rows:
        found = pairs(clusters.values())
        precision, recall = score(found, true)
        print(f"{label:<22} {len(clusters):>6} {len(found):>12} {precision:>9.2f} {recall:>6.2f}")
    for pair in sorted(pairs(by_kept.values()) ^ true, key=sorted):
        kind = "merged, but different" if pair not in true else "one event, not merged"
        print(f"  {kind}: {' + '.join(sorted(pair))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
