"""The write path's secrets: the OAuth client secret, the session key and the origin secret
(the header CloudFront adds to what it forwards, api/abuse.py's proof that a request came
through it).

Locally they come from the environment (core/runtime.py's GitHubSettings); in Lambda from one
Secrets Manager secret, read once per container, so they are never in the function's
configuration, a template or a log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from core.errors import DctechError
from core.runtime import GitHubSettings

MIN_KEY_CHARS = 32


class SignInOff(DctechError):
    """Sign-in is not configured here; the message names what is missing."""


@dataclass(frozen=True)
class Credentials:
    client_secret: str
    session_key: bytes

    def __repr__(self) -> str:
        return "Credentials(<secret>)"


def credentials(settings: GitHubSettings) -> Credentials:
    """The secrets ``settings`` point at; SignInOff when sign-in cannot work."""
    if not settings.enabled:
        raise SignInOff("sign-in is off: set DCTECH_GITHUB_CLIENT_ID and DCTECH_SUBMISSIONS_REPO")
    if settings.secret_arn:
        secret, key = _from_secrets_manager(settings.secret_arn)
    else:
        secret, key = settings.client_secret or "", settings.session_key or ""
    if not secret or len(key) < MIN_KEY_CHARS:
        raise SignInOff(
            "sign-in is off: the client secret and a session key of at least"
            f" {MIN_KEY_CHARS} characters are needed (DCTECH_GITHUB_CLIENT_SECRET and"
            " DCTECH_SESSION_KEY, or the secret DCTECH_GITHUB_SECRET_ARN names)"
        )
    return Credentials(secret, key.encode())


def origin_secret(settings: GitHubSettings) -> str | None:
    """The value CloudFront sends as the origin header; None when none is configured (a local
    run, where nothing stands in front of the API)."""
    return _secret_string(settings.origin_secret_arn) if settings.origin_secret_arn else None


def _from_secrets_manager(arn: str) -> tuple[str, str]:
    try:
        values = json.loads(_secret_string(arn))
        return str(values["client_secret"]), str(values["session_key"])
    except (ValueError, KeyError, TypeError):
        raise SignInOff(
            "the sign-in secret must be JSON with client_secret and session_key"
        ) from None


@lru_cache(maxsize=4)
def _secret_string(arn: str) -> str:
    import boto3  # Lambda only: a local run reads the environment

    return str(boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
