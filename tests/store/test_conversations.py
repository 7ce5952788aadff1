"""The store's conversation queries, the same on MySQL and SQLite: DMs by their people, the change counter and
its log, reactions kept apart byte by byte, and what a send and a purge do to all of it."""

from __future__ import annotations

import asyncio

import pytest

from parley.models import Message, User
from parley.store import MessageDeleted, NotFound, RoomArchived, Store, TooManyReactions

NOW = 1_700_000_000_000
THUMBS, PARTY, EYES = "\U0001f44d", "\U0001f389", "\U0001f440"


async def _people(store: Store, *names: str) -> list[User]:
    accounts = [await store.create_user(name, "h", NOW) for name in names]
    return [User(a.id, a.username) for a in accounts]


async def _message(store: Store, room_id: int, author: User, body: str = "hi") -> Message:
    message, _ = await store.insert_message(room_id, author, body, f"c-{body}-{author.id}", NOW)
    return message


async def test_one_dm_per_set_of_people_even_when_opened_at_once(store: Store) -> None:
    ana, bob, cyd = await _people(store, "ana", "bob", "cyd")
    orders = [[ana.id, bob.id], [bob.id, ana.id]] * 3
    results = await asyncio.gather(*[store.open_dm(ids, ids[0], NOW) for ids in orders])
    assert len({room.id for room, _ in results}) == 1
    assert [created for _, created in results].count(True) == 1
    room = results[0][0]
    assert (room.kind, room.name, room.private, [u.username for u in room.members]) == ("dm", "", True, ["ana", "bob"])
    group, created = await store.open_dm([cyd.id, ana.id, bob.id], cyd.id, NOW)
    assert created and group.id != room.id
    # DMs have no names of their own: they never take a room's name, and rooms cannot take theirs.
    assert await store.room_by_name("") is None
    await store.create_room("dm:1,2", "", False, ana.id, NOW)
    assert [r.kind for r in await store.user_rooms(ana.id)].count("dm") == 2
    assert [m.username for m in (await store.room(group.id) or room).members] == ["ana", "bob", "cyd"]


async def test_changes_take_the_room_s_next_change_seq_and_sends_do_not(store: Store) -> None:
    (ana,) = await _people(store, "ana")
    general = await store.room_by_name("general")
    assert general is not None
    first = await _message(store, general.id, ana, "one")
    second = await _message(store, general.id, ana, "two")
    assert (await store.room_change_seqs())[general.id] == 0
    edited = await store.edit_message(first.id, "one!", NOW + 5)
    assert edited is not None and (edited.body, edited.edited_at, edited.change_seq) == ("one!", NOW + 5, 1)
    assert await store.edit_message(first.id, "one!", NOW + 6) is None
    reacted = await store.add_reaction(second.id, ana.id, THUMBS, NOW + 6, max_emoji=20)
    assert reacted is not None and reacted.change_seq == 2
    assert await store.add_reaction(second.id, ana.id, THUMBS, NOW + 7, max_emoji=20) is None
    assert await store.remove_reaction(first.id, ana.id, THUMBS) is None
    await _message(store, general.id, ana, "three")  # a send: no change
    deleted = await store.delete_message(first.id)
    assert deleted is not None and (deleted.body, deleted.deleted, deleted.change_seq) == ("", True, 3)
    assert await store.delete_message(first.id) is None
    assert (await store.room_change_seqs())[general.id] == 3
    room = await store.room(general.id)
    assert room is not None and (room.last_seq, room.change_seq) == (3, 3)
    # The log: each changed message once, at its latest change.
    page = await store.changes_after(general.id, 0, 10)
    assert [(m.id, m.change_seq) for m in page.messages] == [(second.id, 2), (first.id, 3)]
    assert not page.has_more
    assert [m.id for m in await store.changes_between(general.id, 2, 3)] == [first.id]
    latest = await store.latest_change(general.id)
    assert latest is not None and latest.id == first.id
    with pytest.raises(MessageDeleted):
        await store.edit_message(first.id, "back", NOW)
    with pytest.raises(MessageDeleted):
        await store.add_reaction(first.id, ana.id, THUMBS, NOW, max_emoji=20)
    with pytest.raises(NotFound):
        await store.edit_message(999_999, "x", NOW)
    await store.set_archived(general.id, True)
    with pytest.raises(RoomArchived):
        await store.edit_message(second.id, "x", NOW)
    with pytest.raises(RoomArchived):
        await store.delete_message(second.id)
    operator = await store.delete_message(second.id, allow_archived=True)
    assert operator is not None and operator.reactions == ()


async def test_reactions_keep_distinct_emoji_apart_and_in_order(store: Store) -> None:
    ana, bob = await _people(store, "ana", "bob")
    general = await store.room_by_name("general")
    assert general is not None
    message = await _message(store, general.id, ana)
    # utf8mb4's unicode collations call these equal; the reactions table must not.
    for user, emoji, at in ((bob, THUMBS, 1), (ana, PARTY, 2), (ana, THUMBS, 3), (bob, EYES, 4)):
        assert await store.add_reaction(message.id, user.id, emoji, NOW + at, max_emoji=3) is not None
    with pytest.raises(TooManyReactions):
        await store.add_reaction(message.id, ana.id, "\U0001f600", NOW, max_emoji=3)
    found = await store.message(message.id)
    assert found is not None
    assert [(r.emoji, [u.username for u in r.users]) for r in found.reactions] == [
        (THUMBS, ["bob", "ana"]),
        (PARTY, ["ana"]),
        (EYES, ["bob"]),
    ]
    page = await store.messages_before(general.id, None, 10)
    assert page.messages[0].reactions == found.reactions


async def test_purging_takes_reactions_and_the_log_along(store: Store) -> None:
    (ana,) = await _people(store, "ana")
    general = await store.room_by_name("general")
    assert general is not None
    message = await _message(store, general.id, ana)
    await store.add_reaction(message.id, ana.id, THUMBS, NOW, max_emoji=20)
    assert [n async for n in store.purge_before(NOW + 1)] == [1]
    assert (await store.changes_after(general.id, 0, 10)).messages == []
    async with store.read() as tx:
        for table in ("reactions", "message_changes"):
            row = await tx.fetchone(f"SELECT COUNT(*) FROM {table}")
            assert row is not None and int(row[0]) == 0, table
    # The counter stays: a client's cursor never goes back.
    assert (await store.room_change_seqs())[general.id] == 1


async def test_dms_are_not_names_to_check_or_refold(store: Store) -> None:
    """A DM's name is empty and its key is its members: recomputing name keys (migration name_keys, `parley
    check-names`) leaves DMs alone and reports nothing about them."""
    from parley.actions.name_check import check_names
    from parley.store.name_keys import recompute_name_keys

    ana, bob, cyd = await _people(store, "ana", "bob", "cyd")
    first, _ = await store.open_dm([ana.id, bob.id], ana.id, NOW)
    second, _ = await store.open_dm([ana.id, cyd.id], ana.id, NOW)
    assert await recompute_name_keys(store) == []
    assert await check_names(store) == []
    third, created = await store.open_dm([bob.id, cyd.id], bob.id, NOW)
    assert created and len({first.id, second.id, third.id}) == 3
    assert (await store.open_dm([bob.id, ana.id], bob.id, NOW))[0].id == first.id
