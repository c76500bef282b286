"""What a failed DynamoDB call means, in words: every boto3/botocore error becomes a StoreError
that says what happened and what to do, so the CLI prints one line and Lambda logs one reason.

``DynamoDBStore._errors`` (core/store/dynamodb.py) is the one place that calls ``store_error``;
the original exception stays attached as the StoreError's ``__cause__``.
"""

from __future__ import annotations

from botocore import exceptions as aws

from core.store.base import StoreError

THROTTLED = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
DENIED = frozenset(
    {
        "AccessDeniedException",
        "UnrecognizedClientException",  # an unknown access key
        "InvalidSignatureException",  # a wrong secret key
        "ExpiredTokenException",
        "MissingAuthenticationTokenException",
    }
)
CREDENTIALS = (
    aws.NoCredentialsError,
    aws.PartialCredentialsError,
    aws.CredentialRetrievalError,
    aws.ProfileNotFound,
    aws.TokenRetrievalError,
    aws.SSOError,
)
NETWORK = (aws.ConnectionError, aws.HTTPClientError)  # refused, timed out, dropped, proxy


class ConditionFailed(StoreError):
    """A conditional write found its item changed or gone: a StoreError like any other, except
    to a caller that expects it (a touch of an event deleted meanwhile)."""


def store_error(exc: Exception, table: str, endpoint: str | None) -> StoreError:
    """The StoreError for ``exc``, raised by a call on ``table`` at ``endpoint`` (None when the
    client could not even be made)."""
    at = f"table {table!r} at {endpoint}"
    if isinstance(exc, aws.ClientError):
        error = exc.response.get("Error", {})
        code, op = error.get("Code", ""), exc.operation_name
        said = f"{code}: {error.get('Message', '')}"
        if code == "ResourceNotFoundException":
            return StoreError(
                f"DynamoDB table {table!r} not found at {endpoint}: create it with"
                f" `dctech store create --store dynamodb://{table}` or deploy the infra stack"
            )
        if code == "ConditionalCheckFailedException":
            return ConditionFailed(
                f"DynamoDB {op} on {at}: its condition failed, the item was changed or deleted"
                " meanwhile: read it again and retry"
            )
        if code in THROTTLED:
            return StoreError(
                f"DynamoDB throttled {op} on {at} even after retries ({said}): retry later; if"
                " it persists, check the throttle alarm and the account's DynamoDB quotas"
            )
        if code in DENIED:
            return StoreError(
                f"AWS refused {op} on {at} ({said}): check which credentials are in use"
                f" (`aws sts get-caller-identity`) and that they may call dynamodb:{op} on it"
            )
        if code == "ValidationException":
            return StoreError(
                f"DynamoDB rejected {op} on {at} as invalid ({said}): a table not made by"
                " `dctech store create` or the infra stack may have another schema;"
                " otherwise it is a bug in core/store"
            )
        if code == "ResourceInUseException":
            return StoreError(
                f"DynamoDB {at} is being created, updated or deleted ({said}): wait until it"
                " is ACTIVE and retry"
            )
        return StoreError(
            f"DynamoDB {op} on {at} failed ({said}): retry later; if it persists, look"
            f" {code} up in the DynamoDB API reference"
        )
    if isinstance(exc, aws.NoRegionError):
        return StoreError(
            "no AWS region for DynamoDB: set AWS_REGION (e.g. us-east-1), or give your AWS"
            " profile a region"
        )
    if isinstance(exc, CREDENTIALS):
        return StoreError(
            f"no usable AWS credentials ({exc}): set AWS_PROFILE (after `aws sso login` if it"
            " uses SSO), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; any values do for"
            " DynamoDB Local"
        )
    if isinstance(exc, NETWORK):
        return StoreError(
            f"cannot reach DynamoDB at {endpoint} ({exc}): check the network, or"
            " AWS_ENDPOINT_URL if you meant DynamoDB Local (is it running?)"
        )
    if isinstance(exc, aws.WaiterError):
        return StoreError(
            f"DynamoDB {at} did not become ACTIVE in time ({exc}): look at it with"
            f" `aws dynamodb describe-table --table-name {table}`, then run"
            " `dctech store create` again"
        )
    return StoreError(
        f"DynamoDB call on {at} failed before reaching it ({type(exc).__name__}: {exc}):"
        " a bug in core/store if the request was invalid; otherwise retry"
    )
