"""reaction.add and reaction.remove over /ws: the whole list to every member, nothing for a no-op, the list in
history, shortcodes, the per-message cap, and every refusal code echoing the message_id."""

from __future__ import annotations

from typing import Any

import aiohttp

from conftest import Chat, connect, frame_of
from parley.clock import FakeClock

Socket = aiohttp.ClientWebSocketResponse
THUMBS = "\U0001f44d"
PARTY = "\U0001f389"
ANA = {"id": 1, "username": "ana"}
BOB = {"id": 2, "username": "bob"}


async def _send(ws: Socket, room_id: int, body: str, client_id: str) -> dict[str, Any]:
    await ws.send_json({"type": "message.send", "room_id": room_id, "body": body, "client_id": client_id})
    skip = ("presence", "message.new", "room.joined")
    message: dict[str, Any] = (await frame_of(ws, "message.ack", skip=skip))["message"]
    return message


async def _react(ws: Socket, kind: str, message_id: int, emoji: str) -> None:
    await ws.send_json({"type": f"reaction.{kind}", "message_id": message_id, "emoji": emoji})


async def test_members_hear_the_whole_list_and_history_carries_it(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    message = await _send(ana_ws, 1, "lunch?", "m1")
    await frame_of(bob_ws, "message.new")
    await _react(bob_ws, "add", message["id"], THUMBS)
    first = {"type": "reactions", "room_id": 1, "message_id": message["id"], "seq": 1, "change_seq": 1,
             "reactions": [{"emoji": THUMBS, "count": 1, "users": [BOB]}]}
    assert await frame_of(ana_ws, "reactions") == first
    assert await frame_of(bob_ws, "reactions") == first
    await _react(ana_ws, "add", message["id"], PARTY)
    await _react(ana_ws, "add", message["id"], ":+1:")  # the same reaction as the emoji
    await frame_of(bob_ws, "reactions")
    third = await frame_of(bob_ws, "reactions")
    assert third["change_seq"] == 3
    listed = [{"emoji": THUMBS, "count": 2, "users": [BOB, ANA]}, {"emoji": PARTY, "count": 1, "users": [ANA]}]
    assert third["reactions"] == listed
    page = await (await bob.get("/api/rooms/1/messages")).json()
    assert page["messages"][0]["reactions"] == listed
    assert page["messages"][0]["change_seq"] == 3
    assert [(await frame_of(ana_ws, "reactions"))["change_seq"] for _ in range(2)] == [2, 3]
    # Adding one again, or removing one not had, changes nothing and sends nothing: the next frame is change 4.
    await _react(bob_ws, "add", message["id"], ":+1:")
    await _react(bob_ws, "remove", message["id"], PARTY)
    await _react(bob_ws, "remove", message["id"], THUMBS)
    fourth = await frame_of(ana_ws, "reactions")
    assert fourth["change_seq"] == 4
    # Emoji go in the order of their earliest reaction still there: Ana's party came before her thumbs up.
    assert fourth["reactions"] == [listed[1], {"emoji": THUMBS, "count": 1, "users": [ANA]}]
    await _react(ana_ws, "remove", message["id"], THUMBS)
    await _react(ana_ws, "remove", message["id"], PARTY)
    assert [(await frame_of(bob_ws, "reactions"))["change_seq"] for _ in range(3)] == [4, 5, 6]
    page = await (await bob.get("/api/rooms/1/messages")).json()
    assert (page["messages"][0]["reactions"], page["messages"][0]["change_seq"]) == ([], 6)


async def test_the_cap_on_distinct_emoji(chat: Chat) -> None:
    clock = FakeClock()
    server = await chat.server(clock=clock)
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    message = await _send(ana_ws, 1, "vote", "m1")
    emoji = [chr(0x1F600 + i) for i in range(21)]
    for value in emoji[:20]:
        clock.advance(100)  # within the sending budget (10 per second)
        await _react(ana_ws, "add", message["id"], value)
        await frame_of(ana_ws, "reactions")
    clock.advance(100)
    await _react(ana_ws, "add", message["id"], emoji[20])
    error = await frame_of(ana_ws, "error")
    assert error == {"type": "error", "code": "too_many_reactions",
                     "message": "A message carries at most 20 different emoji.", "message_id": message["id"]}
    # One already there may still be added by someone else.
    await _react(bob_ws, "add", message["id"], emoji[0])
    frames = [await frame_of(bob_ws, "reactions", skip=("presence", "message.new")) for _ in range(21)]
    assert [f["change_seq"] for f in frames] == list(range(1, 22))
    assert frames[-1]["reactions"][0] == {"emoji": emoji[0], "count": 2, "users": [ANA, BOB]}
    assert len(frames[-1]["reactions"]) == 20


async def test_refusals_echo_the_message_id(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    mine = await _send(ana_ws, 1, "mine", "m1")
    lobby = (await (await bob.post("/api/rooms", json={"name": "lobby"})).json())["room"]
    secret = (await (await bob.post("/api/rooms", json={"name": "secret", "private": True})).json())["room"]
    dm = (await (await bob.post("/api/dms", json={"usernames": ["ana"]})).json())["room"]
    in_lobby = await _send(bob_ws, lobby["id"], "public", "b1")
    in_secret = await _send(bob_ws, secret["id"], "hidden", "b2")
    in_dm = await _send(bob_ws, dm["id"], "ours", "b3")
    await frame_of(ana_ws, "room.joined")
    cases = [
        (999_999, THUMBS, "message_not_found"),
        (in_secret["id"], THUMBS, "message_not_found"),
        (in_lobby["id"], THUMBS, "not_a_member"),
        (mine["id"], "ok", "invalid_frame"),
        (mine["id"], THUMBS * 2, "invalid_frame"),
        (mine["id"], ":nope:", "invalid_frame"),
        (mine["id"], "", "invalid_frame"),
    ]
    for kind in ("add", "remove"):
        for message_id, emoji, code in cases:
            await _react(ana_ws, kind, message_id, emoji)
            error = await frame_of(ana_ws, "error", skip=("presence", "message.new"))
            assert (error["code"], error["message_id"]) == (code, message_id), (kind, emoji)
            if code == "invalid_frame":
                assert list(error["fields"]) == ["emoji"]
    # Ana is in the DM: she may react there.
    await _react(ana_ws, "add", in_dm["id"], PARTY)
    assert (await frame_of(bob_ws, "reactions", skip=("presence", "message.new")))["reactions"][0]["users"] == [ANA]
    await ana_ws.send_json({"type": "reaction.add", "message_id": mine["id"]})
    error = await frame_of(ana_ws, "error", skip=("presence", "reactions"))
    assert (error["code"], error["message_id"], list(error["fields"])) == ("invalid_frame", mine["id"], ["emoji"])
