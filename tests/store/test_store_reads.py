"""Read state and mentions in the store, on both backends: markers (forward only, members only), unread and mention
counts of all a user's rooms in a fixed number of statements, the mute setting, and mentions stored with messages."""

from __future__ import annotations

from typing import Any

from parley.models import Room, User
from parley.store import Store

NOW = 1_700_000_000_000


async def _user(store: Store, name: str) -> User:
    account = await store.create_user(name, "h", NOW)
    return User(account.id, account.username)


async def _send(store: Store, room_id: int, author: User, n: int, mentions: tuple[int, ...] = ()) -> None:
    for _ in range(n):
        _, created = await store.insert_message(room_id, author, "hi", f"c{_ids.next()}", NOW, mentions)
        assert created


class _Ids:
    def __init__(self) -> None:
        self.value = 0

    def next(self) -> int:
        self.value += 1
        return self.value


_ids = _Ids()


def _state(room: Room) -> tuple[int, int, int, int, bool]:
    return room.last_seq, room.last_read_seq, room.unread, room.mentions, room.muted


async def test_a_new_member_has_read_what_came_before(store: Store) -> None:
    ana = await _user(store, "ana")
    room = await store.create_room("ops", "", False, ana.id, NOW)
    await _send(store, room.id, ana, 3)
    bob = await _user(store, "bob")
    assert await store.add_member(room.id, bob.id, NOW)
    await _send(store, room.id, ana, 2)
    (ops,) = [r for r in await store.member_rooms(bob.id) if r.name == "ops"]
    assert _state(ops) == (5, 3, 2, 0, False)


async def test_unread_counts_others_messages_after_the_marker(store: Store) -> None:
    ana, bob = await _user(store, "ana"), await _user(store, "bob")
    general = await store.room_by_name("general")
    assert general is not None
    await _send(store, general.id, ana, 4)
    await _send(store, general.id, bob, 2)  # Bob's own: never unread for him
    await _send(store, general.id, ana, 1, mentions=(bob.id,))
    (mine,) = await store.member_rooms(bob.id)
    assert _state(mine) == (7, 0, 5, 1, False)
    (hers,) = await store.member_rooms(ana.id)
    assert _state(hers) == (7, 0, 2, 0, False)
    assert await store.save_read_markers([(bob.id, general.id, 5)]) == 1
    (mine,) = await store.member_rooms(bob.id)
    assert _state(mine) == (7, 5, 1, 1, False)


async def test_markers_move_forward_only_and_only_for_members(store: Store) -> None:
    ana, bob = await _user(store, "ana"), await _user(store, "bob")
    room = await store.create_room("ops", "", False, ana.id, NOW)
    await _send(store, room.id, ana, 10)
    assert await store.save_read_markers([(ana.id, room.id, 8)]) == 1
    # Back (a stale batch from another process) changes nothing; neither does a non-member's marker.
    assert await store.save_read_markers([(ana.id, room.id, 6), (bob.id, room.id, 9)]) == 0
    (ops,) = await store.member_rooms(ana.id, room_id=room.id)
    assert ops.last_read_seq == 8
    assert await store.member_rooms(bob.id, room_id=room.id) == []


async def test_pending_markers_count_when_newer_than_the_stored_ones(store: Store) -> None:
    ana, bob = await _user(store, "ana"), await _user(store, "bob")
    general = await store.room_by_name("general")
    assert general is not None
    await _send(store, general.id, ana, 6)
    await store.save_read_markers([(bob.id, general.id, 4)])
    (room,) = await store.member_rooms(bob.id, {general.id: 5})
    assert _state(room) == (6, 5, 1, 0, False)
    (room,) = await store.member_rooms(bob.id, {general.id: 2})  # older than the stored one: ignored
    assert _state(room) == (6, 4, 2, 0, False)
    (room,) = await store.member_rooms(bob.id, {general.id: 99})  # beyond the newest message: clamped
    assert _state(room) == (6, 6, 0, 0, False)


