"""The one way we define a Python Lambda function: a bundle from infra/build_lambda.py, Python 3.12
on arm64, JSON logs in its own log group, and a role that may do nothing else until granted."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.data import INDEXES
from stacks.nag import acknowledge
from stacks.settings import Settings

LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
TASK_ROOT = "/var/task"  # where Lambda unpacks a bundle: bundled data lives under it


def bundled_function(
    scope: Construct,
    id: str,
    *,
    settings: Settings,
    bundle: str,
    handler: str,
    memory_size: int,
    timeout: cdk.Duration,
    environment: dict[str, str],
    description: str,
    **options: object,
) -> lambda_.Function:
    log_group = logs.LogGroup(
        scope, f"{id}Logs", retention=LOG_RETENTION, removal_policy=settings.removal_policy
    )
    role = iam.Role(
        scope,
        f"{id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"{description}: its own log group plus what the stack grants",
    )
    log_group.grant_write(role)
    function = lambda_.Function(
        scope,
        id,
        description=description,
        runtime=lambda_.Runtime.PYTHON_3_12,
        architecture=lambda_.Architecture.ARM_64,
        code=lambda_.Code.from_asset(str(settings.bundle(bundle))),
        handler=handler,
        role=role,
        memory_size=memory_size,
        timeout=timeout,
        environment=environment,
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.JSON,
        application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
        system_log_level_v2=lambda_.SystemLogLevel.WARN,
        **options,
    )
    acknowledge(
        function,
        "AwsSolutions-L1",
        "Python 3.12 on purpose: build_lambda.py installs wheels built for CPython 3.12;"
        " upgrade the runtime and the wheels' target together.",
    )
    return function


def grant_table(function: lambda_.Function, table: dynamodb.ITable, actions: Sequence[str]) -> None:
    """Exactly `actions` on the table; Query also on the named GSIs (never `index/*`)."""
    function.add_to_role_policy(
        iam.PolicyStatement(actions=[f"dynamodb:{a}" for a in actions], resources=[table.table_arn])
    )
    if "Query" in actions:
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query"],
                resources=[f"{table.table_arn}/index/{name}" for name in INDEXES],
            )
        )
