"""Open a store from its URL: ``sqlite:///PATH`` (embedded default) or ``dynamodb://TABLE``."""

from __future__ import annotations

from core.store.base import EventStore, StoreError, Touch

DEFAULT_STORE_URL = "sqlite:///.dctech/events.db"

__all__ = ["DEFAULT_STORE_URL", "EventStore", "StoreError", "Touch", "open_store"]


def open_store(url: str, *, create: bool = True) -> EventStore:
    """``create=False`` for commands that only read: a SQLite file that does not exist is a
    StoreError (a typo), not a new empty store. DynamoDB tables are never created here."""
    if url.startswith("sqlite:///"):
        from core.store.sqlite import SQLiteStore

        return SQLiteStore(url[len("sqlite:///") :], create=create)
    if url.startswith("dynamodb://"):
        table = url[len("dynamodb://") :].strip("/")
        if not table:
            raise StoreError(f"store URL {url!r} names no table: use dynamodb://TABLE")
        from core.store.dynamodb import DynamoDBStore

        return DynamoDBStore(table)
    raise StoreError(
        f"unknown store URL {url!r}: use sqlite:///PATH (embedded) or dynamodb://TABLE"
    )
