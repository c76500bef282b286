"""The table's contract, pinned: the values deployed tables, the store's queries and
docs/architecture.md depend on. The CDK stack and `dctech store create` are compared to
core/store/schema.py (tests/test_infra.py, tests/test_store_dynamodb.py); this is what stops
an accidental edit of schema.py itself."""

from __future__ import annotations

from core.store import schema


def key(partition: str) -> list[dict[str, str]]:
    return [
        {"AttributeName": partition, "KeyType": "HASH"},
        {"AttributeName": "start_datetime", "KeyType": "RANGE"},
    ]


def test_the_contract_values():
    assert schema.TABLE_NAME == "DCTechEvents"
    assert schema.TTL_ATTRIBUTE == "ttl"
    assert schema.create_table_request() == {
        "TableName": "DCTechEvents",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("event_id", "start_datetime", "state", "group_id", "span_state")
        ],
        "KeySchema": key("event_id"),
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "DateIndex",
                "KeySchema": key("state"),
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "GroupIndex",
                "KeySchema": key("group_id"),
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "SpanIndex",  # sparse: events running past a midnight
                "KeySchema": key("span_state"),
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
    }


def test_the_request_names_any_table():
    assert schema.create_table_request("scratch")["TableName"] == "scratch"
