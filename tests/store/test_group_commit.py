"""Group commit (store/group_commit.py): concurrent sends share transactions, on both backends, and nothing of
a send's guarantees changes: gap-free seqs in arrival order, one message per client_id, a refusal for exactly the
send that earned it, and a send whose sender went away is stored all the same."""

from __future__ import annotations

import asyncio

import pytest

from parley.models import User
from parley.store import NotFound, RoomArchived, Store

NOW = 1_700_000_000_000


async def _people(store: Store, n: int) -> list[User]:
    return [User(a.id, a.username) for a in [await store.create_user(f"sender{i}", "h", NOW) for i in range(n)]]


async def _rooms(store: Store, owner: User, n: int) -> list[int]:
    return [(await store.create_room(f"room{i}", "", False, owner.id, NOW)).id for i in range(n)]


async def test_concurrent_sends_share_transactions_and_keep_arrival_order(store: Store) -> None:
    people = await _people(store, 20)
    rooms = await _rooms(store, people[0], 5)
    used_before = store.meter.latency.count
    # Every sender sends 10 messages one after another (as a socket does: the next after the ack), to a room of
    # its own choosing; all 20 run at once.

    async def sender(i: int) -> list[tuple[int, int]]:
        placed = []
        for n in range(10):
            message, created = await store.insert_message(rooms[i % 5], people[i], f"m {i} {n}", f"c{i}-{n}", NOW)
            assert created and message.body == f"m {i} {n}" and message.user_id == people[i].id
            placed.append((message.room_id, message.seq))
        return placed

    placed = await asyncio.gather(*(sender(i) for i in range(20)))
    transactions = store.meter.latency.count - used_before
    assert transactions < 200, "200 concurrent sends took a transaction each"

    for room_id in rooms:
        page = await store.messages_before(room_id, None, 500)
        assert [m.seq for m in page.messages] == list(range(1, 41))  # gap-free, 4 senders x 10
        # Each sender's messages are in the order it sent them.
        for i in range(20):
            mine = [m.body for m in page.messages if m.user_id == people[i].id]
            assert mine == ([f"m {i} {n}" for n in range(10)] if i % 5 == rooms.index(room_id) else [])
        room = await store.room(room_id)
        assert room is not None and room.last_seq == 40
    # What each send was told is what the database holds.
    for i, places in enumerate(placed):
        for n, (room_id, seq) in enumerate(places):
            stored = (await store.messages_between(room_id, seq - 1, seq))[0]
            assert (stored.body, stored.client_id) == (f"m {i} {n}", f"c{i}-{n}")


async def test_a_resend_inside_a_batch_gets_the_original(store: Store) -> None:
    [alice, bob] = await _people(store, 2)
    [room] = await _rooms(store, alice, 1)
    first, created = await store.insert_message(room, alice, "hello", "dup-1", NOW)
    assert created
    # The resend of dup-1, a second copy of a new client id and a plain new send, all in one batch.
    results = await asyncio.gather(
        store.insert_message(room, alice, "hello", "dup-1", NOW),
        store.insert_message(room, bob, "twice", "dup-2", NOW),
        store.insert_message(room, bob, "twice", "dup-2", NOW),
        store.insert_message(room, alice, "new", "new-1", NOW),
    )
    assert results[0] == (first, False)
    assert {results[1][1], results[2][1]} == {True, False} and results[1][0].id == results[2][0].id
    assert results[3][1] and results[3][0].body == "new"
    page = await store.messages_before(room, None, 50)
    assert [(m.seq, m.client_id) for m in page.messages] == [(1, "dup-1"), (2, "dup-2"), (3, "new-1")]


async def test_a_refused_send_does_not_sink_the_rest_of_its_batch(store: Store) -> None:
    [alice] = await _people(store, 1)
    [open_room, archived] = await _rooms(store, alice, 2)
    await store.set_archived(archived, True)
    results = await asyncio.gather(
        store.insert_message(open_room, alice, "a", "ok-1", NOW),
        store.insert_message(archived, alice, "b", "no-1", NOW),
        store.insert_message(10**9, alice, "c", "no-2", NOW),
        store.insert_message(open_room, alice, "d", "ok-2", NOW),
        return_exceptions=True,
    )
    assert isinstance(results[1], RoomArchived) and isinstance(results[2], NotFound)
    assert [r[0].seq for r in results if isinstance(r, tuple)] == [1, 2]
    archived_room = await store.room(archived)
    assert archived_room is not None and archived_room.last_seq == 0


async def test_a_send_whose_sender_went_away_is_stored_and_close_waits_for_it(store: Store) -> None:
    [alice] = await _people(store, 1)
    [room] = await _rooms(store, alice, 1)
    sends = [asyncio.ensure_future(store.insert_message(room, alice, f"m{n}", f"gone-{n}", NOW)) for n in range(30)]
    await asyncio.sleep(0)  # queued, some being stored
    sends[0].cancel()
    sends[29].cancel()
    with pytest.raises(asyncio.CancelledError):
        await sends[29]
    await store.group_commit.drain()
    page = await store.messages_before(room, None, 100)
    assert [m.client_id for m in page.messages] == [f"gone-{n}" for n in range(30)]
    # The resend of a cancelled send gets the stored message, not a second one.
    message, created = await store.insert_message(room, alice, "m29", "gone-29", NOW)
    assert not created and message.seq == 30


@pytest.mark.parametrize("plain", [False, True])
async def test_each_send_is_told_its_own_id_with_or_without_the_shortcuts(store: Store, plain: bool) -> None:
    """On MariaDB a batch's ids follow from the first one (its lock mode hands them out consecutively) and its
    rooms are locked and read as one packed row; `plain` turns both off, as on a server whose settings do not allow
    them (ids read back, a row per room). Either way each send gets the id and seq the database gave its row,
    also when other rooms' batches commit in between."""
    if plain:
        store.consecutive_id_step = None
        store.packed_reads = False
    elif store.kind == "mysql":  # MariaDB's defaults allow both
        assert store.consecutive_id_step == 1 and store.packed_reads
    people = await _people(store, 12)
    rooms = await _rooms(store, people[0], 3)

    async def sender(i: int) -> list[tuple[int, str, int]]:
        told = []
        for n in range(5):
            message, _ = await store.insert_message(rooms[i % 3], people[i], f"b {i} {n}", f"i{i}-{n}", NOW)
            told.append((message.id, message.body, message.seq))
        return told

    told = [pair for pairs in await asyncio.gather(*(sender(i) for i in range(12))) for pair in pairs]
    assert len({message_id for message_id, _, _ in told}) == 60
    for message_id, body, seq in told:
        stored = await store.message(message_id)
        assert stored is not None and (stored.body, stored.seq) == (body, seq)
    for room_id in rooms:
        page = await store.messages_before(room_id, None, 100)
        assert [m.seq for m in page.messages] == list(range(1, 21))
