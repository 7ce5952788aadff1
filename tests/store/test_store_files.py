"""File rows in the store (store/files.py), on both backends: attaching under group commit (a file a send may not
take refuses that send alone, and a file is taken once even by concurrent sends), the quota counted under a
lock, and a message's files in history, in the tombstone (none) and in the keys a deletion or purge hands back."""

from __future__ import annotations

import asyncio

from parley.models import File, User
from parley.store import FileNotAttachable, QuotaExceeded, Store

NOW = 1_700_000_000_000


async def _upload(
    store: Store, user: User, room_id: int, key: str, size: int = 10, quota: tuple[int, int] | None = None
) -> File:
    record = File(0, room_id, user.id, None, "f.bin", size, "application/octet-stream", None, None, False, key, NOW)
    return await store.insert_file(record, quota=quota)


async def test_a_file_it_may_not_take_refuses_one_send_of_a_batch(store: Store) -> None:
    alice = User((await store.create_user("alice", "h", NOW)).id, "alice")
    bob = User((await store.create_user("bob", "h", NOW)).id, "bob")
    room = (await store.create_room("r", "", False, alice.id, NOW)).id
    mine = await _upload(store, alice, room, key="a" * 32)
    theirs = await _upload(store, bob, room, key="b" * 32)
    results = await asyncio.gather(
        store.insert_message(room, alice, "one", "c1", NOW, file_ids=[mine.id]),
        store.insert_message(room, alice, "two", "c2", NOW, file_ids=[theirs.id]),
        store.insert_message(room, alice, "three", "c3", NOW),
        return_exceptions=True,
    )
    assert isinstance(results[1], FileNotAttachable) and results[1].file_id == theirs.id
    first, third = results[0], results[2]
    assert isinstance(first, tuple) and isinstance(third, tuple)
    assert [f.id for f in first[0].files] == [mine.id] and first[0].files[0].message_id == first[0].id
    page = await store.messages_before(room, None, 10)
    assert [(m.body, [f.id for f in m.files]) for m in page.messages] == [("one", [mine.id]), ("three", [])]
    stored = await store.file(theirs.id)
    assert stored is not None and stored.message_id is None  # still bob's, unsent


async def test_concurrent_sends_of_one_file_attach_it_once(store: Store) -> None:
    alice = User((await store.create_user("alice", "h", NOW)).id, "alice")
    room = (await store.create_room("r", "", False, alice.id, NOW)).id
    file = await _upload(store, alice, room, key="c" * 32)
    results = await asyncio.gather(
        *(store.insert_message(room, alice, f"m{i}", f"c{i}", NOW, file_ids=[file.id]) for i in range(5)),
        return_exceptions=True,
    )
    sent = [r for r in results if isinstance(r, tuple)]
    assert len(sent) == 1 and all(isinstance(r, FileNotAttachable) for r in results if not isinstance(r, tuple))
    page = await store.messages_before(room, None, 10)
    assert len(page.messages) == 1 and [f.id for f in page.messages[0].files] == [file.id]


async def test_the_quota_holds_under_concurrent_uploads(store: Store) -> None:
    alice = User((await store.create_user("alice", "h", NOW)).id, "alice")
    room = (await store.create_room("r", "", False, alice.id, NOW)).id
    results = await asyncio.gather(
        *(_upload(store, alice, room, f"{i:032x}", 100, quota=(350, NOW - 1)) for i in range(6)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, File) for r in results) == 3
    assert sum(isinstance(r, QuotaExceeded) for r in results) == 3
    assert await store.uploaded_since(alice.id, NOW - 1) == 300


async def test_deletion_and_purge_hand_back_the_blob_keys(store: Store) -> None:
    alice = User((await store.create_user("alice", "h", NOW)).id, "alice")
    room = (await store.create_room("r", "", False, alice.id, NOW)).id
    one = await _upload(store, alice, room, key="d" * 32)
    two = await _upload(store, alice, room, key="e" * 32)
    m1, _ = await store.insert_message(room, alice, "", "c1", NOW, file_ids=[one.id])
    m2, _ = await store.insert_message(room, alice, "", "c2", NOW, file_ids=[two.id])
    dropped: list[str] = []
    tombstone = await store.delete_message(m1.id, dropped_keys=dropped)
    assert tombstone is not None and tombstone.files == () and dropped == ["d" * 32]
    assert await store.file(one.id) is None
    dropped = []
    assert [n async for n in store.purge_before(NOW + 1, dropped_keys=dropped)] == [2]
    assert dropped == ["e" * 32] and await store.file(two.id) is None
    assert m2.files[0].id == two.id
