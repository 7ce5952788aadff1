"""Sessions are stored by key, a SHA-256 of the id the cookie carries (issue 10, finding 10): a copy of the
database holds no usable session. Each test runs on SQLite and MariaDB; the migration converts what is there."""

from __future__ import annotations

import hashlib

from parley.models import User
from parley.settings import DatabaseUrl
from parley.store import Store, migrations, open_store, session_key

NOW = 1_700_000_000_000


def _version(kind: str, name: str) -> int:
    return next(m.version for m in migrations.available(kind) if m.name == name)


async def test_the_database_holds_keys_not_ids(store: Store) -> None:
    user = await store.create_user("jon", "h", NOW)
    await store.create_session("the-cookie-id", user.id, NOW)
    async with store.read() as tx:
        stored = [r[0] for r in await tx.fetchall("SELECT id FROM sessions")]
    assert stored == [hashlib.sha256(b"the-cookie-id").hexdigest()]
    assert "the-cookie-id" not in stored
    # The id still works; its key, presented as an id, does not.
    assert await store.session_user("the-cookie-id", NOW - 1) == User(user.id, "jon", False)
    assert await store.session_user(stored[0], NOW - 1) is None


async def test_revocations_name_sessions_by_key(store: Store) -> None:
    user = await store.create_user("kim", "h", NOW)
    await store.create_session("s1", user.id, NOW)
    await store.create_session("s2", user.id, NOW)
    start = await store.last_revocation_id()
    await store.end_session("s1", NOW)
    assert await store.set_disabled(user.id, True, NOW) == [session_key("s2")]
    assert [(key, why) for _, key, why in await store.revocations_after(start)] == [
        (session_key("s1"), "logged_out"),
        (session_key("s2"), "disabled"),
    ]


async def test_the_migration_converts_sessions_and_pending_revocations(database_url: DatabaseUrl) -> None:
    """Sessions made before the migration keep working after it (nobody is logged out), and a revocation logged
    before it still closes the sockets of its session (the hub registers them by key)."""
    store = await open_store(database_url, create=True)
    try:
        await migrations.migrate(store, NOW, upto=_version(store.kind, "session_keys") - 1)
        async with store.transaction() as tx:
            await tx.execute(
                "INSERT INTO users (username, username_key, password_hash, created_at) VALUES ('old', 'old', 'h', %s)",
                (NOW,),
            )
            await tx.execute("INSERT INTO sessions (id, user_id, created_at) VALUES ('raw-old-id', 1, %s)", (NOW,))
            await tx.execute(
                "INSERT INTO revocations (session_id, reason, created_at) VALUES ('raw-gone-id', 'logged_out', %s)",
                (NOW,),
            )
        await migrations.migrate(store, NOW)
        assert await store.session_user("raw-old-id", NOW - 1) == User(1, "old", False)
        async with store.read() as tx:
            assert [r[0] for r in await tx.fetchall("SELECT id FROM sessions")] == [session_key("raw-old-id")]
        assert [(key, why) for _, key, why in await store.revocations_after(0)] == [
            (session_key("raw-gone-id"), "logged_out")
        ]
    finally:
        await store.close()
