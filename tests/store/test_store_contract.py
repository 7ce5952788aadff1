"""The store contract: the same behaviour from the MySQL and the SQLite backend (each test runs on both)."""

from __future__ import annotations

import pytest

from parley.models import User
from parley.store import Conflict, NotFound, RoomArchived, Store, session_key

NOW = 1_700_000_000_000


async def test_first_migration_creates_general(store: Store) -> None:
    general = await store.room_by_name("General")
    assert general is not None
    assert (general.name, general.private, general.last_seq) == ("general", False, 0)


async def test_usernames_are_unique_regardless_of_case(store: Store) -> None:
    await store.create_user("Alice", "h", NOW)
    with pytest.raises(Conflict):
        await store.create_user("alice", "h", NOW)
    found = await store.account_by_name("ALICE")
    assert found is not None and found.username == "Alice"


async def test_new_users_join_general(store: Store) -> None:
    account = await store.create_user("bob", "h", NOW)
    assert [r.name for r in await store.user_rooms(account.id)] == ["general"]


async def test_room_names_unique_regardless_of_case(store: Store) -> None:
    owner = await store.create_user("owner", "h", NOW)
    await store.create_room("Ops", "", False, owner.id, NOW)
    with pytest.raises(Conflict):
        await store.create_room("OPS", "", True, owner.id, NOW)


async def test_private_rooms_visible_only_to_members(store: Store) -> None:
    a = await store.create_user("anna", "h", NOW)
    b = await store.create_user("bert", "h", NOW)
    secret = await store.create_room("secret", "", True, a.id, NOW)
    assert secret.id in [r.id for r, _ in await store.visible_rooms(a.id)]
    assert secret.id not in [r.id for r, _ in await store.visible_rooms(b.id)]
    assert await store.add_member(secret.id, b.id, NOW)
    assert not await store.add_member(secret.id, b.id, NOW)
    assert (secret.id, True) in [(r.id, joined) for r, joined in await store.visible_rooms(b.id)]


async def test_messages_get_consecutive_seqs_per_room(store: Store) -> None:
    u = await store.create_user("carl", "h", NOW)
    author = User(u.id, u.username)
    other = await store.create_room("other", "", False, u.id, NOW)
    general = await store.room_by_name("general")
    assert general is not None
    seqs = []
    for i in range(3):
        m, created = await store.insert_message(general.id, author, f"g{i}", f"g{i}", NOW + i)
        assert created
        seqs.append(m.seq)
    m, _ = await store.insert_message(other.id, author, "o", "o0", NOW)
    assert seqs == [1, 2, 3] and m.seq == 1
    assert (await store.room(general.id)).last_seq == 3  # type: ignore[union-attr]


async def test_same_client_id_returns_the_original(store: Store) -> None:
    u = await store.create_user("dora", "h", NOW)
    author = User(u.id, u.username)
    first, created = await store.insert_message(1, author, "hello", "c-1", NOW)
    again, created_again = await store.insert_message(1, author, "changed", "c-1", NOW + 5)
    assert created and not created_again
    assert again == first
    page = await store.messages_before(1, None, 10)
    assert [m.body for m in page.messages] == ["hello"]
    assert (await store.room(1)).last_seq == 1  # type: ignore[union-attr]


async def test_client_ids_are_per_user(store: Store) -> None:
    a = await store.create_user("emil", "h", NOW)
    b = await store.create_user("fred", "h", NOW)
    m1, c1 = await store.insert_message(1, User(a.id, a.username), "x", "same", NOW)
    m2, c2 = await store.insert_message(1, User(b.id, b.username), "y", "same", NOW)
    assert c1 and c2 and m1.id != m2.id


async def test_missing_and_archived_rooms_refuse_messages(store: Store) -> None:
    u = await store.create_user("gina", "h", NOW)
    author = User(u.id, u.username)
    with pytest.raises(NotFound):
        await store.insert_message(999, author, "x", "c", NOW)
    room = await store.create_room("old", "", False, u.id, NOW)
    async with store.transaction() as tx:
        await tx.execute("UPDATE rooms SET archived = 1 WHERE id = %s", (room.id,))
    with pytest.raises(RoomArchived):
        await store.insert_message(room.id, author, "x", "c2", NOW)


