"""Name keys fold compatibility forms (NFKC) and case, and the migration that brings existing rows to the new
keys reports what it cannot fix instead of failing or hiding it (issue 10, finding 5). SQLite and MariaDB."""

from __future__ import annotations

import asyncio

import pytest

from parley import cli
from parley.actions.name_check import check_names
from parley.settings import DatabaseUrl
from parley.store import Conflict, Store, migrations, open_store

NOW = 1_700_000_000_000
FULLWIDTH_GENERAL = "\uff27\uff25\uff2e\uff25\uff32\uff21\uff2c"
FULLWIDTH_OPS = "\uff2f\uff50\uff53"


def _version(kind: str, name: str) -> int:
    return next(m.version for m in migrations.available(kind) if m.name == name)


def _url_string(url: DatabaseUrl) -> str:
    if url.scheme == "sqlite":
        return f"sqlite:///{url.path}"
    return f"mysql://{url.user}@localhost/{url.name}?unix_socket={url.unix_socket}"


async def test_look_alike_room_names_collide(store: Store) -> None:
    for name in (FULLWIDTH_GENERAL, "GENERAL", "\U0001d420eneral"):
        with pytest.raises(Conflict):
            await store.create_room(name, "", False, None, NOW)
    room = await store.create_room(FULLWIDTH_OPS, "", False, None, NOW)
    found = await store.room_by_name("ops")
    assert found is not None and found.id == room.id


async def _old_rows(url: DatabaseUrl) -> Store:
    """A database as it was before the name_keys migration, holding rows the old rules let in."""
    store = await open_store(url, create=True)
    await migrations.migrate(store, NOW, upto=_version(store.kind, "name_keys") - 1)
    async with store.transaction() as tx:
        # Keys as the old code made them: lower() for users, casefold() for rooms.
        for name in ("admin", "admin\n"):
            await tx.execute(
                "INSERT INTO users (username, username_key, password_hash, created_at) VALUES (%s, %s, 'h', %s)",
                (name, name.lower(), NOW),
            )
        for name in (FULLWIDTH_GENERAL, FULLWIDTH_OPS, "g\u0435neral"):
            await tx.execute(
                "INSERT INTO rooms (name, name_key, topic, created_at) VALUES (%s, %s, '', %s)",
                (name, name.casefold(), NOW),
            )
    return store


async def test_the_migration_recomputes_keys_and_reports_what_it_cannot(database_url: DatabaseUrl) -> None:
    store = await _old_rows(database_url)
    try:
        await migrations.migrate(store, NOW)
        # Where the new key was free, the row has it now: full-width "Ops" is found as "ops".
        ops = await store.room_by_name("ops")
        assert ops is not None and ops.name == FULLWIDTH_OPS
        # "general" (id 1) keeps its key; full-width GENERAL cannot have it and keeps its old one.
        general = await store.room_by_name("general")
        assert general is not None and general.id == 1
        findings = await check_names(store)
        assert findings == [
            f"room 2 {FULLWIDTH_GENERAL!r} folds to the same name as room 1 'general': parley rename-room",
            "user 2 'admin\\n' breaks the username rule: " + "3-32 characters: letters, digits, '_', '.' or '-',"
            " starting with a letter or digit.",
            "room 4 'g\u0435neral' breaks the room name rule: Letters from one script only (Cyrillic, Latin are"
            " mixed).",
        ]
        # Renaming one of the pair settles it; the check then finds only the rule breakers.
        await store.rename_room(2, "general-2")
        assert len(await check_names(store)) == 2
    finally:
        await store.close()


async def test_parley_migrate_prints_the_findings(
    database_url: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = await _old_rows(database_url)
    await store.close()
    monkeypatch.setenv("DATABASE_URL", _url_string(database_url))
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    # cli.main runs its own event loop: in a thread beside this test's.
    assert await asyncio.to_thread(cli.main, ["migrate"]) == 0
    out = capsys.readouterr().out
    assert "_name_keys\n" in out
    assert "3 stored name(s) to fix by hand:" in out
    assert f"room 2 {FULLWIDTH_GENERAL!r} folds to the same name as room 1 'general'" in out
    assert await asyncio.to_thread(cli.main, ["check-names"]) == 1
    assert "3 stored name(s) to fix by hand:" in capsys.readouterr().out
