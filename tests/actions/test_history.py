"""History over REST: newest page first, older pages by before=, catch-up by after=, limits and bad queries."""

from __future__ import annotations

from typing import Any

from conftest import Chat, connect, frame_of


async def _fill(client: Any, count: int) -> None:
    ws, _ = await connect(client)
    for i in range(1, count + 1):
        await ws.send_json({"type": "message.send", "room_id": 1, "body": f"m{i}", "client_id": f"h{i}"})
        await frame_of(ws, "message.ack")
    await ws.close()


async def _page(client: Any, query: str) -> dict[str, Any]:
    resp = await client.get(f"/api/rooms/1/messages?{query}")
    assert resp.status == 200, await resp.text()
    page: dict[str, Any] = await resp.json()
    return page


async def test_paging_backwards_and_forwards(chat: Chat) -> None:
    server = await chat.server(history_page_max=100)
    ana = await chat.user(server, "ana")
    await _fill(ana, 12)
    newest = await _page(ana, "limit=5")
    assert [m["seq"] for m in newest["messages"]] == [8, 9, 10, 11, 12]
    assert newest["has_more"] is True
    seen = [m["seq"] for m in newest["messages"]]
    cursor = newest["messages"][0]["seq"]
    while True:
        page = await _page(ana, f"before={cursor}&limit=5")
        seen = [m["seq"] for m in page["messages"]] + seen
        if not page["has_more"]:
            break
        cursor = page["messages"][0]["seq"]
    assert seen == list(range(1, 13))
    caught_up: list[int] = []
    cursor = 3
    while True:
        page = await _page(ana, f"after={cursor}&limit=4")
        caught_up += [m["seq"] for m in page["messages"]]
        if not page["has_more"]:
            break
        cursor = page["messages"][-1]["seq"]
    assert caught_up == list(range(4, 13))
    assert (await _page(ana, "after=12")) == {"messages": [], "has_more": False}


async def test_limit_default_and_cap(chat: Chat) -> None:
    server = await chat.server(history_page_max=10)
    ana = await chat.user(server, "ana")
    await _fill(ana, 12)
    assert len((await _page(ana, "limit=1000"))["messages"]) == 10
    assert len((await _page(ana, ""))["messages"]) == 10


async def test_bad_queries(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    for query in ["before=x", "after=-1", "limit=0", "limit=abc", "before=1&after=2", "before=1.5"]:
        resp = await ana.get(f"/api/rooms/1/messages?{query}")
        assert resp.status == 400, query
        assert (await resp.json())["error"]["code"] == "invalid_query"
    resp = await ana.get("/api/rooms/999/messages")
    assert resp.status == 404


async def test_public_room_readable_without_joining(chat: Chat) -> None:
    server = await chat.server()
    ana = await chat.user(server, "ana")
    bo = await chat.user(server, "bob")
    room = (await (await ana.post("/api/rooms", json={"name": "lobby"})).json())["room"]
    ws, _ = await connect(ana)
    await ws.send_json({"type": "message.send", "room_id": room["id"], "body": "hi all", "client_id": "l1"})
    await frame_of(ws, "message.ack")
    page = await (await bo.get(f"/api/rooms/{room['id']}/messages")).json()
    assert [m["body"] for m in page["messages"]] == ["hi all"]