async def test_history_pages_both_ways(store: Store) -> None:
    u = await store.create_user("hugo", "h", NOW)
    author = User(u.id, u.username)
    for i in range(1, 8):
        await store.insert_message(1, author, f"m{i}", f"c{i}", NOW + i)
    newest = await store.messages_before(1, None, 3)
    assert [m.seq for m in newest.messages] == [5, 6, 7] and newest.has_more
    older = await store.messages_before(1, 5, 3)
    assert [m.seq for m in older.messages] == [2, 3, 4] and older.has_more
    oldest = await store.messages_before(1, 2, 3)
    assert [m.seq for m in oldest.messages] == [1] and not oldest.has_more
    after = await store.messages_after(1, 3, 3)
    assert [m.seq for m in after.messages] == [4, 5, 6] and after.has_more
    tail = await store.messages_after(1, 6, 3)
    assert [m.seq for m in tail.messages] == [7] and not tail.has_more
    assert [m.seq for m in await store.messages_between(1, 2, 4)] == [3, 4]


async def test_unicode_bodies_round_trip(store: Store) -> None:
    u = await store.create_user("ines", "h", NOW)
    body = "héllo 👋🏽 — 中文 \u200b"
    await store.insert_message(1, User(u.id, u.username), body, "uni", NOW)
    page = await store.messages_after(1, 0, 10)
    assert page.messages[0].body == body


async def test_sessions_end_and_are_logged(store: Store) -> None:
    u = await store.create_user("jon", "h", NOW)
    await store.create_session("s1", u.id, NOW)
    await store.create_session("s2", u.id, NOW)
    assert await store.session_user("s1", NOW - 1) == User(u.id, "jon", False)
    assert await store.session_user("s1", NOW + 1) is None  # older than the cut-off
    start = await store.last_revocation_id()
    await store.end_session("s1", NOW)
    assert await store.session_user("s1", NOW - 1) is None
    ended = await store.set_password(u.id, "h2", NOW)
    # Sessions come out of the store by key (a hash of the id), as the hub registers their sockets.
    assert ended == [session_key("s2")]
    assert [(sid, why) for _, sid, why in await store.revocations_after(start)] == [
        (session_key("s1"), "logged_out"),
        (session_key("s2"), "password_changed"),
    ]


async def test_disabled_users_have_no_sessions(store: Store) -> None:
    u = await store.create_user("kim", "h", NOW)
    await store.create_session("s", u.id, NOW)
    assert await store.set_disabled(u.id, True, NOW) == [session_key("s")]
    await store.create_session("t", u.id, NOW)
    assert await store.session_user("t", 0) is None


async def test_co_members_share_a_room(store: Store) -> None:
    a = await store.create_user("lea", "h", NOW)
    b = await store.create_user("max", "h", NOW)
    c = await store.create_user("ned", "h", NOW)
    room = await store.create_room("pair", "", True, a.id, NOW)
    await store.add_member(room.id, b.id, NOW)
    await store.remove_member(1, c.id)  # ned leaves general: shares nothing with anyone
    assert sorted(m.username for m in await store.co_members(a.id, [b.id, c.id])) == ["max"]


async def test_iter_messages_streams_in_batches(store: Store) -> None:
    u = await store.create_user("olga", "h", NOW)
    author = User(u.id, u.username)
    for i in range(5):
        await store.insert_message(1, author, f"b{i}", f"i{i}", NOW)
    bodies = [m.body async for m in store.iter_messages(None, batch=2)]
    assert bodies == [f"b{i}" for i in range(5)]


async def test_general_gets_a_real_creation_time(store: Store) -> None:
    """Migrations run as written: the SQLite one's strftime('%s') must not be taken for a placeholder."""
    general = await store.room_by_name("general")
    assert general is not None
    assert general.created_at > NOW


async def test_expired_sessions_are_pruned(store: Store) -> None:
    u = await store.create_user("pia", "h", NOW)
    await store.create_session("old", u.id, NOW - 10)
    await store.create_session("new", u.id, NOW)
    assert await store.prune_sessions(NOW - 5) == 1
    assert await store.session_user("new", 0) is not None
    assert await store.session_user("old", 0) is None


async def test_a_resend_after_archiving_returns_the_original(store: Store) -> None:
    u = await store.create_user("quin", "h", NOW)
    author = User(u.id, u.username)
    room = await store.create_room("soon-old", "", False, u.id, NOW)
    first, _ = await store.insert_message(room.id, author, "before", "keep", NOW)
    async with store.transaction() as tx:
        await tx.execute("UPDATE rooms SET archived = 1 WHERE id = %s", (room.id,))
    again, created = await store.insert_message(room.id, author, "before", "keep", NOW + 1)
    assert (again, created) == (first, False)
    with pytest.raises(RoomArchived):
        await store.insert_message(room.id, author, "new", "fresh", NOW + 2)
