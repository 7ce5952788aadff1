"""The search backlog (store/search.py) on SQLite and MariaDB: a send leaves only a marker, `index_backlog` indexes
the message's current body; an edit or a deletion before (or while) it runs gives the right index; two processes
taking the backlog at once take each row once."""

from __future__ import annotations

import asyncio

import pytest

from parley.models import Message, User
from parley.settings import DatabaseUrl
from parley.store import Store, open_store, query_terms, search
from parley.store.search import tokens

NOW = 1_700_000_000_000


async def _count(store: Store, sql: str, args: tuple[object, ...] = ()) -> int:
    async with store.read() as tx:
        row = await tx.fetchone(sql, args)
    assert row is not None
    return int(row[0])


async def _found(store: Store, query: str) -> list[str]:
    hits, _ = await store.search(query_terms(query), [1], limit=50)
    return [hit.message.body for hit in hits]


async def _token_rows(store: Store, message_id: int) -> int:
    """MySQL: the message's token rows; SQLite: its words in search_docs (one row holding them all)."""
    if store.kind == "sqlite":
        async with store.read() as tx:
            row = await tx.fetchone("SELECT words FROM search_docs WHERE message_id = %s", (message_id,))
        return 0 if row is None else len(str(row[0]).split())
    return await _count(store, "SELECT COUNT(*) FROM search_tokens WHERE message_id = %s", (message_id,))


async def _send(store: Store, author: User, body: str, client_id: str) -> Message:
    message, created = await store.insert_message(1, author, body, client_id, NOW)
    assert created
    return message


async def test_a_send_leaves_a_marker_that_the_indexer_turns_into_tokens(store: Store) -> None:
    ana = await store.create_user("ana", "x", NOW)
    author = User(ana.id, "ana")
    sent = [await _send(store, author, f"marker test {word} 标记", f"m{i}") for i, word in enumerate(("one", "two"))]
    assert await _count(store, "SELECT COUNT(*) FROM search_backlog") == 2
    assert [await _token_rows(store, m.id) for m in sent] == [0, 0]
    assert await _found(store, "marker") == []
    assert await store.index_backlog() == 2
    assert await _found(store, "marker") == ["marker test two 标记", "marker test one 标记"]
    assert await _found(store, "标记 one") == ["marker test one 标记"]
    assert [await _token_rows(store, m.id) for m in sent] == [len(tokens(m.body)) for m in sent]
    assert await _count(store, "SELECT COUNT(*) FROM search_backlog") == 0
    assert await store.index_backlog() == 0


@pytest.mark.parametrize("read", ["packed", "rows", "packed value cut"])
async def test_the_indexer_reads_bodies_packed_or_as_rows(
    store: Store, read: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On MariaDB the indexer reads a batch's bodies as one JSON value; as rows where the backend does not pack
    (`rows`), or when the value came back cut at group_concat_max_len (`packed value cut`: not JSON). Quotes,
    backslashes, newlines and characters beyond the BMP survive either way."""
    if read == "rows":
        store.packed_reads = False
    elif read == "packed value cut":

        def cut(_: str) -> None:
            raise ValueError("cut at group_concat_max_len")

        monkeypatch.setattr(search.json, "loads", cut)
    ana = await store.create_user("ana", "x", NOW)
    author = User(ana.id, "ana")
    bodies = ['quoted "word" back\\slash', "line one\nline two 😀 emoji", "deleted later"]
    sent = [await _send(store, author, body, f"p{i}") for i, body in enumerate(bodies)]
    await store.delete_message(sent[2].id)
    assert await store.index_backlog() == 3
    assert await _found(store, "quoted") == [bodies[0]]
    assert await _found(store, "emoji two") == [bodies[1]]
    assert await _found(store, "deleted") == []
    assert [await _token_rows(store, m.id) for m in sent[:2]] == [len(tokens(b)) for b in bodies[:2]]


async def test_edits_and_deletions_of_backlogged_messages(store: Store) -> None:
    """The indexer reads the body as it is when it runs: an edit's old words and a deleted message never show."""
    ana = await store.create_user("ana", "x", NOW)
    author = User(ana.id, "ana")
    edited = await _send(store, author, "first draft alpha 初稿", "e1")
    deleted = await _send(store, author, "doomed beta 删除", "d1")
    assert await store.edit_message(edited.id, "final gamma 定稿", NOW + 1) is not None
    assert await store.delete_message(deleted.id) is not None
    # Edits and deletions write the index at once, backlogged or not.
    assert await _found(store, "gamma") == ["final gamma 定稿"]
    assert await store.index_backlog() == 2
    assert await _found(store, "alpha") == []
    assert await _found(store, "初稿") == []
    assert await _found(store, "定稿 final") == ["final gamma 定稿"]
    assert await _found(store, "beta") == []
    assert await _token_rows(store, deleted.id) == 0
    assert await _token_rows(store, edited.id) == len(tokens("final gamma 定稿"))
    # A message deleted (or purged) before the indexer ran leaves no backlog row behind.
    assert await _count(store, "SELECT COUNT(*) FROM search_backlog") == 0


async def test_edits_racing_the_indexer(store: Store) -> None:
    """Edits committed while the indexer takes the same messages: whichever goes first, the new words win (on
    MySQL the indexer reads the messages with a shared lock, so an edit in flight commits first or waits)."""
    ana = await store.create_user("ana", "x", NOW)
    author = User(ana.id, "ana")
    sent = [await _send(store, author, f"racing old w{i}", f"r{i}") for i in range(40)]

    async def index_all() -> None:
        # Small batches, so the edits land between and during them.
        while await store.index_backlog(limit=3):
            pass

    async def edit(message: Message) -> None:
        await store.edit_message(message.id, f"racing new w{message.id}", NOW + 1)

    await asyncio.gather(index_all(), *(edit(m) for m in sent))
    await index_all()
    assert await _found(store, "old") == []
    assert len(await _found(store, "new")) == 40
    for m in sent:
        assert await _token_rows(store, m.id) == len(tokens(f"racing new w{m.id}")), m.id
    assert await _count(store, "SELECT COUNT(*) FROM search_backlog") == 0


async def test_two_processes_take_each_backlog_row_once(mysql_url: DatabaseUrl) -> None:
    """Two servers on one MariaDB index at once: every row is taken by exactly one (SKIP LOCKED), none is lost."""
    from conftest import migrated

    await migrated(mysql_url)
    first, second = await open_store(mysql_url), await open_store(mysql_url)
    try:
        ana = await first.create_user("ana", "x", NOW)
        author = User(ana.id, "ana")
        sends = (first.insert_message(1, author, f"shared w{i} 共享", f"s{i}", NOW) for i in range(300))
        sent = await asyncio.gather(*sends)
        taken: dict[str, int] = {"first": 0, "second": 0}

        async def index_all(name: str, store: Store) -> None:
            while n := await store.index_backlog(limit=7):
                taken[name] += n

        await asyncio.gather(index_all("first", first), index_all("second", second))
        assert taken["first"] + taken["second"] == 300
        assert await _count(first, "SELECT COUNT(*) FROM search_backlog") == 0
        expected = sum(len(tokens(m.body)) for m, _ in sent)
        assert await _count(first, "SELECT COUNT(*) FROM search_tokens") == expected
        assert len(await _found(second, "共享")) == 50
    finally:
        await first.close()
        await second.close()
