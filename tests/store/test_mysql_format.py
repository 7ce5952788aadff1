"""The MySQL backend quotes arguments into statements itself (store/mysql.py `_format`): the text must be what
aiomysql's own quoting makes of them, for every kind of value a query passes, and round-trip through MariaDB."""

from __future__ import annotations

from typing import Any

from parley.settings import DatabaseUrl
from parley.store import open_store
from parley.store.mysql import _format

VALUES: list[Any] = [
    0,
    -7,
    2**63 - 1,
    "",
    "plain",
    'it\'s "quoted" \\ back\\slash',
    "nul \0 newline \n return \r ctrl-z \x1a tab \t",
    "emoji 😀 中文 é",
    "%s %% percent",
    None,
    True,
    1.5,
]


async def test_arguments_are_quoted_as_aiomysql_quotes_them(mysql_url: DatabaseUrl) -> None:
    store = await open_store(mysql_url)
    try:
        async with store.read() as tx:
            cursor = tx._cursor  # type: ignore[attr-defined]
            sql = ", ".join(["%s"] * len(VALUES))
            assert _format(cursor.connection, sql, VALUES) == cursor.mogrify(sql, VALUES)
            kept = [v for v in VALUES if not isinstance(v, (bool, float))]  # those come back as other types
            row = await tx.fetchone("SELECT " + ", ".join(["%s"] * len(kept)), kept)
        assert row is not None and list(row) == kept
    finally:
        await store.close()
