"""`dctech store create`: the one command that makes a store, the one the errors point to."""

from __future__ import annotations

from pathlib import Path

import boto3
from moto import mock_aws

from core.store import schema
from dctech import main

REPO = Path(__file__).parent.parent
CONFIG = str(REPO / "config.yaml")


def test_it_creates_a_dynamodb_table_once(capsys):
    with mock_aws():
        assert main(["store", "create", "--store", "dynamodb://Scratch"]) == 0
        assert main(["store", "create", "--store", "dynamodb://Scratch"]) == 0
        client = boto3.client("dynamodb")
        table = client.describe_table(TableName="Scratch")["Table"]
        ttl = client.describe_time_to_live(TableName="Scratch")["TimeToLiveDescription"]
    assert capsys.readouterr().out.splitlines() == [
        "dynamodb://Scratch: created",
        "dynamodb://Scratch: already exists",
    ]
    assert table["TableStatus"] == "ACTIVE"
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == [
        i.name for i in schema.INDEXES
    ]
    assert ttl["AttributeName"] == schema.TTL_ATTRIBUTE


def test_a_table_with_another_schema_is_an_error(capsys):
    with mock_aws():
        request = schema.create_table_request("Scratch")
        del request["GlobalSecondaryIndexes"]  # the primary key only
        request["AttributeDefinitions"] = request["AttributeDefinitions"][:2]
        boto3.client("dynamodb").create_table(**request)
        assert main(["store", "create", "--store", "dynamodb://Scratch"]) == 2
    assert capsys.readouterr().err.startswith(
        "error: DynamoDB table 'Scratch' at https://dynamodb.us-east-1.amazonaws.com already"
        " exists with another AttributeDefinitions, GlobalSecondaryIndexes than"
        " core/store/schema.py defines: delete it (or use another table name)"
    )


def test_the_missing_table_error_names_the_command_that_fixes_it(capsys):
    events = [
        "events",
        "--store",
        "dynamodb://Scratch",
        "--config",
        CONFIG,
        "--today",
        "2026-12-01",
    ]
    with mock_aws():
        assert main(events) == 2
        assert "create it with `dctech store create --store dynamodb://Scratch`" in (
            capsys.readouterr().err
        )
        assert main(["store", "create", "--store", "dynamodb://Scratch"]) == 0
        assert main(events) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 upcoming events"


def test_it_creates_the_sqlite_file_once(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/new/events.db"
    assert main(["store", "create", "--store", url]) == 0
    assert (tmp_path / "new" / "events.db").is_file()
    assert main(["store", "create", "--store", url]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{url}: created", f"{url}: already exists"]


def test_an_unknown_store_url_is_the_usual_error(capsys):
    assert main(["store", "create", "--store", "mysql://x"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown store URL 'mysql://x'")
