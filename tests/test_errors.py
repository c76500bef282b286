"""One error root: every error raised on purpose is a DctechError, carries its facts as
attributes and says what to do; the CLI catches the root once and prints it as one line."""

from __future__ import annotations

import argparse

import pytest

import dctech
from api.app import ApiError
from collector.fetch import _Failure
from collector.parse import FeedError
from core.errors import ConfigError, ConfigErrors, DctechError
from core.store.base import StoreError
from core.store.dynamodb_errors import ConditionFailed


@pytest.mark.parametrize(
    "kind", [ConfigError, ConfigErrors, StoreError, ConditionFailed, FeedError, ApiError, _Failure]
)
def test_every_error_class_derives_from_the_root(kind):
    assert issubclass(kind, DctechError)


def test_a_hint_says_what_to_do_after_the_message():
    error = DctechError("no event store at x.db", hint="run `dctech collect` first")
    assert str(error) == "no event store at x.db: run `dctech collect` first"
    assert error.hint == "run `dctech collect` first"
    assert str(DctechError("plain")) == "plain" and DctechError("plain").hint is None


def test_the_errors_keep_their_data_as_attributes():
    config = ConfigError("_groups/x.yaml", "must be an http(s) URL", "website", 3)
    assert (str(config.path), config.field, config.line) == ("_groups/x.yaml", "website", 3)
    assert str(config) == "_groups/x.yaml:3: key 'website': must be an http(s) URL"
    api = ApiError(400, "invalid_parameter", "limit must be 1-500", "limit")
    assert (api.status, api.code, api.parameter, str(api)) == (
        400,
        "invalid_parameter",
        "limit",
        "limit must be 1-500",
    )
    failure = _Failure("HTTP 503", retryable=True, status=503)
    assert (str(failure), failure.retryable, failure.status) == ("HTTP 503", True, 503)


def cli_raising(monkeypatch, error: Exception) -> int:
    """dctech.main() with a command that raises ``error``: what main does with it alone."""

    def run(args: argparse.Namespace) -> int:
        raise error

    def parser() -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser()
        parser.set_defaults(run=run)
        return parser

    monkeypatch.setattr(dctech, "_parser", parser)
    return dctech.main([])


@pytest.mark.parametrize(
    "error",
    [
        StoreError("no event store at x.db: run `dctech collect` first (or pass --store)"),
        ConfigError("_groups/x.yaml", "must be an http(s) URL, got 'ftp://x'", "website", 2),
        FeedError("not an iCalendar feed", hint="check the group's ical URL"),
    ],
    ids=type,
)
def test_the_cli_prints_any_dctech_error_as_one_line_and_exits_2(monkeypatch, capsys, error):
    assert cli_raising(monkeypatch, error) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"error: {error}\n")


def test_the_cli_does_not_hide_a_bug(monkeypatch):
    with pytest.raises(ZeroDivisionError):
        cli_raising(monkeypatch, ZeroDivisionError("a bug: show the traceback"))
