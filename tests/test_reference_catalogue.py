"""`_groups/` holds the whole reference catalogue (issue 12, item 1): every group of
../shared/reference/dc-tech-groups.yaml (beside the repository; the test is skipped without it,
as tests/test_corpus.py is without the corpus), each with the reference's topics.

The renames: the import (commit e38c4c1) slugged every reference id, each run of characters
other than lowercase letters, digits and '_' becoming one '-'. That changed the seven ids with
characters a group id may not have (core.config.GROUP_ID; "meetup-dc-code-&-coffee" is
"meetup-dc-code-coffee") and one with a run of '-' ("...-coders-dc---wgxc-dc" is
"...-coders-dc-wgxc-dc"), and no other. A renamed file follows the reference group's feed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from core.config import GROUP_ID, load_groups

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference" / "dc-tech-groups.yaml"
if not REFERENCE.is_file():
    pytest.skip(f"no reference catalogue at {REFERENCE}", allow_module_level=True)

LISTED = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
OURS = {g.group_id: g for g in load_groups(REPO / "_groups")}


def our_id(reference_id: str) -> str:
    """The id the import gave a reference group (see the module docstring)."""
    return re.sub(r"[^a-z0-9_]+", "-", reference_id.lower()).strip("-")


def test_the_rule_gives_the_renames_the_import_made():
    assert our_id("meetup-dc-code-&-coffee") == "meetup-dc-code-coffee"
    assert our_id("ical-she's-in-tech") == "ical-she-s-in-tech"
    assert our_id("meetup-elastic-washington,-d.c.-user-group") == (
        "meetup-elastic-washington-d-c-user-group"
    )
    assert our_id("meetup-women-and-gender-expansive-coders-dc---wgxc-dc") == (
        "meetup-women-and-gender-expansive-coders-dc-wgxc-dc"
    )
    assert our_id("ai_innovators_network") == "ai_innovators_network"  # '_' is kept
    renamed = [g["id"] for g in LISTED if our_id(g["id"]) != g["id"]]
    assert len(renamed) == 8
    assert sum(not GROUP_ID.fullmatch(r) for r in renamed) == 7


def test_every_reference_group_is_in_groups_under_its_id_or_its_rename():
    assert len(LISTED) >= 145
    missing = [g["id"] for g in LISTED if our_id(g["id"]) not in OURS]
    assert missing == []
    assert len({our_id(g["id"]) for g in LISTED}) == len(LISTED), "two renames collide"
    for listed in LISTED:
        if our_id(listed["id"]) != listed["id"]:  # a rename: the same group, by its feed
            assert OURS[our_id(listed["id"])].ical == listed["ical"], listed["id"]


def test_each_group_has_the_reference_topics():
    differ = {
        g["id"]: (sorted(OURS[our_id(g["id"])].categories), sorted(g.get("categories") or []))
        for g in LISTED
        if our_id(g["id"]) in OURS
        and sorted(OURS[our_id(g["id"])].categories) != sorted(g.get("categories") or [])
    }
    assert differ == {}, "ours, then the reference's"
