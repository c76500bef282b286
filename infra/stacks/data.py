"""The stateful part: the Events table (docs/architecture.md), in a stack of its own so the
rest of the system can be replaced or torn down without touching the data.

Name, keys, indexes and TTL come from core/store/schema.py, the one definition the store and
`dctech store create` use too: the only module of ours that infra imports (a pure one)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from core.store import schema
from stacks.settings import Settings

TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
INDEXES = tuple(index.name for index in schema.INDEXES)  # for grants and alarms


def attribute(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=TYPES[schema.ATTRIBUTE_TYPES[name]])


class DataStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, *, settings: Settings, **kwargs) -> None:
        super().__init__(scope, id, description="DC Tech Events: the Events table", **kwargs)
        self.table = dynamodb.Table(
            self,
            "Events",
            table_name=(
                schema.TABLE_NAME if settings.prod else f"{schema.TABLE_NAME}-{settings.stage}"
            ),
            partition_key=attribute(schema.PARTITION_KEY),
            sort_key=attribute(schema.SORT_KEY),
            billing_mode=dynamodb.BillingMode(schema.BILLING_MODE),
            time_to_live_attribute=schema.TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=settings.prod,
            removal_policy=settings.removal_policy,
        )
        for index in schema.INDEXES:
            self.table.add_global_secondary_index(
                index_name=index.name,
                partition_key=attribute(index.partition_key),
                sort_key=attribute(index.sort_key),
                projection_type=dynamodb.ProjectionType(index.projection),
            )
        cdk.CfnOutput(self, "TableName", value=self.table.table_name)