async def test_counts_for_many_rooms_take_a_fixed_number_of_statements(store: Store) -> None:
    ana, bob = await _user(store, "ana"), await _user(store, "bob")
    for i in range(150):
        room = await store.create_room(f"r{i:03}", "", False, ana.id, NOW)
        await store.add_member(room.id, bob.id, NOW)
        await _send(store, room.id, ana, 1 + i % 3, mentions=(bob.id,) if i % 2 else ())
    statements = _count_statements(store)
    rooms = await store.member_rooms(bob.id)
    # One for the rooms, and one per 100 rooms behind for each count: 1 + 2 + 2.
    assert statements.count == 5
    counted = {r.name: (r.unread, r.mentions) for r in rooms}
    assert counted["general"] == (0, 0)
    assert counted["r000"] == (1, 0) and counted["r001"] == (2, 2) and counted["r149"] == (3, 3)
    assert sum(u for u, _ in counted.values()) == sum(1 + i % 3 for i in range(150))


async def test_read_rooms_cost_one_statement(store: Store) -> None:
    ana = await _user(store, "ana")
    room = await store.create_room("ops", "", False, ana.id, NOW)
    await _send(store, room.id, ana, 3)
    await store.save_read_markers([(ana.id, room.id, 3)])
    statements = _count_statements(store)
    assert [_state(r) for r in await store.member_rooms(ana.id)] == [(0, 0, 0, 0, False), (3, 3, 0, 0, False)]
    assert statements.count == 1


async def test_live_session_rooms_are_the_member_rooms_of_a_live_session_only(store: Store) -> None:
    """A new WebSocket's check that its session is still live, read with its hello's rooms: the same rooms and
    counts as member_rooms, pending markers counted; None once the session ended, is too old, or belongs to
    someone else."""
    ana, bob = await _user(store, "ana"), await _user(store, "bob")
    general = await store.room_by_name("general")
    assert general is not None
    room = await store.create_room("ops", "", False, ana.id, NOW)
    await store.add_member(room.id, bob.id, NOW)
    await _send(store, room.id, ana, 4, mentions=(bob.id,))
    await store.create_session("s-bob", bob.id, NOW)
    statements = _count_statements(store)
    rooms = await store.live_session_rooms("s-bob", NOW, bob.id, {room.id: 1})
    assert rooms == await store.member_rooms(bob.id, {room.id: 1})
    assert [(r.name, _state(r)) for r in rooms] == [("general", (0, 0, 0, 0, False)), ("ops", (4, 1, 3, 3, False))]
    # The session check, the rooms, and the two counts.
    assert statements.count == 4 + 3
    assert await store.live_session_rooms("s-bob", NOW + 1, bob.id) is None  # older than the cut-off
    assert await store.live_session_rooms("s-bob", NOW, ana.id) is None  # not ana's session
    await store.end_session("s-bob", NOW)
    assert await store.live_session_rooms("s-bob", NOW, bob.id) is None


async def test_mute_is_a_member_setting(store: Store) -> None:
    ana, bob = await _user(store, "ana"), await _user(store, "bob")
    room = await store.create_room("ops", "", False, ana.id, NOW)
    assert await store.set_muted(ana.id, room.id, True) is True
    assert await store.set_muted(ana.id, room.id, True) is False  # unchanged
    assert await store.set_muted(bob.id, room.id, True) is None  # not a member
    (ops,) = await store.member_rooms(ana.id, room_id=room.id)
    assert ops.muted
    assert await store.set_muted(ana.id, room.id, False) is True
    (ops,) = await store.member_rooms(ana.id, room_id=room.id)
    assert not ops.muted


async def test_mentions_are_stored_with_the_message_and_read_back(store: Store) -> None:
    ana, bob, cy = await _user(store, "ana"), await _user(store, "bob"), await _user(store, "cy")
    general = await store.room_by_name("general")
    assert general is not None
    sent, _ = await store.insert_message(general.id, ana, "@bob @cy", "m1", NOW, (bob.id, cy.id))
    assert sent.mentions == (bob.id, cy.id)
    plain, _ = await store.insert_message(general.id, ana, "plain", "m2", NOW)
    assert plain.mentions == ()
    page = await store.messages_after(general.id, 0, 10)
    assert [m.mentions for m in page.messages] == [(bob.id, cy.id), ()]
    assert [m.mentions for m in (await store.messages_before(general.id, None, 10)).messages] == [(bob.id, cy.id), ()]
    assert [m.mentions for m in await store.messages_between(general.id, 0, 2)] == [(bob.id, cy.id), ()]
    again = await store.message_by_client_id(ana.id, "m1")
    assert again is not None and again.mentions == (bob.id, cy.id)
    # A resend stores nothing, mentions included.
    resent, created = await store.insert_message(general.id, ana, "@bob @cy", "m1", NOW, (bob.id, cy.id))
    assert not created and resent == sent


