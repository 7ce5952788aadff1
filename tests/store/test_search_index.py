"""The search index (store/search.py) on SQLite and MariaDB: what a text's tokens are, the messages stored before
migration 0010 indexed by it, and purges, imports and `reindex` keeping the index equal to the live messages."""

from __future__ import annotations

import asyncio

import pytest

from parley import cli
from parley.models import Message, User
from parley.settings import DatabaseUrl
from parley.store import Store, migrations, open_store, query_terms
from parley.store.search import TOKEN_MAX, tokens

NOW = 1_700_000_000_000


def test_tokens_of_words_and_cjk_runs() -> None:
    assert tokens("Budget, BUDGET and budget-friendly") == {"budget", "and", "friendly"}
    assert tokens("预算会议") == {"预", "算", "会", "议", "预算", "算会", "会议"}
    assert tokens("Ｑ３预算") == {"q3", "预", "算", "预算"}  # full-width letters fold (NFKC)
    assert tokens("Straße snake_case") == {"strasse", "snake", "case"}
    assert tokens("x" * 100) == {"x" * TOKEN_MAX}
    assert tokens("!!! ... 🙂") == set()


def test_query_terms_cover_long_cjk_runs_with_pairs_and_confirm_them() -> None:
    terms = query_terms("预算会议 会 Deploy")
    assert terms.tokens == ("预算", "会议", "会", "deploy")
    assert terms.substrings == ("预算会议",)
    five = query_terms("明天开会吗")
    assert five.tokens == ("明天", "开会", "会吗")
    assert five.substrings == ("明天开会吗",)
    assert query_terms("预算 预算").tokens == ("预算",)


async def _count(store: Store, sql: str, args: tuple[object, ...] = ()) -> int:
    """A count over the index's table: one row per token on MySQL, one per message (feeding FTS5) on SQLite."""
    table = "search_docs" if store.kind == "sqlite" else "search_tokens"
    async with store.read() as tx:
        row = await tx.fetchone(sql.replace("search_tokens", table), args)
    assert row is not None
    return int(row[0])


async def _found(store: Store, query: str, room_ids: list[int]) -> list[str]:
    hits, _ = await store.search(query_terms(query), room_ids)
    return [hit.message.body for hit in hits]


async def test_messages_stored_before_the_migration_are_indexed(database_url: DatabaseUrl) -> None:
    """An operator upgrading has history: migration 0010 indexes it (deleted messages left out)."""
    store = await open_store(database_url, create=True)
    try:
        search = next(m.version for m in migrations.available(store.kind) if m.name == "search")
        await migrations.migrate(store, NOW, upto=search - 1)
        ana = await store.create_user("ana", "x", NOW)
        async with store.transaction() as tx:
            await tx.execute(
                "INSERT INTO messages (room_id, seq, user_id, body, client_id, created_at, deleted) VALUES"
                " (1, 1, %s, 'old budget 旧预算', 'a', %s, 0), (1, 2, %s, '', 'b', %s, 1),"
                " (1, 3, %s, 'another budget', 'c', %s, 0)",
                (ana.id, NOW, ana.id, NOW, ana.id, NOW),
            )
            await tx.execute("UPDATE rooms SET last_seq = 3 WHERE id = 1")
        applied = [m.name for m in await migrations.migrate(store, NOW)]
        assert applied[0] == "search"  # (later migrations may follow)
        assert await _found(store, "budget", [1]) == ["another budget", "old budget 旧预算"]
        assert await _found(store, "预算", [1]) == ["old budget 旧预算"]
        rows = await _count(store, "SELECT COUNT(*) FROM search_tokens")
        # Reindexing changes nothing: the same rows again.
        assert await store.reindex(batch=1) == 2
        assert await _count(store, "SELECT COUNT(*) FROM search_tokens") == rows
    finally:
        await store.close()


async def test_purge_and_import_keep_the_index_equal_to_the_messages(store: Store) -> None:
    ana = await store.create_user("ana", "x", NOW)
    author = User(ana.id, ana.username)
    old, _ = await store.insert_message(1, author, "ancient history 古老", "o1", NOW - 10_000)
    new, _ = await store.insert_message(1, author, "recent history", "n1", NOW)
    # What the server's indexer does after the sends' commit (live/search_indexer.py).
    assert await store.index_backlog() == 2
    assert [n async for n in store.purge_before(NOW - 1)] == [1]
    assert await _count(store, "SELECT COUNT(*) FROM search_tokens WHERE message_id = %s", (old.id,)) == 0
    assert await _found(store, "history", [1]) == ["recent history"]
    imported = [
        Message(new.id + 10, 1, 10, ana.id, "ana", "imported 导入 history", NOW, "i1"),
        Message(new.id + 11, 1, 11, ana.id, "ana", "", NOW, "i2", deleted=True),
    ]
    assert await store.import_messages(imported) == ["added", "added"]
    assert await _found(store, "导入", [1]) == ["imported 导入 history"]
    assert await _count(store, "SELECT COUNT(*) FROM search_tokens WHERE message_id = %s", (new.id + 11,)) == 0
    assert await _found(store, "history", [1]) == ["imported 导入 history", "recent history"]
    # A room the caller is not searching: nothing, whatever the words.
    lobby = await store.create_room("lobby", "", False, ana.id, NOW)
    assert await _found(store, "history", [lobby.id]) == []


async def test_parley_reindex_rebuilds_a_lost_index(
    database_url: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The operator's `parley reindex`: an index emptied (or made by older rules) is made again from the bodies."""
    url = (
        f"sqlite:///{database_url.path}"
        if database_url.scheme == "sqlite"
        else f"mysql://{database_url.user}@localhost/{database_url.name}?unix_socket={database_url.unix_socket}"
    )
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    # cli.main runs its own event loop: in a thread beside this test's.
    assert await asyncio.to_thread(cli.main, ["migrate"]) == 0
    store = await open_store(database_url)
    try:
        ana = await store.create_user("ana", "x", NOW)
        await store.insert_message(1, User(ana.id, "ana"), "lost and found 失物", "l1", NOW)
        assert await store.index_backlog() == 1
        assert await _found(store, "失物", [1]) == ["lost and found 失物"]
        async with store.transaction() as tx:
            await tx.execute("DELETE FROM " + ("search_docs" if store.kind == "sqlite" else "search_tokens"))
        assert await _found(store, "失物", [1]) == []
        capsys.readouterr()
        assert await asyncio.to_thread(cli.main, ["reindex"]) == 0
        assert "indexed 1 message(s)" in capsys.readouterr().out
        assert await _found(store, "失物 found", [1]) == ["lost and found 失物"]
    finally:
        await store.close()
