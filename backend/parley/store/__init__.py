"""Storage: `open_store` picks the backend from the database URL."""

from __future__ import annotations

from ..settings import DatabaseUrl
from .base import (
    NAME_KEY_MAX,
    Conflict,
    DatabaseUnavailable,
    FileNotAttachable,
    Hit,
    InviteInvalid,
    MessageDeleted,
    NotFound,
    QuotaExceeded,
    RoomArchived,
    Store,
    StoreError,
    Terms,
    TooManyReactions,
    query_terms,
    room_name_key,
    session_key,
    username_key,
)

__all__ = [
    "NAME_KEY_MAX",
    "Conflict",
    "DatabaseUnavailable",
    "FileNotAttachable",
    "Hit",
    "InviteInvalid",
    "MessageDeleted",
    "NotFound",
    "QuotaExceeded",
    "RoomArchived",
    "Store",
    "StoreError",
    "Terms",
    "TooManyReactions",
    "open_store",
    "query_terms",
    "room_name_key",
    "session_key",
    "username_key",
]


async def open_store(url: DatabaseUrl, *, pool_max: int = 10, create: bool = False) -> Store:
    """Connect to the database. `create` lets SQLite make a missing database file (only `parley migrate` asks:
    anything else fails on a missing file, so a typo in DATABASE_URL never starts an empty database). A MySQL
    database always exists first: the operator creates it."""
    if url.scheme == "mysql":
        from .mysql import MysqlStore

        return await MysqlStore.open(url, pool_max=pool_max)
    from .sqlite import SqliteStore

    return await SqliteStore.open(url.path, create=create)
