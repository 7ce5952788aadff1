"""DMs, edits, deletions and reactions between two app instances sharing MariaDB and Redis: a DM opened on one
reaches its member connected to the other, and every change crosses in change_seq order."""

from __future__ import annotations

from test_redis_broker import _pair

from conftest import PASSWORD, Chat, connect, frame_of


async def test_a_dm_and_its_changes_cross_instances(mysql_chat: Chat, redis_namespace: str) -> None:
    a, b = await _pair(mysql_chat, redis_namespace)
    ana = await mysql_chat.user(a, "ana")
    await mysql_chat.user(a, "bob")
    bob = await mysql_chat.client(b)
    await bob.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)

    dm = (await (await ana.post("/api/dms", json={"usernames": ["bob"]})).json())["room"]
    assert await frame_of(bob_ws, "room.joined") == {"type": "room.joined", "room": dm}
    assert await frame_of(ana_ws, "room.joined") == {"type": "room.joined", "room": dm}
    await bob_ws.send_json({"type": "message.send", "room_id": dm["id"], "body": "hi ana", "client_id": "b1"})
    message = (await frame_of(bob_ws, "message.ack"))["message"]
    assert (await frame_of(ana_ws, "message.new"))["message"] == message

    await bob_ws.send_json({"type": "message.edit", "message_id": message["id"], "body": "hi Ana"})
    updated = await frame_of(ana_ws, "message.updated")
    assert (updated["room_id"], updated["change_seq"], updated["message"]["body"]) == (dm["id"], 1, "hi Ana")
    assert await frame_of(bob_ws, "message.updated") == updated

    await ana_ws.send_json({"type": "reaction.add", "message_id": message["id"], "emoji": ":heart:"})
    reactions = await frame_of(bob_ws, "reactions")
    assert (reactions["change_seq"], reactions["reactions"]) == (
        2, [{"emoji": "\u2764\ufe0f", "count": 1, "users": [{"id": 1, "username": "ana"}]}])
    await frame_of(ana_ws, "reactions")

    await bob_ws.send_json({"type": "message.delete", "message_id": message["id"]})
    deleted = await frame_of(ana_ws, "message.deleted")
    assert deleted == {"type": "message.deleted", "room_id": dm["id"], "message_id": message["id"], "seq": 1,
                       "change_seq": 3}
    # Either instance answers the catch-up the same.
    for client in (ana, bob):
        body = await (await client.get(f"/api/rooms/{dm['id']}/changes?since=0")).json()
        assert [(m["id"], m["deleted"], m["change_seq"]) for m in body["messages"]] == [(message["id"], True, 3)]


async def test_edits_from_both_instances_arrive_in_change_seq_order(mysql_chat: Chat, redis_namespace: str) -> None:
    a, b = await _pair(mysql_chat, redis_namespace)
    ana = await mysql_chat.user(a, "ana")
    await mysql_chat.user(a, "bob")
    bob = await mysql_chat.client(b)
    await bob.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    await ana_ws.send_json({"type": "message.send", "room_id": 1, "body": "ana's", "client_id": "a1"})
    mine = (await frame_of(ana_ws, "message.ack"))["message"]
    await bob_ws.send_json({"type": "message.send", "room_id": 1, "body": "bob's", "client_id": "b1"})
    his = (await frame_of(bob_ws, "message.ack", skip=("presence", "message.new")))["message"]
    for i in range(8):
        await ana_ws.send_json({"type": "message.edit", "message_id": mine["id"], "body": f"ana {i}"})
        await bob_ws.send_json({"type": "message.edit", "message_id": his["id"], "body": f"bob {i}"})
    for ws in (ana_ws, bob_ws):
        seen = [(await frame_of(ws, "message.updated", skip=("presence", "message.new")))["change_seq"]
                for _ in range(16)]
        assert seen == list(range(1, 17))
