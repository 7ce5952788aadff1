"""Files the server creates are its owner's alone from their first byte (issue 10, finding 10): the SQLite
database (password hashes, sessions) and the -wal and -shm files beside it, whatever the process umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from parley.settings import DatabaseUrl
from parley.store import open_store


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_sqlite_database_is_0600(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    path = tmp_path / "var" / "parley.db"
    previous = os.umask(0o022)  # the usual umask: without care, files come out 0644
    try:
        store = await open_store(DatabaseUrl(scheme="sqlite", path=str(path)), create=True)
        try:
            async with store.transaction() as tx:
                await tx.execute_script_statement("CREATE TABLE t (x INTEGER)")
            files = sorted(p.name for p in path.parent.iterdir())
            assert files == ["parley.db", "parley.db-shm", "parley.db-wal"]
            for name in files:
                assert _mode(path.parent / name) == 0o600, name
        finally:
            await store.close()
    finally:
        os.umask(previous)


async def test_an_existing_database_keeps_working(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    for create in (True, False):
        store = await open_store(DatabaseUrl(scheme="sqlite", path=str(path)), create=create)
        await store.ping()
        await store.close()
    assert _mode(path) == 0o600
