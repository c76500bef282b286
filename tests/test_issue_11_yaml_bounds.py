"""Issue 11, item 3: config files are bounded.

A group file comes from a stranger's pull request. Whatever it holds, `dctech check` and
`dctech collect` must answer in well under a second with a short, one-line error naming the
file and the key: no alias expansion, no huge file or value read through, no control characters
on the site, no error message that quotes a whole huge value.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import dctech
from core.config import ConfigError, load_group, load_single_event, load_site_config, validate_all
from core.limits import (
    MAX_CONFIG_BYTES,
    MAX_CONFIG_LIST_ITEMS,
    MAX_CONFIG_TEXT_CHARS,
    MAX_CONFIG_URL_CHARS,
    QUOTE_CHARS,
)

GOOD = "website: https://www.meetup.com/pydc/\nical: https://www.meetup.com/pydc/events/ical/\n"
SHORT = 300  # characters in any one error line, the path aside


def alias_bomb(levels: int = 9) -> str:
    """A "billion laughs": each level is nine aliases of the one before, and `submitted_by` is
    the last, 9**levels strings once expanded (an error message quoting it needs ~10 GB)."""
    lines = [f"name: &l0 [{', '.join(['lol'] * 9)}]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]")
    return "\n".join(lines) + f"\n{GOOD}submitted_by: *l{levels - 1}\n"


def group_file(tmp_path: Path, text: str, name: str = "pydc") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(load, path: Path) -> tuple[ConfigError, float]:
    """The error loading ``path`` raises, and how long it took to arrive."""
    start = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        load(path)
    return caught.value, time.perf_counter() - start


def assert_short(error: ConfigError) -> None:
    """Short apart from the file's path (a temporary folder's path is long under xdist)."""
    for line in str(error).replace(str(error.path), "FILE").splitlines():
        assert len(line) < SHORT, line[:SHORT]


def test_alias_bomb_is_refused_at_once_in_one_short_line(tmp_path):
    path = group_file(tmp_path, alias_bomb())
    error, seconds = refused(load_group, path)
    assert seconds < 1.0
    message = str(error)
    assert "\n" not in message and len(message) < SHORT
    assert message.startswith(f"{path}:1: key 'name': YAML anchors and aliases")
    assert "write the value out" in message


def test_a_single_alias_is_refused_too(tmp_path):
    path = group_file(tmp_path, f"name: &n Python DC\n{GOOD}submitted_by: *n\n")
    error, _ = refused(load_group, path)
    assert (error.path, error.field, error.line) == (path, "name", 1)
    assert "anchors and aliases" in str(error)


def test_an_alias_inside_a_list_names_the_key_and_line(tmp_path):
    suppress = "suppress_urls:\n  - &e https://www.meetup.com/pydc/events/1/\n  - *e\n"
    path = group_file(tmp_path, f"name: Python DC\n{GOOD}{suppress}")
    error, _ = refused(load_group, path)
    assert (error.field, error.line) == ("suppress_urls", 5)


def test_a_file_over_the_byte_limit_is_refused_without_being_parsed(tmp_path):
    text = f"name: Python DC\n{GOOD}"
    at_limit = group_file(tmp_path, text + "#" * (MAX_CONFIG_BYTES - len(text) - 1) + "\n")
    assert at_limit.stat().st_size == MAX_CONFIG_BYTES
    assert load_group(at_limit).name == "Python DC"
    # broken YAML first: had it been parsed, this would be a syntax error
    padding = "# " + "x" * MAX_CONFIG_BYTES + "\n"
    path = group_file(tmp_path, f"name: [unclosed\n{GOOD}{padding}")
    error, _ = refused(load_group, path)
    assert error.path == path and error.line is None
    assert "too large" in str(error) and f"{MAX_CONFIG_BYTES:,} bytes" in str(error)
    assert "syntax" not in str(error)


def test_a_2_mb_name_is_refused_fast(tmp_path):
    path = group_file(tmp_path, "name: " + "Python DC " * 200_000 + "\n" + GOOD)
    error, seconds = refused(load_group, path)
    assert seconds < 1.0
    assert "too large" in str(error)
    assert_short(error)


@pytest.mark.parametrize(
    ("key", "value", "limit"),
    [
        ("name", "P" * (MAX_CONFIG_TEXT_CHARS + 1), MAX_CONFIG_TEXT_CHARS),
        ("submitted_by", "J" * (MAX_CONFIG_TEXT_CHARS + 1), MAX_CONFIG_TEXT_CHARS),
        ("website", "https://example.org/" + "p" * MAX_CONFIG_URL_CHARS, MAX_CONFIG_URL_CHARS),
        ("fallback_url", "https://example.org/" + "p" * MAX_CONFIG_URL_CHARS, MAX_CONFIG_URL_CHARS),
    ],
)
def test_text_longer_than_its_limit_names_the_key_and_the_limit(tmp_path, key, value, limit):
    fields = {"name": "Python DC", "website": "https://example.org/", key: value[:limit]}
    written = "".join(f"{k}: {v}\n" for k, v in fields.items())
    assert getattr(load_group(group_file(tmp_path, written)), key) == value[:limit]
    fields[key] = value
    path = group_file(tmp_path, "".join(f"{k}: {v}\n" for k, v in fields.items()))
    error, _ = refused(load_group, path)
    assert (error.path, error.field, error.line) == (path, key, list(fields).index(key) + 1)
    assert f"{len(value):,} characters" in str(error) and f"{limit:,}" in str(error)
    assert_short(error)


def test_a_suppress_urls_list_over_the_item_limit_is_refused(tmp_path):
    items = "".join(
        f"  - https://www.meetup.com/pydc/events/{n}/\n" for n in range(MAX_CONFIG_LIST_ITEMS + 1)
    )
    path = group_file(tmp_path, f"name: Python DC\n{GOOD}suppress_urls:\n{items}")
    error, _ = refused(load_group, path)
    assert (error.field, error.line) == ("suppress_urls", 4)
    assert f"{MAX_CONFIG_LIST_ITEMS + 1:,} items" in str(error)
    assert f"{MAX_CONFIG_LIST_ITEMS:,}" in str(error)


@pytest.mark.parametrize(
    "written",
    [
        "'Python \u202eCD'",  # a right-to-left override, as is
        '"Python \\u202eCD"',  # the same, escaped
        '"Python\\0 DC"',  # NUL
        '"Python \\e[31mDC"',  # a terminal escape
        '"Python \\x9b DC"',  # a C1 control
    ],
)
def test_control_characters_in_a_name_are_refused(tmp_path, written):
    path = group_file(tmp_path, f"name: {written}\n{GOOD}")
    error, _ = refused(load_group, path)
    assert (error.field, error.line) == ("name", 1)
    assert "control characters" in str(error) and "remove them" in str(error)
    assert_short(error)


def test_a_raw_control_byte_in_the_file_names_the_line_and_key(tmp_path):
    path = group_file(tmp_path, f"name: Python DC\n{GOOD}submitted_by: Jane\x01Doe\n")
    error, _ = refused(load_group, path)
    assert (error.field, error.line) == ("submitted_by", 4)
    assert "U+0001" in str(error)


def test_control_characters_in_a_suppressed_url_are_refused(tmp_path):
    suppress = 'suppress_urls: ["https://www.meetup.com/pydc/events/1/\\u202e"]\n'
    error, _ = refused(load_group, group_file(tmp_path, f"name: Python DC\n{GOOD}{suppress}"))
    assert error.field == "suppress_urls" and "control characters" in str(error)


def test_line_breaks_and_tabs_in_a_name_become_spaces(tmp_path):
    path = group_file(tmp_path, f'name: "Python\\tDC\\nMonthly"\n{GOOD}')
    assert load_group(path).name == "Python DC Monthly"


def test_deep_nesting_is_refused_not_a_crash(tmp_path):
    path = group_file(tmp_path, "name: " + "[" * 2_000 + "]" * 2_000 + "\n" + GOOD)
    error, seconds = refused(load_group, path)
    assert seconds < 1.0
    assert (error.field, error.line) == ("name", 1) and "levels deep" in str(error)


LONG = "x" * 10_000


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (f"name: Python DC\nwebsite: ftp://{LONG}\n", "website"),
        (f"name: Python DC\nwebsite: ftp://{LONG[:1_900]}\n", "website"),
        (f"name: [{', '.join([LONG[:400]] * 20)}]\nwebsite: https://example.org/\n", "name"),
        (f"name: Python DC\n{GOOD}suppress_urls: [[{LONG[:1_500]}]]\n", "suppress_urls"),
        (f"name: Python DC\n{GOOD}suppress_urls: {LONG[:1_500]}\n", "suppress_urls"),
        (f"name: Python DC\n{GOOD}active: {LONG[:400]}\n", "active"),
        (f"name: Python DC: {LONG}\n{GOOD}", "name"),
        (f"name: Python DC\n{GOOD}{LONG[:1_000]}: 1\n", "x" * (QUOTE_CHARS - 1) + "…"),
    ],
)
def test_group_errors_quote_only_a_short_prefix_of_a_long_value(tmp_path, text, key):
    error, _ = refused(load_group, group_file(tmp_path, text))
    assert error.field == key
    assert "x" * (QUOTE_CHARS + 1) not in str(error)
    assert_short(error)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (f"timezone: America/{'x' * 400}\n", "timezone"),
        ("timezone: America\n", "timezone"),  # a folder of zones, not one
        (f"only_states: [DC, {'x' * 400}]\n", "only_states"),
        (f"only_states: [DC, [{'x' * 400}]]\n", "only_states"),
        (f"base_url: javascript:{'x' * 1_900}\n", "base_url"),
    ],
)
def test_site_config_errors_quote_only_a_short_prefix(tmp_path, text, key):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    error, _ = refused(load_site_config, path)
    assert error.field == key and "x" * (QUOTE_CHARS + 1) not in str(error)
    assert_short(error)


def test_single_event_errors_quote_only_a_short_prefix(tmp_path):
    path = tmp_path / "talk.yaml"
    path.write_text(f"title: Talk\ndate: '2026-12-01 {'x' * 400}'\n")
    error, _ = refused(load_single_event, path)
    assert error.field == "date" and "x" * (QUOTE_CHARS + 1) not in str(error)
    assert_short(error)


def test_a_missing_local_feed_is_quoted_short(tmp_path):
    (tmp_path / "_groups").mkdir()
    ical = f"feeds/{'x' * 1_900}.ics"
    group_file(tmp_path / "_groups", f"name: Local\nwebsite: https://example.org/\nical: {ical}\n")
    [problem] = validate_all(tmp_path)
    assert problem.field == "ical" and "x" * (QUOTE_CHARS + 1) not in str(problem)
    assert_short(problem)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A checkout with one good group and one alias bomb."""
    (tmp_path / "config.yaml").write_text("site_name: Test Events\ntimezone: America/New_York\n")
    (tmp_path / "_groups").mkdir()
    group_file(tmp_path / "_groups", f"name: Python DC\n{GOOD}")
    group_file(tmp_path / "_groups", alias_bomb(), name="bomb")
    return tmp_path


def run_dctech(checkout: Path, command: str) -> tuple[int, float]:
    """The exit code and how long the command took."""
    store = f"sqlite:///{checkout}/store.db"
    start = time.perf_counter()
    code = dctech.main([command, "--store", store, "--config", str(checkout / "config.yaml")])
    return code, time.perf_counter() - start


def test_dctech_check_reports_an_alias_bomb_at_once(checkout, capsys):
    code, seconds = run_dctech(checkout, "check")
    assert (code, seconds < 1.0) == (1, True)
    err = capsys.readouterr().err
    bomb = checkout / "_groups" / "bomb.yaml"
    assert err.splitlines() == [
        f"error: {bomb}:1: key 'name': YAML anchors and aliases (&name / *name) are not "
        "allowed: write the value out"
    ]


def test_dctech_collect_stops_at_an_alias_bomb_at_once(checkout, capsys, monkeypatch):
    monkeypatch.chdir(checkout)  # collect reads _groups/ from the working directory
    code, seconds = run_dctech(checkout, "collect")
    assert (code, seconds < 1.0) == (2, True)
    err = capsys.readouterr().err
    assert "bomb.yaml:1: key 'name': YAML anchors and aliases" in err
    assert len(err) < SHORT
