"""The batch writer of read markers on a FakeClock, writing to a real store (both backends): many `read`s cost one
transaction with one row per (user, room), written when due and not before, forward only, never lost by a
failed write, and readable (combined with the stored ones) while they wait."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from parley.clock import FakeClock
from parley.live.read_markers import ReadMarkers
from parley.models import User
from parley.settings import DatabaseUrl
from parley.store import Store, open_store

NOW = 1_700_000_000_000
FLUSH_MS = 500


class Writes:
    """The real store, with every batch it is asked to write recorded (what the test counts)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.batches: list[list[tuple[int, int, int]]] = []

    async def save_read_markers(self, markers: Sequence[tuple[int, int, int]]) -> int:
        self.batches.append(list(markers))
        return await self.store.save_read_markers(markers)


async def _world(store: Store, users: int, rooms: int, messages: int) -> tuple[list[User], list[int]]:
    people = []
    for i in range(users):
        account = await store.create_user(f"user{i}", "h", NOW)
        people.append(User(account.id, account.username))
    room_ids = []
    for r in range(rooms):
        room = await store.create_room(f"room{r}", "", False, people[0].id, NOW)
        for person in people[1:]:
            await store.add_member(room.id, person.id, NOW)
        for m in range(messages):
            await store.insert_message(room.id, people[0], "hi", f"r{r}m{m}", NOW)
        room_ids.append(room.id)
    return people, room_ids


async def _marker(store: Store, user: User, room_id: int) -> int:
    (room,) = await store.member_rooms(user.id, room_id=room_id)
    return room.last_read_seq


async def test_many_reads_cost_one_transaction_when_due(store: Store) -> None:
    people, rooms = await _world(store, users=3, rooms=2, messages=100)
    clock = FakeClock()
    writes = Writes(store)
    markers = ReadMarkers(store=writes, clock=clock, flush_ms=FLUSH_MS)
    # 600 frames: every user reads every room seq by seq, as a client scrolling through history might.
    for seq in range(1, 101):
        for person in people:
            for room_id in rooms:
                assert markers.note(person.id, room_id, seq)
    clock.advance(FLUSH_MS - 1)
    assert await markers.tick() == 0
    assert writes.batches == []
    clock.advance(1)
    assert await markers.tick() == 6
    assert len(writes.batches) == 1
    assert sorted(writes.batches[0]) == sorted((p.id, r, 100) for p in people for r in rooms)
    for person in people:
        for room_id in rooms:
            assert await _marker(store, person, room_id) == 100
    # Nothing pending: ticks write nothing, however long.
    clock.advance(10 * FLUSH_MS)
    assert await markers.tick() == 0
    assert len(writes.batches) == 1


async def test_the_wait_starts_with_the_first_marker(store: Store) -> None:
    people, rooms = await _world(store, users=2, rooms=1, messages=5)
    clock = FakeClock()
    writes = Writes(store)
    markers = ReadMarkers(store=writes, clock=clock, flush_ms=FLUSH_MS)
    markers.note(people[1].id, rooms[0], 1)
    clock.advance(400)
    markers.note(people[1].id, rooms[0], 2)  # a later read does not postpone the write
    clock.advance(100)
    assert await markers.tick() == 1
    assert writes.batches == [[(people[1].id, rooms[0], 2)]]


async def test_pending_markers_are_visible_and_never_move_back(store: Store) -> None:
    people, rooms = await _world(store, users=2, rooms=1, messages=10)
    bob, room_id = people[1], rooms[0]
    clock = FakeClock()
    markers = ReadMarkers(store=Writes(store), clock=clock, flush_ms=FLUSH_MS)
    assert markers.note(bob.id, room_id, 7)
    assert not markers.note(bob.id, room_id, 7)  # the same marker again: nothing new to write or announce
    assert not markers.note(bob.id, room_id, 3)  # back: refused
    assert markers.pending_of(bob.id) == {room_id: 7}
    (room,) = await store.member_rooms(bob.id, markers.pending_of(bob.id), room_id=room_id)
    assert (room.last_read_seq, room.unread) == (7, 3)
    assert await markers.flush() == 1
    assert markers.pending_of(bob.id) == {}
    # An older marker noted after the write reaches the database as a no-op.
    assert markers.note(bob.id, room_id, 5)
    await markers.flush()
    assert await _marker(store, bob, room_id) == 7


async def test_a_failed_write_keeps_the_markers_for_the_next(database_url: DatabaseUrl) -> None:
    """The database goes away mid-run: the batch stays pending (and readable), and the next write stores it."""
    from conftest import migrated

    await migrated(database_url)
    store = await open_store(database_url)
    people, rooms = await _world(store, users=2, rooms=1, messages=10)
    bob, room_id = people[1], rooms[0]
    writes = Writes(store)
    clock = FakeClock()
    markers = ReadMarkers(store=writes, clock=clock, flush_ms=FLUSH_MS)
    markers.note(bob.id, room_id, 6)
    await store.close()
    clock.advance(FLUSH_MS)
    # What a closed SQLite connection and a closed MySQL pool raise.
    with pytest.raises((ValueError, RuntimeError)):
        await markers.tick()
    assert markers.pending_of(bob.id) == {room_id: 6}
    markers.note(bob.id, room_id, 8)  # a newer read meanwhile wins
    writes.store = await open_store(database_url)
    try:
        clock.advance(FLUSH_MS)
        assert await markers.tick() == 1
        assert await _marker(writes.store, bob, room_id) == 8
    finally:
        await writes.store.close()
