"""The web app in a real browser against the real server (issue #4): register, rooms, chat both ways, presence
and typing; reload; older history on scroll; no HTML injection; reconnect and catch-up after a server restart.

Every wait is bounded (Playwright's expect with the context's timeout, or `eventually`)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import IN_CI, PASSWORD, Chat, connect, eventually, migrated
from parley.clock import SystemClock
from parley.models import User
from parley.store import open_store

from .conftest import (
    Browsing,
    Frames,
    base_url,
    message_with_body,
    register,
    restart_server,
    send,
    start_server,
)

try:
    from playwright.async_api import expect
except ImportError:
    if IN_CI:
        raise
    pytest.skip("playwright is not installed (pip install -e '.[test]')", allow_module_level=True)

pytestmark = pytest.mark.e2e


def member(page: Any, username: str) -> Any:
    return page.locator(f'[data-testid="member-item"][data-username="{username}"]')


async def test_two_users_register_join_a_room_chat_see_presence_and_typing(
    e2e_chat: Chat, browsing: Browsing
) -> None:
    server = await start_server(e2e_chat)
    url = base_url(server)
    ana = await browsing.page("ana")
    bob = await browsing.page("bob")
    await register(ana, url, "ana")
    await register(bob, url, "bob")

    # Ana creates a room through the dialog and lands in it.
    await ana.get_by_test_id("create-room-button").click()
    create = ana.get_by_test_id("create-room-dialog")
    await create.get_by_test_id("create-room-name").fill("design")
    await create.get_by_test_id("create-room-topic").fill("Pixels and prose")
    await create.get_by_test_id("create-room-submit").click()
    await expect(create).to_have_count(0)
    await expect(ana.get_by_test_id("room-title")).to_contain_text("design")
    await expect(ana.locator('[data-testid="room-item"][data-room-name="design"]')).to_have_attribute(
        "aria-current", "page"
    )

    # Bob finds it in the directory and joins.
    await bob.get_by_test_id("browse-rooms-button").click()
    browse = bob.get_by_test_id("browse-rooms-dialog")
    await browse.get_by_test_id("browse-filter").fill("desi")
    listed = browse.locator('[data-testid="browse-room-item"][data-room-name="design"]')
    await expect(browse.get_by_test_id("browse-room-item")).to_have_count(1)
    await listed.get_by_test_id("join-room-button").click()
    await expect(browse).to_have_count(0)
    await expect(bob.get_by_test_id("room-title")).to_contain_text("design")
    await expect(bob.get_by_test_id("room-topic")).to_have_text("Pixels and prose")

    # Both are online in each other's member list (wide viewport: the panel is open).
    await expect(member(ana, "bob")).to_have_attribute("data-status", "online")
    await expect(member(bob, "ana")).to_have_attribute("data-status", "online")

    # Ana types: Bob sees it; she sends: the indicator goes and the message arrives.
    await ana.get_by_test_id("composer-input").press_sequentially("hi bob")
    await expect(bob.get_by_test_id("typing-indicator")).to_have_text("ana is typing…")
    await ana.get_by_test_id("composer-input").fill("")
    await send(ana, "Hi Bob, welcome to #design")
    from_ana = message_with_body(bob, "Hi Bob, welcome to #design")
    await expect(from_ana).to_have_count(1)
    await expect(from_ana).to_have_attribute("data-author", "ana")
    await expect(bob.get_by_test_id("typing-indicator")).to_have_text("")

    # And the other way round.
    await bob.get_by_test_id("composer-input").press_sequentially("thanks")
    await expect(ana.get_by_test_id("typing-indicator")).to_have_text("bob is typing…")
    await bob.get_by_test_id("composer-input").fill("")
    await send(bob, "Thanks Ana! Glad to be here.")
    from_bob = message_with_body(ana, "Thanks Ana! Glad to be here.")
    await expect(from_bob).to_have_count(1)
    await expect(from_bob).to_have_attribute("data-author", "bob")
    await expect(ana.get_by_test_id("typing-indicator")).to_have_text("")
    # Both see the same conversation in the same order.
    for page in (ana, bob):
        await expect(page.get_by_test_id("message-body")).to_have_text(
            ["Hi Bob, welcome to #design", "Thanks Ana! Glad to be here."]
        )

    # Bob closes his page: Ana sees him go offline (grace 0.5 s) with a last-seen label.
    bob_context = bob.context
    await bob.close()
    await expect(member(ana, "bob")).to_have_attribute("data-status", "offline")
    await expect(member(ana, "bob").get_by_test_id("member-status")).to_have_text("last seen just now")

    # He comes back (same browser profile: still logged in), then Ana closes hers: he sees her go offline.
    bob = await browsing.page("bob-again", context=bob_context)
    await bob.goto(url)
    await expect(bob.get_by_test_id("chat-screen")).to_be_visible()
    await expect(member(ana, "bob")).to_have_attribute("data-status", "online")
    await expect(member(bob, "ana")).to_have_attribute("data-status", "online")
    await ana.close()
    await expect(member(bob, "ana")).to_have_attribute("data-status", "offline")
    assert browsing.page_errors == []


async def test_reload_keeps_session_room_and_history(e2e_chat: Chat, browsing: Browsing) -> None:
    server = await start_server(e2e_chat)
    url = base_url(server)
    ana = await browsing.page("ana")
    await register(ana, url, "ana")
    await ana.get_by_test_id("create-room-button").click()
    await ana.get_by_test_id("create-room-name").fill("notes")
    await ana.get_by_test_id("create-room-submit").click()
    await expect(ana.get_by_test_id("room-title")).to_contain_text("notes")
    bodies = ["first note", "second note", "third note"]
    for body in bodies:
        await send(ana, body)

    await ana.reload()
    await expect(ana.get_by_test_id("chat-screen")).to_be_visible()
    await expect(ana.get_by_test_id("auth-screen")).to_have_count(0)
    await expect(ana.get_by_test_id("current-user")).to_contain_text("ana")
    await expect(ana.get_by_test_id("room-title")).to_contain_text("notes")
    await expect(ana.get_by_test_id("message-body")).to_have_text(bodies)
    await expect(ana.get_by_test_id("message-item")).to_have_count(3)
    for item in await ana.get_by_test_id("message-item").all():
        await expect(item).to_have_attribute("data-status", "sent")
    await expect(ana.get_by_test_id("connection-status")).to_have_attribute("data-state", "open")
    # Still the same live session: a message sent after the reload goes through.
    await send(ana, "after the reload")
    assert browsing.page_errors == []


async def _seed_general(chat: Chat, count: int) -> None:
    """`count` messages in general by another user, written through the store before the server starts."""
    await migrated(chat.url)
    store = await open_store(chat.url)
    try:
        now = SystemClock().now_ms()
        account = await store.create_user("historian", "not-a-password-hash", now - 10 * 60_000)
        general = await store.room_by_name("general")
        assert general is not None
        author = User(id=account.id, username=account.username)
        for i in range(1, count + 1):
            # a second apart, ending a minute ago: all on one day in most cases, one author group
            created = now - 60_000 - (count - i) * 1_000
            await store.insert_message(general.id, author, f"history {i}", f"seed-{i}", created)
    finally:
        await store.close()


_SCROLL_TOP = """() => {
    const list = document.querySelector('[data-testid="message-list"]');
    const items = [...list.querySelectorAll('[data-testid="message-item"]')];
    // The second-oldest item: the oldest may lose its header when older messages from the same author group
    // with it; everything below it must stay exactly where it is.
    const anchor = items[1];
    list.scrollTop = 0;
    const box = list.getBoundingClientRect();
    return {oldest: Number(items[0].dataset.seq), anchor: anchor.dataset.seq,
            top: anchor.getBoundingClientRect().top, listTop: box.top, listBottom: box.bottom};
}"""

_ANCHOR_TOP = """(seq) => document.querySelector(
    `[data-testid="message-list"] [data-testid="message-item"][data-seq="${seq}"]`).getBoundingClientRect().top"""


async def test_scrolling_up_loads_older_history_without_jumping(e2e_chat: Chat, browsing: Browsing) -> None:
    await _seed_general(e2e_chat, 120)
    server = await start_server(e2e_chat)
    ana = await browsing.page("ana")
    await register(ana, base_url(server), "ana")
    items = ana.get_by_test_id("message-item")
    # The newest page (50) first, scrolled to the bottom.
    await expect(ana.locator('[data-testid="message-item"][data-seq="120"]')).to_be_in_viewport()
    await expect(items).to_have_count(50)
    await expect(ana.locator('[data-testid="message-item"][data-seq="71"]')).to_have_count(1)
    await expect(ana.get_by_test_id("history-start")).to_have_count(0)

    seq1 = ana.locator('[data-testid="message-item"][data-seq="1"]')
    for _ in range(4):
        if await seq1.count():
            break
        before = await ana.evaluate(_SCROLL_TOP)
        # The next older message appears, the fetch ends...
        await expect(ana.locator(f'[data-testid="message-item"][data-seq="{before["oldest"] - 1}"]')).to_have_count(1)
        await expect(ana.get_by_test_id("load-older-status")).to_have_count(0)
        # ...and what the reader was looking at did not move.
        after = await ana.evaluate(_ANCHOR_TOP, before["anchor"])
        assert abs(after - before["top"]) <= 2, (before, after)
        assert before["listTop"] <= after <= before["listBottom"], (before, after)
    await expect(seq1).to_have_count(1)
    await expect(items).to_have_count(120)
    await expect(ana.get_by_test_id("history-start")).to_have_count(1)
    seqs = [int(s) for s in await items.evaluate_all("els => els.map(e => e.dataset.seq)")]
    assert seqs == list(range(1, 121))
    assert await ana.get_by_test_id("message-body").first.text_content() == "history 1"
    assert browsing.page_errors == []


IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>window.__xss=1</script>"
MIXED = '<b>bold?</b> <img src=/x2 onerror="window.__xss=2"> & &amp; "quotes"'


async def test_html_in_messages_is_shown_as_text_and_never_runs(e2e_chat: Chat, browsing: Browsing) -> None:
    server = await start_server(e2e_chat)
    bob = await e2e_chat.user(server, "bob")
    ws, hello = await connect(bob)
    bob_frames = Frames(ws)
    general = next(r for r in hello["rooms"] if r["name"] == "general")

    ana = await browsing.page("ana")
    dialogs: list[str] = []
    requests: list[str] = []

    async def on_dialog(dialog: Any) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    ana.on("dialog", on_dialog)
    ana.on("request", lambda r: requests.append(r.url))
    await register(ana, base_url(server), "ana")

    # Typed by Ana in the composer...
    await send(ana, IMG)
    await send(ana, SCRIPT)
    # ...and arriving live from Bob's socket.
    await bob_frames.send({"type": "message.send", "room_id": general["id"], "body": MIXED, "client_id": "xss-mixed"})
    await bob_frames.first("message.ack")

    async def check() -> None:
        for body in (IMG, SCRIPT, MIXED):
            item = message_with_body(ana, body)
            await expect(item).to_have_count(1)
            assert await item.get_by_test_id("message-body").text_content() == body
        messages = ana.get_by_test_id("message-list")
        for tag in ("img", "script", "b"):
            assert await messages.locator(tag).count() == 0, tag
        # give a would-be onerror handler the chance to run (the image request would fail at once)
        await ana.wait_for_timeout(300)
        assert await ana.evaluate("typeof window.__xss") == "undefined"
        assert dialogs == []
        assert not [u for u in requests if u.endswith(("/x", "/x2"))], requests

    await check()
    # The same from history after a reload.
    await ana.reload()
    await expect(ana.get_by_test_id("message-item")).to_have_count(3)
    await check()
    await bob_frames.close()
    assert browsing.page_errors == []


async def test_server_restart_shows_banner_then_reconnects_and_catches_up_once(
    e2e_chat: Chat, browsing: Browsing
) -> None:
    server = await start_server(e2e_chat)
    port = server.port
    assert port is not None
    await e2e_chat.user(server, "bob")
    ana = await browsing.page("ana")
    # Every WebSocket the page opens (successful or not), in order.
    sockets: list[dict[str, Any]] = []

    def on_websocket(ws: Any) -> None:
        record: dict[str, Any] = {"closed": False}
        ws.on("close", lambda _: record.update(closed=True))
        sockets.append(record)

    ana.on("websocket", on_websocket)
    await register(ana, base_url(server), "ana")
    await expect(ana.get_by_test_id("room-title")).to_contain_text("general")
    await send(ana, "before the outage")
    banner = ana.get_by_test_id("connection-banner")
    status = ana.get_by_test_id("connection-status")
    await expect(banner).to_have_count(0)

    # 1. The server goes away: the banner says so.
    await server.close()
    await expect(banner).to_be_visible()
    await expect(banner).to_contain_text("Reconnecting…")
    await expect(status).to_have_attribute("data-state", "reconnecting")

    # Wait for the third failed reconnect attempt: the client's backoff (0.5 s doubling, half jitter) then
    # waits at least 2 s before the next, so Bob's message below is certainly stored while Ana is away.
    dropped = len(sockets)

    async def three_failed() -> bool:
        return len(sockets) >= dropped + 3 and all(s["closed"] for s in sockets)

    await eventually(three_failed, timeout=10)
    attempts = len(sockets)

    # 2. A new app on the same port and database; Bob posts before Ana's page is back.
    server = await restart_server(e2e_chat, port)
    bob = await e2e_chat.client(server)
    resp = await bob.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
    assert resp.status == 200, await resp.text()
    ws, hello = await connect(bob)
    bob_frames = Frames(ws)
    general = next(r for r in hello["rooms"] if r["name"] == "general")
    meanwhile = "sent while ana was reconnecting"
    await bob_frames.send({"type": "message.send", "room_id": general["id"], "body": meanwhile, "client_id": "away"})
    ack = await bob_frames.first("message.ack")
    assert ack["message"]["seq"] == 2
    assert len(sockets) == attempts, "Ana's page reconnected before Bob's message was stored"

    # 3. Ana's page comes back by itself, and its catch-up shows Bob's message exactly once.
    await expect(banner).to_have_count(0)
    await expect(status).to_have_attribute("data-state", "open")
    from_bob = message_with_body(ana, meanwhile)
    await expect(from_bob).to_have_count(1)
    await expect(from_bob).to_have_attribute("data-seq", "2")
    await expect(from_bob).to_have_attribute("data-author", "bob")
    await bob_frames.close()

    # 4. Another outage, short this time: what Ana writes meanwhile waits in her outbox and is sent once.
    await server.close()
    await expect(banner).to_be_visible()
    box = ana.get_by_test_id("composer-input")
    await box.fill("written during the outage")
    await box.press("Enter")
    queued = message_with_body(ana, "written during the outage")
    await expect(queued).to_have_attribute("data-status", "pending")
    await expect(queued.get_by_test_id("message-pending")).to_have_text("Waiting for connection…")
    server = await restart_server(e2e_chat, port)
    await expect(banner).to_have_count(0)
    await expect(queued).to_have_attribute("data-status", "sent")
    await expect(queued).to_have_attribute("data-seq", "3")

    # The server stored each message once, and the page shows each once, in order.
    bob = await e2e_chat.client(server)
    resp = await bob.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
    assert resp.status == 200
    resp = await bob.get(f"/api/rooms/{general['id']}/messages")
    page = await resp.json()
    stored = [(m["seq"], m["body"]) for m in page["messages"]]
    assert stored == [(1, "before the outage"), (2, meanwhile), (3, "written during the outage")]
    items = ana.get_by_test_id("message-item")
    await expect(items).to_have_count(3)
    assert await items.evaluate_all("els => els.map(e => e.dataset.seq)") == ["1", "2", "3"]
    assert browsing.page_errors == []
