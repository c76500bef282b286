"""Found in review: a feed that answered 304 stood for the events last stored, which the
overrides and noise rules of that parse had made. So removing an override (or a rule) changed
nothing until the feed itself changed: a hidden event stayed hidden, a corrected title stayed
corrected. The rules a parse ran under are recorded with the feed; when they differ, the feed
is read whole again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from test_collect import FAST, SITE, TODAY, groups, listed, store

from collector.run import collect
from core.config import Override

__all__ = ["groups", "store"]  # fixtures from test_collect, requested by name

HACK = "event_312@meetup.com"  # pydc's "Hack Night"; pydc's feed answers 304 to its ETag


def run(store, groups, overrides, day):
    now = datetime.combine(day, time(17), UTC)
    return collect(store, groups, SITE, today=day, now=now, settings=FAST, overrides=overrides)


def statuses(summary) -> dict[str, str]:
    return {o.group_id: o.status for o in summary.outcomes}


def test_a_removed_hide_override_lists_the_event_again(store, groups, feed_server):
    hide = Override("pydc", HACK, "pydc/hack.yaml", hide=True)
    run(store, groups, [hide], TODAY)
    assert "Hack Night" not in listed(store)
    day2 = TODAY + timedelta(days=1)
    assert statuses(run(store, groups, [hide], day2))["pydc"] == "unchanged"  # a 304
    assert "Hack Night" not in listed(store, day2)

    summary = run(store, groups, [], TODAY + timedelta(days=2))
    assert statuses(summary)["pydc"] == "ok"  # read whole: its rules changed
    assert "Hack Night" in listed(store, TODAY + timedelta(days=2))
    assert feed_server.hits("/pydc.ics") == 3


def test_a_removed_correction_restores_the_feeds_title(store, groups):
    fix = Override("pydc", HACK, "pydc/hack.yaml", title="Hack Night (moved online)")
    run(store, groups, [fix], TODAY)
    assert "Hack Night (moved online)" in listed(store)
    day2 = TODAY + timedelta(days=1)
    run(store, groups, [], day2)
    assert "Hack Night" in listed(store, day2) and "Hack Night (moved online)" not in listed(
        store, day2
    )


def test_a_new_skip_phrase_is_read_at_once_and_unchanged_rules_keep_the_304(store, groups):
    run(store, groups, [], TODAY)
    day2 = TODAY + timedelta(days=1)
    assert statuses(run(store, groups, [], day2))["pydc"] == "unchanged"
    noisy = [
        replace(g, skip_phrases=("hack night",)) if g.group_id == "pydc" else g for g in groups
    ]
    day3 = TODAY + timedelta(days=2)
    (pydc, _) = run(store, noisy, [], day3).outcomes
    assert (pydc.status, pydc.skipped) == ("ok", {"skip_phrases": 1})  # read whole, the rule ran
    assert statuses(run(store, noisy, [], day3))["pydc"] == "unchanged"  # the same rules again
    moved = Override("pydc", HACK, "elsewhere/hack.yaml", hide=True)  # where a file is: no rule
    run(store, noisy, [moved], day3)
    assert statuses(run(store, noisy, [replace(moved, source_file="x.yaml")], day3))["pydc"] == (
        "unchanged"
    )