async def test_member_lookups_for_mentions(store: Store) -> None:
    ana, bob = await _user(store, "Ana"), await _user(store, "bob")
    outsider = await _user(store, "zed")
    room = await store.create_room("ops", "", False, ana.id, NOW)
    await store.add_member(room.id, bob.id, NOW)
    assert await store.members_named(room.id, ["ana", "bob", "zed", "nobody"]) == {"ana": ana.id, "bob": bob.id}
    assert await store.members_named(room.id, []) == {}
    assert await store.member_ids(room.id, 10) == [ana.id, bob.id]
    assert await store.member_ids(room.id, 1) == [ana.id]
    assert outsider.id not in await store.member_ids(room.id, 10)


class _Counter:
    def __init__(self) -> None:
        self.count = 0


def _count_statements(store: Store) -> _Counter:
    """Count the statements the store runs from now on (its transactions' and reads' connections, wrapped)."""
    counter = _Counter()
    read = store.read

    def counting_read() -> Any:
        manager = read()

        class Counting:
            async def __aenter__(self) -> Any:
                tx = await manager.__aenter__()
                fetchall, fetchone, fetch_batch = tx.fetchall, tx.fetchone, tx.fetch_batch
                # A batch counts its statements once: where a backend runs it statement by statement (MySQL),
                # those inner fetches are not counted again.
                in_batch = False

                async def counted_all(*args: Any) -> Any:
                    counter.count += 0 if in_batch else 1
                    return await fetchall(*args)

                async def counted_one(*args: Any) -> Any:
                    counter.count += 1
                    return await fetchone(*args)

                async def counted_batch(statements: Any) -> Any:
                    nonlocal in_batch
                    counter.count += len(statements)
                    in_batch = True
                    try:
                        return await fetch_batch(statements)
                    finally:
                        in_batch = False

                tx.fetchall, tx.fetchone, tx.fetch_batch = counted_all, counted_one, counted_batch
                return tx

            async def __aexit__(self, *exc: Any) -> Any:
                return await manager.__aexit__(*exc)

        return Counting()

    store.read = counting_read  # type: ignore[method-assign]
    return counter


async def test_upgrading_marks_what_exists_as_read(database_url: Any) -> None:
    """Members from before the read-state migration have read every message there was: no flood of unread."""
    from parley.store import migrations, open_store

    store = await open_store(database_url, create=True)
    try:
        await store.ensure_version_table()
        todo = migrations.available(store.kind)
        read_state = next(m.version for m in todo if m.name == "read_state")
        before = [m for m in todo if m.version < read_state]
        for m in before:
            await store.apply_migration(m.version, m.name, m.statements(), NOW)
        async with store.transaction() as tx:
            user_id = await tx.insert(
                "INSERT INTO users (username, username_key, password_hash, created_at) VALUES ('old', 'old', 'h', 0)"
            )
            await tx.execute("INSERT INTO room_members (room_id, user_id, joined_at) VALUES (1, %s, 0)", (user_id,))
            for seq in (1, 2, 3):
                await tx.execute(
                    "INSERT INTO messages (room_id, seq, user_id, body, client_id, created_at)"
                    " VALUES (1, %s, %s, 'x', %s, 0)",
                    (seq, user_id, f"c{seq}"),
                )
            await tx.execute("UPDATE rooms SET last_seq = 3 WHERE id = 1")
        await migrations.migrate(store, NOW)
        (general,) = await store.member_rooms(user_id)
        assert _state(general) == (3, 3, 0, 0, False)
    finally:
        await store.close()
