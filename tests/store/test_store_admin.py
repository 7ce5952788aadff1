"""The store's admin section (renames, archiving, counts, batched purge, import): each test runs on both backends."""

from __future__ import annotations

import pytest

from parley.models import Message, User
from parley.store import Conflict, NotFound, RoomArchived, Store

NOW = 1_700_000_000_000


async def _author(store: Store, name: str = "ada") -> User:
    account = await store.create_user(name, "h", NOW)
    return User(account.id, account.username)


async def _fill(store: Store, room_id: int, author: User, count: int, *, start_ms: int = NOW) -> list[Message]:
    sent = []
    for i in range(count):
        message, _ = await store.insert_message(room_id, author, f"m{i}", f"{room_id}-{i}", start_ms + i)
        sent.append(message)
    return sent


async def test_rename_room_keeps_id_and_refuses_taken_names(store: Store) -> None:
    ops = await store.create_room("ops", "", False, None, NOW)
    renamed = await store.rename_room(ops.id, "Operations")
    assert renamed is not None and (renamed.id, renamed.name) == (ops.id, "Operations")
    assert (await store.room_by_name("operations")) == renamed
    # A change of case only is a rename of the same room, not a clash with itself.
    assert (await store.rename_room(ops.id, "OPERATIONS")) is not None
    with pytest.raises(Conflict):
        await store.rename_room(ops.id, "General")
    assert await store.rename_room(9999, "nowhere") is None


async def test_archived_rooms_refuse_messages_until_unarchived(store: Store) -> None:
    author = await _author(store)
    archived = await store.set_archived(1, True)
    assert archived is not None and archived.archived
    with pytest.raises(RoomArchived):
        await store.insert_message(1, author, "x", "c1", NOW)
    # Archiving twice is fine (MySQL reports no changed row; the room is still found).
    assert (await store.set_archived(1, True)) is not None
    unarchived = await store.set_archived(1, False)
    assert unarchived is not None and not unarchived.archived
    _, created = await store.insert_message(1, author, "x", "c1", NOW)
    assert created
    assert await store.set_archived(9999, True) is None


async def test_counts(store: Store) -> None:
    author = await _author(store)
    other = await store.create_user("bo", "h", NOW)
    await store.set_disabled(other.id, True, NOW)
    await store.set_admin(author.id, True)
    await store.create_session("s1", author.id, NOW)
    room = await store.create_room("side", "", True, author.id, NOW)
    await _fill(store, 1, author, 3)
    await _fill(store, room.id, author, 2, start_ms=NOW + 100)
    assert await store.admin_counts() == {
        "users": 2,
        "disabled_users": 1,
        "admins": 1,
        "rooms": 2,
        "archived_rooms": 0,
        "messages": 5,
        "sessions": 1,
    }
    assert await store.room_member_counts() == {1: 2, room.id: 1}
    assert await store.count_messages() == 5
    assert await store.count_messages(room.id) == 2
    assert await store.count_messages(before_ms=NOW + 2) == 2
    assert await store.count_messages(room.id, before_ms=NOW + 101) == 1


async def test_purge_deletes_old_messages_in_batches(store: Store) -> None:
    author = await _author(store)
    await _fill(store, 1, author, 25)
    batches = [n async for n in store.purge_before(NOW + 23, batch=10)]
    assert batches == [10, 10, 3]
    page = await store.messages_before(1, None, 100)
    assert [m.seq for m in page.messages] == [24, 25]
    # The sequence goes on after the purged messages; no seq is reused.
    assert (await store.room(1)).last_seq == 25  # type: ignore[union-attr]
    assert [n async for n in store.purge_before(NOW + 23, batch=10)] == []


async def test_purge_of_one_room_leaves_the_others(store: Store) -> None:
    author = await _author(store)
    side = await store.create_room("side", "", False, author.id, NOW)
    await _fill(store, 1, author, 4)
    await _fill(store, side.id, author, 4)
    assert sum([n async for n in store.purge_before(NOW + 100, room_id=side.id)]) == 4
    assert await store.count_messages(1) == 4 and await store.count_messages(side.id) == 0


async def test_import_restores_messages_exactly_and_twice_adds_nothing(store: Store) -> None:
    author = await _author(store)
    sent = await _fill(store, 1, author, 5)
    assert sum([n async for n in store.purge_before(NOW + 1000)]) == 5
    assert await store.import_messages(sent) == ["added"] * 5
    assert (await store.messages_before(1, None, 10)).messages == sent
    assert await store.import_messages(sent) == ["present"] * 5
    assert await store.count_messages() == 5


async def test_import_raises_last_seq_so_new_messages_continue(store: Store) -> None:
    author = await _author(store)
    old = [Message(100 + i, 1, 40 + i, author.id, author.username, f"old {i}", NOW + i, f"old-{i}") for i in range(3)]
    assert await store.import_messages(old) == ["added"] * 3
    assert (await store.room(1)).last_seq == 42  # type: ignore[union-attr]
    new, _ = await store.insert_message(1, author, "new", "new-1", NOW + 10)
    assert new.seq == 43 and new.id > 102


async def test_import_reports_conflicts_and_stores_the_rest(store: Store) -> None:
    author = await _author(store)
    [existing] = await _fill(store, 1, author, 1)
    incoming = [
        # Same id, a different message.
        Message(existing.id, 1, 7, author.id, author.username, "x", NOW, "other"),
        # A new id, but the seq is taken.
        Message(existing.id + 50, 1, existing.seq, author.id, author.username, "x", NOW, "fresh"),
        # A new id, but this author already used the client_id.
        Message(existing.id + 51, 1, 9, author.id, author.username, "x", NOW, existing.client_id),
        Message(existing.id + 52, 1, 10, author.id, author.username, "fine", NOW, "fine"),
    ]
    assert await store.import_messages(incoming) == ["conflict", "conflict", "conflict", "added"]
    assert await store.count_messages() == 2
    assert (await store.room(1)).last_seq == 10  # type: ignore[union-attr]


async def test_import_into_a_missing_room_stores_nothing(store: Store) -> None:
    author = await _author(store)
    with pytest.raises(NotFound):
        await store.import_messages(
            [
                Message(1, 1, 1, author.id, author.username, "x", NOW, "a"),
                Message(2, 999, 1, author.id, author.username, "x", NOW, "b"),
            ]
        )
    assert await store.count_messages() == 0
