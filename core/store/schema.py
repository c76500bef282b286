"""The Events table (docs/architecture.md), defined once: name, keys, attribute types, GSIs, TTL.

Plain data, so that everything holding a copy of the schema reads it from here: the DynamoDB
store (its requests), ``dctech store create`` (``create_table_request``), the CDK stack
(infra/stacks/data.py imports this module and nothing else of ours) and the tests. No boto3,
no CDK: the stack must import it without the store's dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TABLE_NAME = "DCTechEvents"  # production; other CDK stages get DCTechEvents-<stage>
PARTITION_KEY = "event_id"
SORT_KEY = "start_datetime"  # local ISO time: sorts as it reads
TTL_ATTRIBUTE = "ttl"  # epoch seconds; DynamoDB deletes an item some time after
BILLING_MODE = "PAY_PER_REQUEST"  # on demand: a daily burst, then a trickle of reads
STRING = "S"


@dataclass(frozen=True)
class Index:
    """A GSI: one partition of it, sorted by start, is one key-condition Query. Every attribute
    is projected, so a listing never goes back to the table for an item."""

    name: str
    partition_key: str
    sort_key: str = SORT_KEY
    projection: str = "ALL"


DATE_INDEX = Index("DateIndex", "state")  # DC/MD/VA, or ALL for no state -> events by start
GROUP_INDEX = Index("GroupIndex", "group_id")  # a group's events by start
# Sparse: span_state (the item's DateIndex partition) is set only on events that run past the
# midnight after their start, so a listing finds what is still running when its window opens
# without reading every event of the lookback days.
SPAN_INDEX = Index("SpanIndex", "span_state")
INDEXES = (DATE_INDEX, GROUP_INDEX, SPAN_INDEX)

# The type of every key attribute, of the table and of its indexes (DynamoDB declares no others).
ATTRIBUTE_TYPES: dict[str, str] = dict.fromkeys(
    (PARTITION_KEY, SORT_KEY, *(a for i in INDEXES for a in (i.partition_key, i.sort_key))),
    STRING,
)


def key_schema(partition_key: str, sort_key: str = SORT_KEY) -> list[dict[str, str]]:
    return [
        {"AttributeName": partition_key, "KeyType": "HASH"},
        {"AttributeName": sort_key, "KeyType": "RANGE"},
    ]


def create_table_request(table_name: str = TABLE_NAME) -> dict[str, Any]:
    """The schema as DynamoDB CreateTable parameters: the same shape as CloudFormation's
    AWS::DynamoDB::Table properties, which is how the tests compare the stack to it. TTL is a
    separate call (UpdateTimeToLive with ``TTL_ATTRIBUTE``)."""
    return {
        "TableName": table_name,
        "BillingMode": BILLING_MODE,
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind} for name, kind in ATTRIBUTE_TYPES.items()
        ],
        "KeySchema": key_schema(PARTITION_KEY),
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index.name,
                "KeySchema": key_schema(index.partition_key, index.sort_key),
                "Projection": {"ProjectionType": index.projection},
            }
            for index in INDEXES
        ],
    }
