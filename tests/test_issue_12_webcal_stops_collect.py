"""Issue 12: a group file whose `ical` is the `webcal://` link Google, Apple or Outlook hand out
made `dctech collect` exit 2 ("must be an http(s) URL"), so no group was collected at all.
The link must be accepted and its feed fetched (here the server speaks only plain HTTP)."""

from __future__ import annotations

import json
import shutil

from conftest import FIXTURES, REPO

import dctech


def test_a_webcal_group_is_collected_with_the_others(tmp_path, feed_server, capsys):
    feed_server.route("/pydc.ics", body=(FIXTURES / "collect" / "pydc_v1.ics").read_bytes())
    (tmp_path / "_groups").mkdir()
    webcal = feed_server.url("/pydc.ics").replace("http://", "webcal://")
    (tmp_path / "_groups" / "pydc.yaml").write_text(
        f"name: Python DC\nwebsite: https://www.meetup.com/pydc/\nical: {webcal}\n"
    )
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    store = ["--store", f"sqlite:///{tmp_path}/store.db", "--config", str(tmp_path / "config.yaml")]
    collect = ["collect", *store, "--groups", str(tmp_path / "_groups"), "--today", "2026-12-01"]

    assert dctech.main(collect) == 0

    assert "pydc" in capsys.readouterr().out
    assert dctech.main(["events", *store, "--today", "2026-12-01", "--format", "json"]) == 0
    assert {e["group_id"] for e in json.loads(capsys.readouterr().out)} == {"pydc"}
