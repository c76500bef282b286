"""Every way a DynamoDB call can fail leaves the store as a StoreError that says what happened
and what to do (core/store/dynamodb_errors.py): service errors through botocore's Stubber,
unreachable endpoints, missing credentials and profiles for real, the rest raised by a stand-in
client."""

from __future__ import annotations

import socket
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import exceptions as aws
from botocore.config import Config
from botocore.credentials import CredentialResolver
from botocore.stub import Stubber
from store_backends import TABLE, make_event

from core.store.base import StoreError, Touch
from core.store.dynamodb import DynamoDBStore
from core.store.dynamodb_errors import ConditionFailed, store_error

AWS_ENDPOINT = "https://dynamodb.us-east-1.amazonaws.com"
AT = f"table 'DCTechEvents' at {AWS_ENDPOINT}"
START = "2026-12-01T00:00:00"


def failing_query(code: str, message: str = "it went wrong") -> StoreError:
    """What a listing raises when DynamoDB answers its Query with error ``code``."""
    client = boto3.client("dynamodb")
    with Stubber(client) as stubber:
        stubber.add_client_error("query", service_error_code=code, service_message=message)
        with pytest.raises(StoreError) as error:
            list(DynamoDBStore(TABLE, client=client).query_by_state("DC", START))
    assert isinstance(error.value.__cause__, aws.ClientError)  # kept for the traceback
    return error.value


@pytest.mark.parametrize(
    ("code", "says"),
    [
        (
            "ResourceNotFoundException",
            f"DynamoDB table 'DCTechEvents' not found at {AWS_ENDPOINT}: create it with"
            " `dctech store create --store dynamodb://DCTechEvents` or deploy the infra stack",
        ),
        ("ProvisionedThroughputExceededException", f"DynamoDB throttled Query on {AT}"),
        ("ThrottlingException", "even after retries (ThrottlingException: it went wrong)"),
        ("RequestLimitExceeded", "retry later; if it persists, check the throttle alarm"),
        ("AccessDeniedException", f"AWS refused Query on {AT} (AccessDeniedException: it"),
        ("UnrecognizedClientException", "`aws sts get-caller-identity`) and that they may call"),
        ("ExpiredTokenException", "may call dynamodb:Query on it"),
        ("ValidationException", f"DynamoDB rejected Query on {AT} as invalid (Validation"),
        ("ResourceInUseException", f"DynamoDB {AT} is being created, updated or deleted"),
        ("InternalServerError", f"Query on {AT} failed (InternalServerError: it went wrong)"),
    ],
)
def test_each_service_error_says_what_happened_and_what_to_do(code, says):
    assert says in str(failing_query(code))


def test_a_failed_condition_is_a_store_error_of_its_own():
    error = store_error(
        aws.ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "PutItem"),
        TABLE,
        AWS_ENDPOINT,
    )
    assert isinstance(error, ConditionFailed) and isinstance(error, StoreError)
    assert str(error).startswith(f"DynamoDB PutItem on {AT}: its condition failed")


def test_a_touch_of_a_deleted_event_is_no_error_but_a_throttled_one_is():
    client = boto3.client("dynamodb")
    store = DynamoDBStore(TABLE, client=client)
    touch = Touch("e", START, "2026-12-01", 1_950_000_000)
    with Stubber(client) as stubber:
        stubber.add_client_error("update_item", "ConditionalCheckFailedException")
        store.touch_events([touch])
        stubber.add_client_error("update_item", "ProvisionedThroughputExceededException")
        with pytest.raises(StoreError, match="throttled UpdateItem"):
            store.touch_events([touch])


