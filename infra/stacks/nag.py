"""cdk-nag acknowledgements: each one names the rule and says why it does not apply here."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge `rule` (e.g. "AwsSolutions-S1" or "AwsSolutions-IAM5[Resource::...]") for
    `scope` and everything under it."""
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))
