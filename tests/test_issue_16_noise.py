"""Issue 16: per-group noise controls. `skip_phrases` drops events whose title or description
says a phrase, `suppress_uids` drops a feed UID (a whole series, or one occurrence), beside
`suppress_urls`; what they drop is counted in the feed's health (the collect summary,
`dctech feeds`); `dctech check` refuses a bad list naming the file and the key; `aggregator`
is validated too."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from conftest import FIXTURES

import dctech
from collector.parse import parse_feed
from core.config import ConfigError, load_group
from core.limits import MAX_CONFIG_LIST_ITEMS, MAX_CONFIG_TEXT_CHARS, MAX_FIELD_CHARS
from core.models import Group, SiteConfig

TODAY = date(2026, 12, 1)
GROUP = Group("dctech-calendar", "DC Tech Calendar", "https://dctechcalendar.example.org/")
FEED = (FIXTURES / "crossposts" / "dctech-calendar.ics").read_bytes()
SERIES = (FIXTURES / "crossposts" / "capital-one-events.ics").read_bytes()
LONG_PHRASE = "x" * (MAX_CONFIG_TEXT_CHARS + 1)
LONG_UID = "u" * (MAX_FIELD_CHARS + 1)
GOOD = "name: DC Tech Calendar\nwebsite: https://dctechcalendar.example.org/\n"


def titles(group: Group, body: bytes = FEED) -> tuple[list[str], dict[str, int]]:
    parsed = parse_feed(body, group, SiteConfig(), TODAY)
    return [e.title for e in parsed.events], parsed.skipped


def test_a_skip_phrase_drops_by_title_or_by_the_text_of_an_html_description():
    shown, skipped = titles(replace(GROUP, skip_phrases=("SPONSORED listing",)))
    assert "Sponsored listing: AWS Certification Bootcamp" not in shown
    assert "Resume Review Clinic" not in shown  # "<b>sponsored&nbsp;listing</b>" in its HTML
    assert skipped["skip_phrases"] == 2 and len(shown) == 9


@pytest.mark.parametrize(
    ("phrase", "dropped"),
    [
        ("sponsored listing", 2),
        ("Sponsored\u200b Listing!", 2),  # invisible characters and punctuation ignored
        ("ＳＰＯＮＳＯＲＥＤ listing", 2),  # compatibility forms (NFKC)
        ("sponsor", 0),  # whole words: "sponsored" does not say "sponsor"
        ("reposted from aws dc", 2),  # Cloud Night and Kubernetes, by their descriptions
        ("no such words", 0),
    ],
)
def test_skip_phrases_compare_normalised_whole_words(phrase, dropped):
    group = replace(GROUP, skip_phrases=(phrase,))
    assert titles(group)[1].get("skip_phrases", 0) == dropped


def test_suppress_uids_drop_a_whole_series_or_one_event_beside_suppress_urls():
    cafe = "5q3m1k9i7g5e3c1a9y7w5u3s1q@google.com"
    group = Group("capital-one-events", "Capital One", "https://www.capitalone.com/tech/events/")
    shown, skipped = titles(group, SERIES)
    assert shown.count("Café Coding Hours") == 13 and "suppressed" not in skipped
    shown, skipped = titles(replace(group, suppress_uids=(cafe,)), SERIES)
    assert "Café Coding Hours" not in shown and skipped["suppressed"] == 13
    one = f"{cafe}#2026-12-10T14:00:00Z"  # one occurrence: its RECURRENCE-ID in UTC
    shown, skipped = titles(replace(group, suppress_uids=(one,)), SERIES)
    assert shown.count("Café Coding Hours") == 12 and skipped["suppressed"] == 1
    url = "https://dctechcalendar.example.org/event/startup-pitch-night/"
    uid = "10000310-1796680800-1796688000@dctechcalendar.example.org"
    both = replace(GROUP, suppress_urls=(url,), suppress_uids=(uid,))
    shown, skipped = titles(both)
    assert not {"Startup Pitch Night", "Holiday Mixer (last year's listing)"} & set(shown)
    assert skipped["suppressed"] == 2


def test_the_new_group_keys_load():
    group = load_group(FIXTURES / "crossposts" / "groups" / "dctech-calendar.yaml")
    assert group.aggregator is True
    assert group.skip_phrases == ("Sponsored listing",)
    assert group.suppress_uids == ("10000310-1796680800-1796688000@dctechcalendar.example.org",)
    minimal = load_group(FIXTURES / "groups_good" / "minimal.yaml")
    assert (minimal.aggregator, minimal.skip_phrases, minimal.suppress_uids) == (False, (), ())


@pytest.mark.parametrize(
    ("written", "key", "says"),
    [
        ("skip_phrases: Sponsored listing\n", "skip_phrases", "must be a list of phrases"),
        ("skip_phrases: [2026]\n", "skip_phrases", "item 1 must be text, got 2026"),
        ("skip_phrases: ['Sponsored', '']\n", "skip_phrases", "item 2 '' needs at least 3 letters"),
        ("skip_phrases: [AI]\n", "skip_phrases", "item 1 'AI' needs at least 3 letters or digits"),
        ("skip_phrases: ['!!!!']\n", "skip_phrases", "needs at least 3 letters or digits"),
        (f"skip_phrases: [{LONG_PHRASE}]\n", "skip_phrases", "501 characters long; the limit"),
        ("skip_phrases: ['Sponsored\u202e ad']\n", "skip_phrases", "invisible control characters"),
        ("suppress_uids: event_1@meetup.com\n", "suppress_uids", "must be a list of event UIDs"),
        ("suppress_uids: ['']\n", "suppress_uids", "item 1 is empty"),
        ("suppress_uids: [12345]\n", "suppress_uids", "item 1 must be text, got 12345"),
        (f"suppress_uids: [{LONG_UID}]\n", "suppress_uids", "2,001 characters long"),
        ("aggregator: yes please\n", "aggregator", "must be true or false"),
        ("aggregators: true\n", "aggregators", "did you mean 'aggregator'?"),
    ],
)  # fmt: skip
def test_a_bad_noise_control_names_the_file_the_line_and_the_key(tmp_path, written, key, says):
    path = tmp_path / "dctech-calendar.yaml"
    path.write_text(GOOD + written, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_group(path)
    (error,) = caught.value.problems()
    assert (error.path, error.field, error.line) == (path, key, 3)
    assert says in str(error)


def test_a_list_over_the_item_limit_is_refused(tmp_path):
    path = tmp_path / "g.yaml"
    items = "".join(f"  - uid-{n}@example.org\n" for n in range(MAX_CONFIG_LIST_ITEMS + 1))
    path.write_text(f"{GOOD}suppress_uids:\n{items}", encoding="utf-8")
    with pytest.raises(ConfigError, match="1,001 items; the limit is 1,000"):
        load_group(path)


@pytest.fixture
def project(tmp_path, feed_server):
    feed_server.route("/dctech.ics", body=FEED)
    (tmp_path / "_groups").mkdir()
    (tmp_path / "_groups" / "dctech-calendar.yaml").write_text(
        f"{GOOD}ical: {feed_server.url('/dctech.ics')}\naggregator: true\n"
        "skip_phrases: [Sponsored listing]\n"
        "suppress_uids: [10000310-1796680800-1796688000@dctechcalendar.example.org]\n"
    )
    (tmp_path / "config.yaml").write_text("site_name: DC Tech Events\n")
    return tmp_path


def cli(project, *argv):
    store = f"sqlite:///{project}/store.db"
    config = str(project / "config.yaml")
    return dctech.main([argv[0], "--store", store, "--config", config, *argv[1:]])


def test_collect_and_feeds_show_what_the_rules_dropped(project, capsys):
    groups = ("--groups", str(project / "_groups"), "--today", "2026-12-01")
    assert cli(project, "collect", *groups) == 0
    row = "skipped: 2 by skip_phrases, 1 by suppress_urls/suppress_uids"
    assert row in capsys.readouterr().out
    assert cli(project, "feeds") == 0
    assert row in capsys.readouterr().out
    assert cli(project, "feeds", "--format", "json") == 0
    (state,) = json.loads(capsys.readouterr().out)
    assert state["skipped"] == {"skip_phrases": 2, "suppressed": 1}


def test_check_reports_a_bad_skip_phrase_with_file_and_key(project, capsys):
    bad = project / "_groups" / "bad.yaml"
    bad.write_text("name: Bad\nwebsite: https://example.org/\nskip_phrases: [AI]\n")
    assert cli(project, "check") == 1
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "skip_phrases" in err and "'AI'" in err
