"""Topics: `_categories/<slug>.yaml`, named by groups and single events, carried by events."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime

import pytest
from conftest import FIXTURES, REPO

import dctech
from collector.run import collect
from core.config import ConfigError, load_catalogue, load_category
from core.models import SiteConfig
from core.store.sqlite import SQLiteStore

TODAY = date(2026, 12, 1)


@pytest.fixture
def repo(tmp_path):
    """Two topics, two groups (pydc cross-posts novajs's meetup), one single event."""
    (tmp_path / "_categories").mkdir()
    for slug, name in (("ai", "AI & Machine Learning"), ("javascript", "JavaScript")):
        (tmp_path / "_categories" / f"{slug}.yaml").write_text(
            f"name: {name}\ndescription: {name} events\n"
        )
    (tmp_path / "_groups").mkdir()
    (tmp_path / "_single_events").mkdir()
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    return tmp_path


def group(repo, gid: str, url: str, topics: str) -> None:
    (repo / "_groups" / f"{gid}.yaml").write_text(
        f"name: {gid}\nwebsite: https://example.org/{gid}/\nical: {url}\ncategories: {topics}\n"
    )


def test_the_repository_lists_every_reference_topic_and_gives_groups_topics():
    catalogue = load_catalogue(REPO / "_groups", REPO / "_single_events", REPO / "_categories")
    assert len(catalogue.categories) == 26
    assert len(catalogue.groups) >= 145
    assert sum(bool(g.categories) for g in catalogue.groups) >= 144
    assert {"ai", "cybersecurity"} <= {c.slug for c in catalogue.categories}


def test_an_unknown_topic_names_the_file_the_key_and_the_closest_slug(repo):
    group(repo, "pydc", "https://example.org/pydc.ics", "[a1, javascript]")
    with pytest.raises(ConfigError) as caught:
        load_catalogue(repo / "_groups", repo / "_single_events", repo / "_categories")
    assert caught.value.path.name == "pydc.yaml" and caught.value.field == "categories"
    assert "unknown topic 'a1'; did you mean 'ai'?" in str(caught.value)


def test_dctech_check_reports_unknown_topics_in_single_events_too(repo, capsys):
    (repo / "_single_events" / "summit.yaml").write_text(
        "title: Summit\ndate: '2026-12-05'\ncategories: [javscript]\n"
    )
    assert dctech.main(["check", "--config", str(repo / "config.yaml")]) == 1
    err = capsys.readouterr().err
    assert "summit.yaml" in err and "did you mean 'javascript'?" in err


def test_check_takes_the_folders_collect_takes(repo, tmp_path_factory, capsys):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "ai.yaml").write_text("name: AI\n")  # no description
    argv = ["check", "--config", str(repo / "config.yaml"), "--categories", str(elsewhere)]
    assert dctech.main(argv) == 1
    assert "key 'description': is required" in capsys.readouterr().err


def test_a_topic_file_is_validated_like_a_group(tmp_path):
    (tmp_path / "Bad Slug.yaml").write_text("name: X\ndescription: Y\nextra: 1\n")
    with pytest.raises(ConfigError) as caught:
        load_category(tmp_path / "Bad Slug.yaml")
    message = str(caught.value)
    assert "rename it bad-slug.yaml" in message and "key 'extra': unknown key" in message


def test_an_events_topics_are_its_groups_every_cross_posters_and_its_own(repo, feed_server):
    pydc = feed_server.route("/pydc.ics", body=(FIXTURES / "collect" / "pydc_v1.ics").read_bytes())
    nova = feed_server.route("/nova.ics", body=(FIXTURES / "collect" / "novajs.ics").read_bytes())
    group(repo, "pydc", pydc, "[ai]")
    group(repo, "novajs", nova, "[javascript]")
    (repo / "_single_events" / "summit.yaml").write_text(
        "title: DC AI Summit\ndate: '2026-12-05'\nlocation: 901 G St NW, Washington, DC\n"
        "categories: [ai]\n"
    )
    catalogue = load_catalogue(repo / "_groups", repo / "_single_events", repo / "_categories")
    store = SQLiteStore(repo / "events.db")
    collect(
        store,
        catalogue.groups,
        SiteConfig(),
        today=TODAY,
        now=datetime(2026, 12, 1, 17, tzinfo=UTC),
        single_events=catalogue.single_events,
    )
    by_title = {e.title: e for e in store.query_by_state("DC", "2026-12-01T00:00:00")}
    shared = [e for e in by_title.values() if e.also_published_by]
    assert shared and all(e.categories == ["ai", "javascript"] for e in shared)
    assert by_title["DC AI Summit"].categories == ["ai"]
    assert {tuple(e.categories) for e in by_title.values()} <= {("ai",), ("ai", "javascript")}
