"""Shared test setup: no real AWS, no internet, fixtures reachable by name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["feed_server"]  # the `feed_server` fixture: a real HTTP server on 127.0.0.1

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent

# Never let a test reach a real AWS account.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
)
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("DCTECH_STORE", None)


@pytest.fixture
def fixture_path():
    """fixture_path("feeds/meetup.ics") -> Path inside tests/fixtures."""
    return lambda name: FIXTURES / name