class Failing:
    """A client whose every operation raises ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.meta = type("Meta", (), {"endpoint_url": "http://127.0.0.1:8000"})

    def __getattr__(self, name: str) -> Any:
        def call(**_: Any) -> Any:
            raise self.error

        return call


EVENT = make_event("e", "2026-12-01T18:00:00")
EVERY_STORE_CALL = {
    "query_by_state": lambda s: list(s.query_by_state("DC", START)),
    "query_by_state split": lambda s: list(s.query_by_state("DC", "", ends_after=START)),
    "query_by_group": lambda s: list(s.query_by_group("dc-python")),
    "get_events": lambda s: s.get_events([EVENT.key]),
    "put_events": lambda s: s.put_events([EVENT]),
    "delete_events": lambda s: s.delete_events([EVENT.key]),
    "touch_events": lambda s: s.touch_events([Touch("e", START, "2026-12-01", 1)]),
    "load_feed_states": lambda s: s.load_feed_states(),
    "save_feed_states": lambda s: s.save_feed_states({}),
}


@pytest.mark.parametrize("call", EVERY_STORE_CALL.values(), ids=EVERY_STORE_CALL.keys())
def test_every_store_call_translates_errors(call):
    error = aws.ClientError({"Error": {"Code": "ThrottlingException"}}, "Any")
    with pytest.raises(StoreError, match="throttled") as raised:
        call(DynamoDBStore(TABLE, client=Failing(error)))
    assert raised.value.__cause__ is error


def closed_port() -> str:
    """The URL of a local port nothing listens on: no test request leaves the machine."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_an_unreachable_endpoint_names_it():
    endpoint = closed_port()
    config = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=2)
    client = boto3.client("dynamodb", endpoint_url=endpoint, config=config)
    with pytest.raises(StoreError) as error:
        list(DynamoDBStore(TABLE, client=client).query_by_state("DC", START))
    assert isinstance(error.value.__cause__, aws.EndpointConnectionError)
    assert str(error.value).startswith(f"cannot reach DynamoDB at {endpoint} (Could not connect")
    assert str(error.value).endswith(
        "AWS_ENDPOINT_URL if you meant DynamoDB Local (is it running?)"
    )


def test_no_credentials_says_how_to_give_them():
    session = botocore.session.get_session()
    session.register_component("credential_provider", CredentialResolver([]))  # finds none
    client = boto3.Session(botocore_session=session).client("dynamodb", endpoint_url=closed_port())
    with pytest.raises(StoreError) as error:
        DynamoDBStore(TABLE, client=client).load_feed_states()
    assert isinstance(error.value.__cause__, aws.NoCredentialsError)
    assert str(error.value).startswith("no usable AWS credentials (Unable to locate credentials)")
    assert "set AWS_PROFILE" in str(error.value)


def test_an_unknown_profile_is_a_credentials_error(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_PROFILE", "nosuchprofile")
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port())
    with pytest.raises(
        StoreError, match=r"no usable AWS credentials \(The config profile"
    ) as error:
        DynamoDBStore(TABLE).put_events([EVENT])
    assert isinstance(error.value.__cause__, aws.ProfileNotFound)


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (
            aws.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"),
            "no usable AWS credentials (Partial credentials found in env",
        ),
        (
            aws.SSOTokenLoadError(error_msg="token expired"),
            "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; any values do for DynamoDB Local",
        ),
        (
            aws.ReadTimeoutError(endpoint_url="http://127.0.0.1:8000"),
            "cannot reach DynamoDB at http://127.0.0.1:8000 (Read timeout",
        ),
        (aws.ConnectionClosedError(endpoint_url="http://x"), "cannot reach DynamoDB at"),
        (
            aws.WaiterError(name="TableExists", reason="Max attempts exceeded", last_response={}),
            "did not become ACTIVE in time (Waiter TableExists failed: Max attempts exceeded):"
            " look at it with `aws dynamodb describe-table --table-name DCTechEvents`",
        ),
        (
            aws.ParamValidationError(report="Invalid length for parameter Key"),
            "failed before reaching it (ParamValidationError: Parameter validation failed",
        ),
    ],
)
def test_each_client_side_error_says_what_happened_and_what_to_do(error, says):
    with pytest.raises(StoreError) as raised:
        DynamoDBStore(TABLE, client=Failing(error)).get_events([EVENT.key])
    assert says in str(raised.value)
    assert raised.value.__cause__ is error
