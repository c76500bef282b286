"""Shared test setup: no real AWS, no internet, fixtures reachable by name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from moto.core.config import default_user_config

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

# moto drops boto3's default session at the start of every mock, so that a mock's fake
# credentials cannot reach AWS from a later unmocked test; then each test's first clients load
# the service models again (0.15 s a test). No test reaches AWS, and the credentials above are
# fake everywhere: keep the session.
default_user_config["core"]["reset_boto3_session"] = False


@pytest.fixture
def fixture_path():
    """fixture_path("feeds/meetup.ics") -> Path inside tests/fixtures."""
    return lambda name: FIXTURES / name
