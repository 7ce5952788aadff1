"""The change cursor: a client that was away while messages it had were edited, deleted and reacted to ends up
with exactly their current state after reconnecting, without re-reading the history; and the endpoint's contract."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from conftest import Chat, connect, frame_of, next_frame

Client = TestClient[Any, Any]
Socket = aiohttp.ClientWebSocketResponse
THUMBS = "\U0001f44d"


class Replica:
    """What a client keeps of room 1, applying the rules of docs/protocol.md ("Changes: change_seq")."""

    def __init__(self, hello: dict[str, Any]) -> None:
        [room] = [r for r in hello["rooms"] if r["id"] == 1]
        self.last_seq: int = room["last_seq"]
        self.cursor: int = room["change_seq"]
        self.messages: dict[int, dict[str, Any]] = {}

    def keep(self, message: dict[str, Any]) -> None:
        held = self.messages.get(message["id"])
        if held is None or message["change_seq"] > held["change_seq"]:
            self.messages[message["id"]] = message
        self.last_seq = max(self.last_seq, message["seq"])

    def apply(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind in ("message.new", "message.ack"):
            self.keep(frame["message"])
            return
        if kind in ("presence", "presence.batch"):
            return  # presence goes out on its own interval and may come at any point
        self.cursor = max(self.cursor, frame["change_seq"])
        held = self.messages.get(frame["message"]["id"] if kind == "message.updated" else frame["message_id"])
        if held is None or frame["change_seq"] <= held["change_seq"]:
            return
        if kind == "message.updated":
            self.messages[held["id"]] = frame["message"]
        elif kind == "message.deleted":
            self.messages[held["id"]] = held | {"deleted": True, "body": "", "reactions": [],
                                                "change_seq": frame["change_seq"]}
        elif kind == "reactions":
            self.messages[held["id"]] = held | {"reactions": frame["reactions"], "change_seq": frame["change_seq"]}

    async def catch_up(self, client: Client, page_limit: int) -> int:
        """New messages after last_seq, then the changes after the cursor; returns the number of change pages."""
        while True:
            page = await (await client.get(f"/api/rooms/1/messages?after={self.last_seq}")).json()
            for message in page["messages"]:
                self.keep(message)
            if not page["has_more"]:
                break
        pages = 0
        while True:
            page = await (await client.get(f"/api/rooms/1/changes?since={self.cursor}&limit={page_limit}")).json()
            pages += 1
            for message in page["messages"]:
                if message["id"] in self.messages:
                    self.keep(message)
            self.cursor = page["change_seq"]
            if not page["has_more"]:
                return pages


async def _send(ws: Socket, body: str, client_id: str) -> dict[str, Any]:
    await ws.send_json({"type": "message.send", "room_id": 1, "body": body, "client_id": client_id})
    message: dict[str, Any] = (await frame_of(ws, "message.ack", skip=("presence", "message.new")))["message"]
    return message


async def _change_seen(ws: Socket, change_seq: int) -> None:
    """Read until the change frame with this change_seq (they come in change_seq order)."""
    while True:
        frame = await next_frame(ws)
        if frame.get("change_seq") == change_seq:
            return
        assert frame.get("change_seq", 0) < change_seq, frame


async def _everything(client: Client) -> dict[int, dict[str, Any]]:
    page = await (await client.get("/api/rooms/1/messages?limit=100")).json()
    assert not page["has_more"]
    return {m["id"]: m for m in page["messages"]}


async def test_a_client_back_from_away_sees_exactly_the_current_state(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    cyd = await chat.user(server, "cyd")
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    cyd_ws, hello = await connect(cyd)
    replica = Replica(hello)
    sent = [await _send(ana_ws, f"m{i}", f"a{i}") for i in range(6)]
    await ana_ws.send_json({"type": "message.edit", "message_id": sent[0]["id"], "body": "m0 (edited)"})
    while len(replica.messages) < 6 or replica.cursor < 1:
        replica.apply(await next_frame(cyd_ws))
    assert replica.messages[sent[0]["id"]]["body"] == "m0 (edited)"
    await cyd_ws.close()

    # While Cyd is away: edits (one message twice), a deletion, reactions added and taken back, new messages.
    changes = [
        (ana_ws, {"type": "message.edit", "message_id": sent[1]["id"], "body": "m1 v2"}),
        (ana_ws, {"type": "message.edit", "message_id": sent[1]["id"], "body": "m1 v3"}),
        (ana_ws, {"type": "message.delete", "message_id": sent[2]["id"]}),
        (bob_ws, {"type": "reaction.add", "message_id": sent[3]["id"], "emoji": THUMBS}),
        (ana_ws, {"type": "reaction.add", "message_id": sent[3]["id"], "emoji": ":tada:"}),
        (bob_ws, {"type": "reaction.add", "message_id": sent[0]["id"], "emoji": ":eyes:"}),
        (ana_ws, {"type": "reaction.add", "message_id": sent[4]["id"], "emoji": ":x:"}),
        (ana_ws, {"type": "reaction.remove", "message_id": sent[4]["id"], "emoji": ":x:"}),
        (bob_ws, {"type": "reaction.add", "message_id": sent[5]["id"], "emoji": THUMBS}),
        (ana_ws, {"type": "message.delete", "message_id": sent[5]["id"]}),
    ]
    for number, (ws, frame) in enumerate(changes, start=2):
        await ws.send_json(frame)
        await _change_seen(bob_ws, number)
    fresh = await _send(bob_ws, "while you were out", "b1")
    await bob_ws.send_json({"type": "message.edit", "message_id": fresh["id"], "body": "while you were away"})
    await _change_seen(bob_ws, 12)

    # Back: hello says where the room's changes are; catching up from the old cursor, in pages of 2.
    cyd_ws, hello = await connect(cyd)
    [room] = [r for r in hello["rooms"] if r["id"] == 1]
    assert (replica.cursor, room["change_seq"]) == (1, 12)
    pages = await replica.catch_up(cyd, page_limit=2)
    assert pages == 4  # m0 (again), m1, m2, m3, m4, m5 and the new one changed: 7 messages, 2 a page
    assert replica.cursor == room["change_seq"]
    assert replica.messages == await _everything(cyd)
    assert replica.messages[sent[2]["id"]] | {"user": None} == sent[2] | {
        "user": None, "body": "", "deleted": True, "change_seq": 4}
    # Nothing changes later: the cursor is current, and the next catch-up is one empty page.
    body = await (await cyd.get(f"/api/rooms/1/changes?since={replica.cursor}")).json()
    assert body == {"messages": [], "change_seq": replica.cursor, "has_more": False}


async def test_the_endpoint_s_contract(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    eve = await chat.user(server, "eve")
    ana_ws, _ = await connect(ana)
    sent = [await _send(ana_ws, f"m{i}", f"a{i}") for i in range(3)]
    for message in sent:
        await ana_ws.send_json({"type": "message.edit", "message_id": message["id"], "body": "again"})
        await frame_of(ana_ws, "message.updated")
    # Oldest change first; each message once, at its latest change.
    await ana_ws.send_json({"type": "message.edit", "message_id": sent[0]["id"], "body": "last"})
    await frame_of(ana_ws, "message.updated")
    body = await (await eve.get("/api/rooms/1/changes?since=0")).json()
    assert [(m["id"], m["change_seq"]) for m in body["messages"]] == [(sent[1]["id"], 2), (sent[2]["id"], 3),
                                                                      (sent[0]["id"], 4)]
    assert (body["change_seq"], body["has_more"]) == (4, False)
    body = await (await eve.get("/api/rooms/1/changes?since=2&limit=1")).json()
    assert ([m["id"] for m in body["messages"]], body["change_seq"], body["has_more"]) == ([sent[2]["id"]], 3, True)
    for query in ("", "?since=", "?since=-1", "?since=x", "?since=1&limit=0", "?since=1.5", "?limit=5"):
        resp = await ana.get(f"/api/rooms/1/changes{query}")
        assert (resp.status, (await resp.json())["error"]["code"]) == (400, "invalid_query"), query
    secret = (await (await ana.post("/api/rooms", json={"name": "secret", "private": True})).json())["room"]
    for room_id in (secret["id"], 999, "nope"):
        resp = await eve.get(f"/api/rooms/{room_id}/changes?since=0")
        assert (resp.status, (await resp.json())["error"]["code"]) == (404, "room_not_found")
    assert (await ana.get(f"/api/rooms/{secret['id']}/changes?since=0")).status == 200
    anonymous = await chat.client(server)
    assert (await anonymous.get("/api/rooms/1/changes?since=0")).status == 401
