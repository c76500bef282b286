"""The stateful part: the Events table of ARCHITECTURE.md, in a stack of its own so the rest of the
system can be replaced or torn down without touching the data."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from stacks.settings import Settings

STRING = dynamodb.AttributeType.STRING
DATE_INDEX = "DateIndex"  # state -> upcoming events by start
GROUP_INDEX = "GroupIndex"  # group_id -> its events by start
# span_state (set only on events running past the midnight after their start) -> those events
# by start: listings find what is still running at a window's start without a lookback read.
SPAN_INDEX = "SpanIndex"
INDEXES = (DATE_INDEX, GROUP_INDEX, SPAN_INDEX)


class DataStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, *, settings: Settings, **kwargs) -> None:
        super().__init__(scope, id, description="DC Tech Events: the Events table", **kwargs)
        self.table = dynamodb.Table(
            self,
            "Events",
            table_name=settings.prefix,
            partition_key=dynamodb.Attribute(name="event_id", type=STRING),
            sort_key=dynamodb.Attribute(name="start_datetime", type=STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute="ttl",
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=settings.prod,
            removal_policy=settings.removal_policy,
        )
        partitions = {DATE_INDEX: "state", GROUP_INDEX: "group_id", SPAN_INDEX: "span_state"}
        for name, partition in partitions.items():
            self.table.add_global_secondary_index(
                index_name=name,
                partition_key=dynamodb.Attribute(name=partition, type=STRING),
                sort_key=dynamodb.Attribute(name="start_datetime", type=STRING),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        cdk.CfnOutput(self, "TableName", value=self.table.table_name)
