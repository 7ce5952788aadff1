"""GET /api/search over REST, on SQLite and MariaDB: English and Chinese words (one and two characters too), every
access rule (attacked: a removed member, a left room, others' private rooms and DMs), edits and deletions,
paging with before, the from:/in: filters and each refusal code. And history around a seq."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from conftest import Chat, connect, eventually, frame_of
from parley import keys
from parley.store import open_store

Client = TestClient[Any, Any]
Socket = aiohttp.ClientWebSocketResponse


async def _send(ws: Socket, room_id: int, body: str, client_id: str) -> dict[str, Any]:
    await ws.send_json({"type": "message.send", "room_id": room_id, "body": body, "client_id": client_id})
    skip = ("presence", "message.new", "room.joined", "member.joined", "message.updated", "message.deleted")
    message: dict[str, Any] = (await frame_of(ws, "message.ack", skip=skip))["message"]
    return message


async def _indexed(server: TestServer) -> None:
    """Wait until the server's indexer has indexed every message sent so far (search lags a send by a moment:
    docs/search.md); what the searches then find must be exact."""
    store = server.app[keys.STORE]

    async def empty() -> bool:
        async with store.read() as tx:
            row = await tx.fetchone("SELECT COUNT(*) FROM search_backlog")
        return row is not None and int(row[0]) == 0

    await eventually(empty)


async def _search(client: Client, **params: Any) -> dict[str, Any]:
    resp = await client.get("/api/search", params={k: str(v) for k, v in params.items()})
    assert resp.status == 200, await resp.text()
    answer: dict[str, Any] = await resp.json()
    return answer


async def _bodies(client: Client, q: str, **params: Any) -> list[str]:
    return [r["message"]["body"] for r in (await _search(client, q=q, **params))["results"]]


async def _refusal(client: Client, **params: Any) -> tuple[int, str]:
    resp = await client.get("/api/search", params={k: str(v) for k, v in params.items()})
    return resp.status, (await resp.json())["error"]["code"]


async def _room(client: Client, name: str, *, private: bool = False) -> int:
    resp = await client.post("/api/rooms", json={"name": name, "private": private})
    assert resp.status == 201, await resp.text()
    room_id: int = (await resp.json())["room"]["id"]
    return room_id


async def test_english_and_chinese_words_newest_first(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    bodies = [
        "The Budget review is on Friday",
        "我们明天开会讨论预算",
        "预算会议改到下午三点",
        "会",
        "Lunch? budget-friendly please",
        "東京タワーに行きました",
    ]
    sent = [await _send(ws, 1, body, f"c{i}") for i, body in enumerate(bodies)]
    await _indexed(server)
    assert await _bodies(ana, "budget") == [bodies[4], bodies[0]]
    assert await _bodies(ana, "BUDGET review") == [bodies[0]]
    assert await _bodies(ana, "预算") == [bodies[2], bodies[1]]
    assert await _bodies(ana, "会") == [bodies[3], bodies[2], bodies[1]]
    assert await _bodies(ana, "预算会议") == [bodies[2]]
    assert await _bodies(ana, "讨论预算") == [bodies[1]]
    # Both pairs of 预算下午 are in 预算会议改到下午三点, but not next to each other: the substring decides.
    assert await _bodies(ana, "预算下午") == []
    assert await _bodies(ana, "议会") == []
    assert await _bodies(ana, "タワー") == [bodies[5]]
    assert await _bodies(ana, "budget 预算") == []
    assert await _bodies(ana, "friday budget") == [bodies[0]]
    answer = await _search(ana, q="review")
    assert answer == {
        "results": [{"message": sent[0], "room": answer["results"][0]["room"]}],
        "has_more": False,
    }
    room = answer["results"][0]["room"]
    assert (room["id"], room["name"], room["kind"], room["joined"]) == (1, "general", "room", True)


async def test_access_rules(chat: Chat) -> None:
    """Only the rooms the caller is in now; a public room they are not in only when they name it."""
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    eve = await chat.user(server, "eve")
    secret = await _room(ana, "secret", private=True)
    assert (await ana.post(f"/api/rooms/{secret}/members", json={"username": "eve"})).status == 200
    lobby = await _room(ana, "lobby")
    assert (await eve.post(f"/api/rooms/{lobby}/join")).status == 200
    dm_room = (await (await ana.post("/api/dms", json={"usernames": ["bob"]})).json())["room"]
    dm = dm_room["id"]
    ws, _ = await connect(ana)
    await _send(ws, secret, "secret plan 预算", "s1")
    await _send(ws, lobby, "lobby plan 预算", "l1")
    await _send(ws, dm, "dm plan 预算", "d1")
    await _send(ws, 1, "general plan 预算", "g1")
    await _indexed(server)

    assert await _bodies(ana, "plan") == ["general plan 预算", "dm plan 预算", "lobby plan 预算", "secret plan 预算"]
    # bob: general and the DM; never ana's private room; lobby only when he names it.
    assert await _bodies(bob, "预算") == ["general plan 预算", "dm plan 预算"]
    assert await _bodies(bob, "plan", room_id=lobby) == ["lobby plan 预算"]
    assert await _bodies(bob, "plan in:lobby") == ["lobby plan 预算"]
    hit = (await _search(bob, q="plan", room_id=lobby))["results"][0]
    assert hit["room"]["joined"] is False
    # A DM's name key is a control character and its members' ids: typed after in:, it names nothing.
    dm_name = 'in:"\x1fdm:' + ",".join(str(i) for i in sorted(u["id"] for u in dm_room["members"])) + '"'
    attacks: list[dict[str, Any]] = [
        {"room_id": secret},
        {"room_id": dm, "as": eve},
        {"q": "plan in:secret"},
        {"q": f"plan {dm_name}", "as": eve},
        {"q": f"plan {dm_name}"},
    ]
    for attack in attacks:
        who = attack.pop("as", bob)
        params = {"q": "plan"} | attack
        assert await _refusal(who, **params) == (404, "room_not_found"), attack
    # eve: in secret and lobby, not the DM.
    assert await _bodies(eve, "plan") == ["general plan 预算", "lobby plan 预算", "secret plan 预算"]
    # eve leaves lobby: it is no longer searched (but still readable by name, being public).
    assert (await eve.post(f"/api/rooms/{lobby}/leave")).status == 204
    assert await _bodies(eve, "plan") == ["general plan 预算", "secret plan 预算"]
    # eve is removed from secret by the operator: she finds nothing of it, not even by naming it.
    store = await open_store(chat.url)
    try:
        account = await store.account_by_name("eve")
        assert account is not None
        assert await store.remove_member(secret, account.id)
    finally:
        await store.close()
    assert await _bodies(eve, "plan") == ["general plan 预算"]
    assert await _bodies(eve, "secret") == []
    assert await _refusal(eve, q="plan", room_id=secret) == (404, "room_not_found")


async def test_edits_reindex_and_deletions_unindex(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    first = await _send(ws, 1, "the old wording 旧预算", "e1")
    second = await _send(ws, 1, "gone soon 删除", "e2")
    await _indexed(server)
    await ws.send_json({"type": "message.edit", "message_id": first["id"], "body": "the new wording 新方案"})
    await frame_of(ws, "message.updated")
    assert await _bodies(ana, "old") == []
    assert await _bodies(ana, "旧") == []
    assert await _bodies(ana, "new") == ["the new wording 新方案"]
    assert await _bodies(ana, "新方案") == ["the new wording 新方案"]
    assert await _bodies(ana, "wording") == ["the new wording 新方案"]
    await ws.send_json({"type": "message.delete", "message_id": second["id"]})
    await frame_of(ws, "message.deleted")
    assert await _bodies(ana, "gone") == []
    assert await _bodies(ana, "删除") == []


async def test_paging_with_before(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    sent = [await _send(ws, 1, f"report {i} 报告", f"p{i}") for i in range(7)]
    await _send(ws, 1, "something else", "other")
    await _indexed(server)
    seen: list[int] = []
    before = None
    while True:
        params: dict[str, Any] = {"q": "报告", "limit": 3} | ({} if before is None else {"before": before})
        page = await _search(ana, **params)
        ids = [r["message"]["id"] for r in page["results"]]
        seen += ids
        if not page["has_more"]:
            break
        assert len(ids) == 3
        before = ids[-1]
    assert seen == [m["id"] for m in reversed(sent)]
    assert len((await _search(ana, q="report"))["results"]) == 7


async def test_from_and_in_filters(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bob = await chat.user(server, "bob")
    ops = await _room(ana, "ops")
    assert (await bob.post(f"/api/rooms/{ops}/join")).status == 200
    ana_ws, _ = await connect(ana)
    bob_ws, _ = await connect(bob)
    await _send(ana_ws, 1, "deploy today", "a1")
    await _send(bob_ws, 1, "deploy tomorrow", "b1")
    await _send(bob_ws, ops, "deploy in ops", "b2")
    await _indexed(server)
    assert await _bodies(ana, "deploy from:bob") == ["deploy in ops", "deploy tomorrow"]
    assert await _bodies(ana, "from:@BOB deploy") == ["deploy in ops", "deploy tomorrow"]
    assert await _bodies(ana, "deploy", **{"from": "ana"}) == ["deploy today"]
    assert await _bodies(ana, "deploy in:#ops") == ["deploy in ops"]
    assert await _bodies(ana, 'deploy in:"OPS" from:bob') == ["deploy in ops"]
    assert await _bodies(ana, "deploy in:general from:ana") == ["deploy today"]
    assert await _bodies(ana, "deploy in:ops", room_id=ops) == ["deploy in ops"]
    assert await _refusal(ana, q="deploy in:ops", room_id=1) == (400, "invalid_query")
    assert await _refusal(ana, q="deploy from:bob", **{"from": "ana"}) == (400, "invalid_query")


async def test_bad_input(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    cases: list[tuple[dict[str, Any], tuple[int, str]]] = [
        ({"q": "x", "limit": 0}, (400, "invalid_query")),
        ({"q": "x", "limit": 51}, (400, "invalid_query")),
        ({"q": "x", "limit": "ten"}, (400, "invalid_query")),
        ({"q": "x", "before": 0}, (400, "invalid_query")),
        ({"q": "x", "room_id": "abc"}, (400, "invalid_query")),
        ({}, (400, "search_query_empty")),
        ({"q": ""}, (400, "search_query_empty")),
        ({"q": "  !!! ... "}, (400, "search_query_empty")),
        ({"q": "from:ana in:general"}, (400, "search_query_empty")),
        ({"q": "a" * 201}, (400, "search_query_too_long")),
        ({"q": " ".join(f"w{i}" for i in range(13))}, (400, "search_query_too_long")),
        ({"q": "x", "room_id": 999_999}, (404, "room_not_found")),
        ({"q": "x in:nowhere"}, (404, "room_not_found")),
        ({"q": "x from:nobody"}, (404, "user_not_found")),
        ({"q": "x", "from": "nobody"}, (404, "user_not_found")),
    ]
    for params, expected in cases:
        assert await _refusal(ana, **params) == expected, params
    assert (await _search(ana, q="x", limit=50)) == {"results": [], "has_more": False}
    assert (await _search(ana, q="a" * 200)) == {"results": [], "has_more": False}
    anonymous = await chat.client(server)
    assert (await anonymous.get("/api/search", params={"q": "x"})).status == 401


async def test_history_around_a_seq(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    ws, _ = await connect(ana)
    for i in range(1, 21):
        await _send(ws, 1, f"m{i}", f"h{i}")

    async def around(seq: int, limit: int) -> tuple[list[int], bool, bool, bool]:
        resp = await ana.get(f"/api/rooms/1/messages?around={seq}&limit={limit}")
        assert resp.status == 200, await resp.text()
        page = await resp.json()
        seqs = [m["seq"] for m in page["messages"]]
        return seqs, page["has_more_before"], page["has_more_after"], page["has_more"]

    assert await around(10, 5) == ([8, 9, 10, 11, 12], True, True, True)
    assert await around(10, 4) == ([9, 10, 11, 12], True, True, True)
    assert await around(2, 6) == ([1, 2, 3, 4, 5], False, True, False)
    assert await around(19, 6) == ([17, 18, 19, 20], True, False, True)
    assert await around(10, 1) == ([10], True, True, True)
    assert await around(1, 39) == (list(range(1, 21)), False, False, False)
    plain = await (await ana.get("/api/rooms/1/messages?limit=3")).json()
    assert set(plain) == {"messages", "has_more"}
    for query in ("around=-1", "around=x", "around=3&before=5", "around=3&after=1"):
        resp = await ana.get(f"/api/rooms/1/messages?{query}")
        assert resp.status == 400, query
        assert (await resp.json())["error"]["code"] == "invalid_query"
