"""Mentions, resolved by the server at send: which `@names` mean whom (members only, regardless of case, never the
author), `@room` and its refusal in a large room, and the `mentions` list on every path a message takes."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Chat, connect, frame_of
from parley.actions.mentions import ROOM_MENTION_MAX_MEMBERS, names_in

GENERAL = 1


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ("@bob hi", [["bob"]]),
        ("hi @Bob, and @CY!", [["bob"], ["cy"]]),
        ("(@bob) [@cy]", [["bob"], ["cy"]]),
        ("thanks @bob.", [["bob.", "bob"]]),
        ("@bob_-. ok", [["bob_-.", "bob_-", "bob_", "bob"]]),
        ("mail ana@example.com or x@bob", []),
        ("@@bob", []),
        ("@ bob", []),
        ("@.bob", []),
        ("@room and @ROOM.", [["room"], ["room.", "room"]]),
        ("@" + "a" * 40, [["a" * 32]]),
        ("no mentions here", []),
    ],
)
def test_names_in(body: str, names: list[list[str]]) -> None:
    assert names_in(body) == names


async def _ids(chat: Chat, server: Any, *names: str) -> dict[str, Any]:
    clients = {}
    for name in names:
        clients[name] = await chat.user(server, name)
    return clients


async def _user_id(client: Any) -> int:
    return int((await (await client.get("/api/me")).json())["user"]["id"])


async def _send(ws: Any, body: str, client_id: str, room_id: int = GENERAL) -> dict[str, Any]:
    await ws.send_json({"type": "message.send", "room_id": room_id, "body": body, "client_id": client_id})
    frame: dict[str, Any] = await frame_of(ws, "message.ack", skip=("presence", "message.new", "member.joined"))
    return frame


async def test_names_resolve_to_members_only(chat: Chat) -> None:
    server = await chat.server()
    c = await _ids(chat, server, "Ana", "bob", "Cyd", "bob.")
    zed = await chat.user(server, "zed")
    ids = {name: await _user_id(client) for name, client in c.items()}
    # zed leaves general: a user who exists but is not a member is mentioned by nobody.
    assert (await zed.post(f"/api/rooms/{GENERAL}/leave")).status == 204
    ana_ws, _ = await connect(c["Ana"])
    bob_ws, _ = await connect(c["bob"])
    body = "@BOB and @cyd, also @zed @nobody @Ana ana@example.com @bob. hmm"
    ack = await _send(ana_ws, body, "m1")
    expected = sorted([ids["bob"], ids["Cyd"], ids["bob."]])
    assert ack["message"]["mentions"] == expected  # never the author, although she named herself
    new = await frame_of(bob_ws, "message.new")
    assert new["message"] == ack["message"]
    page = await (await c["bob"].get(f"/api/rooms/{GENERAL}/messages")).json()
    assert [m["mentions"] for m in page["messages"]] == [expected]
    # A resend gets the original, mentions included.
    assert (await _send(ana_ws, body, "m1"))["message"] == ack["message"]
    plain = await _send(ana_ws, "no at sign", "m2")
    assert plain["message"]["mentions"] == []
    _, hello = await connect(c["bob"])
    assert (hello["rooms"][0]["unread"], hello["rooms"][0]["mentions"]) == (2, 1)
    _, hello = await connect(c["Ana"])
    assert (hello["rooms"][0]["unread"], hello["rooms"][0]["mentions"]) == (0, 0)


async def test_at_room_mentions_every_member(chat: Chat) -> None:
    server = await chat.server()
    c = await _ids(chat, server, "ana", "bob", "cyd")
    ids = {name: await _user_id(client) for name, client in c.items()}
    room = (await (await c["ana"].post("/api/rooms", json={"name": "ops"})).json())["room"]["id"]
    assert (await c["bob"].post(f"/api/rooms/{room}/join")).status == 200
    ana_ws, _ = await connect(c["ana"])
    ack = await _send(ana_ws, "@Room standup now", "r1", room)
    assert ack["message"]["mentions"] == [ids["bob"]]  # cyd is not in ops; ana wrote it
    ack = await _send(ana_ws, "@room and @bob again", "r2", room)
    assert ack["message"]["mentions"] == [ids["bob"]]
    listed = {r["name"]: r for r in (await (await c["bob"].get("/api/rooms")).json())["rooms"]}
    assert (listed["ops"]["unread"], listed["ops"]["mentions"]) == (2, 2)


async def test_at_room_is_refused_in_a_large_room(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    for i in range(ROOM_MENTION_MAX_MEMBERS - 1):
        await chat.user(server, f"member{i:02}")
    ana_ws, _ = await connect(ana)
    # 50 members: still allowed.
    ack = await _send(ana_ws, "@room hello all fifty", "ok")
    assert len(ack["message"]["mentions"]) == ROOM_MENTION_MAX_MEMBERS - 1
    await chat.user(server, "one_too_many")
    await ana_ws.send_json({"type": "message.send", "room_id": GENERAL, "body": "@room hi", "client_id": "big"})
    refused = await frame_of(ana_ws, "error", skip=("presence", "member.joined"))
    assert refused == {
        "type": "error",
        "code": "mention_room_too_large",
        "message": f"@room works in rooms of at most {ROOM_MENTION_MAX_MEMBERS} members.",
        "client_id": "big",
    }
    # Nothing was stored, and naming people still works there.
    page = await (await ana.get(f"/api/rooms/{GENERAL}/messages")).json()
    assert [m["client_id"] for m in page["messages"]] == ["ok"]
    ack = await _send(ana_ws, "@member00 just you", "small")
    assert len(ack["message"]["mentions"]) == 1
