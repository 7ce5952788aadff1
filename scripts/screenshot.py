#!/usr/bin/env python3
"""Take the README's screenshots: the chat view of a real server with a short conversation, the members panel
with every presence state, and the typing indicator, in Chromium (1280x800 unless told otherwise).

    (cd frontend && npm ci && npm run build)     # the web app must be built
    .venv/bin/python scripts/screenshot.py       # writes docs/screenshot.png
    .venv/bin/python scripts/screenshot.py --locale zh-CN --out docs/screenshot-zh.png
    .venv/bin/python scripts/screenshot.py --phone --out docs/screenshot-phone.png     # 390x844, touch

The browser's language (--locale) picks the interface language, as it would for a person; the conversation is
written in that language too. Chinese needs a CJK font (Debian: fonts-noto-cjk).

It starts the app in this process on a free port with a throwaway SQLite database, drives two browser pages
(ana, whose view is captured, and bob) plus two scripted users over the public REST and /ws protocol, and
stops everything before it exits. Playwright drives Debian's /usr/bin/chromium (never `playwright install`).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from parley.app import create_app
from parley.clock import SystemClock
from parley.settings import DatabaseUrl, Settings
from parley.store import migrations, open_store

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "screenshot-password"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# What the people in the picture say, per interface language. Chinese punctuation is full-width on purpose.
# ruff: noqa: RUF001
SCRIPT: dict[str, dict[str, str]] = {
    "en": {
        "topic": "Shipping 1.0: checklist, blockers, cake",
        "ana1": "Morning! Release candidate 3 is up on staging.",
        "ana2": "Can someone run through the login and reconnect checks?",
        "bob1": "On it. Login works, history paging feels smooth now.",
        "chen": "Restarted the server under load: every client caught up, no duplicates.",
        "bob2": "Nice. The typing indicator and presence dots look right too.",
        "ana3": "Then let's tag it this afternoon.",
        "typing": "Writing the release no",
        "bob2_edited": "Nice. The typing indicator, presence dots and unread badges look right too.",
        "mention": "@ana the changelog is ready for your review.",
        "markdown": "Checks for RC3:\n- login and reconnect **pass**\n- `make test` is green",
        "chart": "CPU per delivery, RC2 against RC3",
        "dm": "Got a minute after the tag? Quick question about the Redis setup.",
        "random1": "Lunch at noon?",
        "random2": "@ana are you coming?",
    },
    "zh-CN": {
        "topic": "发布 1.0：检查清单、阻塞问题、蛋糕",
        "ana1": "早上好！第三个候选版本已经部署到预发布环境了。",
        "ana2": "谁能帮忙检查一下登录和断线重连？",
        "bob1": "我来。登录正常，历史消息翻页现在很流畅。",
        "chen": "在负载下重启了服务器：所有客户端都追上了进度，没有重复消息。",
        "bob2": "不错。输入提示和在线状态也都正常。",
        "ana3": "那我们今天下午打标签发布吧。",
        "typing": "正在写发布说明",
        "bob2_edited": "不错。输入提示、在线状态和未读标记也都正常。",
        "mention": "@ana 更新日志已经准备好，请你审阅。",
        "markdown": "RC3 检查结果：\n- 登录和断线重连 **通过**\n- `make test` 全部通过",
        "chart": "每次投递的 CPU：RC2 与 RC3 对比",
        "dm": "打完标签后有空吗？想问一下 Redis 的配置。",
        "random1": "中午一起吃饭？",
        "random2": "@ana 你来吗？",
    },
}


def chart_png() -> bytes:
    """A small bar chart, drawn here so the picture needs no file of its own."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 240), "white")
    draw = ImageDraw.Draw(image)
    for i, (height, colour) in enumerate([(170, "#9aa5b1"), (95, "#2f6fed"), (150, "#9aa5b1"), (80, "#2f6fed")]):
        left = 50 + i * 105
        draw.rectangle([left, 210 - height, left + 70, 210], fill=colour)
    draw.line([30, 210, 460, 210], fill="#333333", width=2)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def register_in_page(page: Any, url: str, username: str) -> None:
    from playwright.async_api import expect

    await page.goto(url)
    await expect(page.get_by_test_id("auth-screen")).to_be_visible()
    await page.get_by_test_id("auth-mode-toggle").click()
    await page.get_by_test_id("auth-username").fill(username)
    await page.get_by_test_id("auth-password").fill(PASSWORD)
    await page.get_by_test_id("auth-submit").click()
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "open")


async def send_in_page(page: Any, text: str) -> None:
    from playwright.async_api import expect

    box = page.get_by_test_id("composer-input")
    await box.fill(text)
    await box.press("Enter")
    await expect(page.locator('[data-testid="message-item"][data-status="sent"]').last).to_contain_text(text)


class Scripted:
    """A user over the public protocol (no browser)."""

    def __init__(self, url: str, username: str) -> None:
        self.http = aiohttp.ClientSession(url, cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.username = username
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task[None] | None = None
        self.acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def register(self) -> None:
        resp = await self.http.post("/api/auth/register", json={"username": self.username, "password": PASSWORD})
        resp.raise_for_status()

    async def connect(self) -> None:
        self.ws = await self.http.ws_connect("/ws")
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                frame = msg.json()
                if frame["type"] == "message.ack":
                    self.acks.put_nowait(frame)

    async def say(self, room_id: int, body: str, file_ids: tuple[int, ...] = ()) -> dict[str, Any]:
        assert self.ws is not None
        frame = {"type": "message.send", "room_id": room_id, "body": body, "client_id": secrets.token_hex(8)}
        await self.ws.send_json({**frame, "file_ids": list(file_ids)} if file_ids else frame)
        ack: dict[str, Any] = await asyncio.wait_for(self.acks.get(), 5)
        return ack["message"]

    async def upload(self, room_id: int, name: str, data: bytes) -> int:
        form = aiohttp.FormData()
        form.add_field("file", data, filename=name, content_type="image/png")
        resp = await self.http.post(f"/api/rooms/{room_id}/files", data=form)
        resp.raise_for_status()
        return int((await resp.json())["file"]["id"])

    async def react(self, message_id: int, emoji: str) -> None:
        assert self.ws is not None
        await self.ws.send_json({"type": "reaction.add", "message_id": message_id, "emoji": emoji})

    async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = await self.http.post(path, json=body)
        resp.raise_for_status()
        result: dict[str, Any] = await resp.json()
        return result

    async def idle(self) -> None:
        assert self.ws is not None
        await self.ws.send_json({"type": "presence.set", "status": "idle"})

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await self.reader
        await self.http.close()


async def take(out: Path, dist: Path, locale: str, phone: bool) -> None:
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=TIMEOUT_MS)
    say = SCRIPT["zh-CN" if locale.lower().startswith("zh") else "en"]
    with tempfile.TemporaryDirectory(prefix="parley-screenshot-") as tmp:
        url_db = DatabaseUrl(scheme="sqlite", path=str(Path(tmp) / "parley.db"))
        store = await open_store(url_db, create=True)
        try:
            await migrations.migrate(store, SystemClock().now_ms())
        finally:
            await store.close()
        settings = Settings(
            database=url_db,
            secret_key=secrets.token_bytes(32),
            frontend_dir=dist,
            argon2_time_cost=1,
            argon2_memory_kib=1024,
            files_dir=Path(tmp) / "files",
        )
        runner = web.AppRunner(create_app(settings))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        url = f"http://127.0.0.1:{port}/"
        scripted: list[Scripted] = []
        try:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                try:
                    shown: dict[str, Any] = (
                        {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {"viewport": DESKTOP}
                    )
                    contexts = [
                        await browser.new_context(**shown, locale=locale, color_scheme="light"),
                        await browser.new_context(viewport=DESKTOP, locale=locale, color_scheme="light"),
                    ]
                    ana, bob = [await c.new_page() for c in contexts]
                    await register_in_page(ana, url, "ana")
                    await register_in_page(bob, url, "bob")

                    # A room with a topic, made by ana in the UI; bob joins it from the directory.
                    if phone:
                        await ana.get_by_test_id("sidebar-toggle").click()
                    await ana.get_by_test_id("create-room-button").click()
                    await ana.get_by_test_id("create-room-name").fill("launch")
                    await ana.get_by_test_id("create-room-topic").fill(say["topic"])
                    await ana.get_by_test_id("create-room-submit").click()
                    await expect(ana.get_by_test_id("room-title")).to_contain_text("launch")
                    await bob.get_by_test_id("browse-rooms-button").click()
                    item = bob.locator('[data-testid="browse-room-item"][data-room-name="launch"]')
                    await item.get_by_test_id("join-room-button").click()
                    await expect(bob.get_by_test_id("room-title")).to_contain_text("launch")
                    room_id = int(await ana.get_by_test_id("message-list").get_attribute("data-room-id") or 0)

                    # chen is around but idle; dana is a member who is offline.
                    chen, dana = Scripted(url, "chen"), Scripted(url, "dana")
                    scripted += [chen, dana]
                    for user in (chen, dana):
                        await user.register()
                        resp = await user.http.post(f"/api/rooms/{room_id}/join")
                        resp.raise_for_status()
                    await chen.connect()

                    await send_in_page(ana, say["ana1"])
                    await send_in_page(ana, say["ana2"])
                    await send_in_page(bob, say["bob1"])
                    await chen.say(room_id, say["chen"])
                    await send_in_page(bob, say["bob2"])
                    await send_in_page(ana, say["ana3"])
                    # Issue 13 in the picture: a formatted message and an image with its preview.
                    await chen.say(room_id, say["markdown"])
                    chart = await chen.upload(room_id, "cpu-per-delivery.png", chart_png())
                    await chen.say(room_id, say["chart"], (chart,))
                    await expect(ana.get_by_test_id("message-list").locator("img").last).to_be_visible()
                    await chen.say(room_id, say["mention"])

                    # Issue 11 in the picture: reactions on ana's first message, bob's message edited in place,
                    # a DM from chen and an unread room with a mention of ana.
                    first = ana.locator('[data-testid="message-item"][data-author="ana"]').first
                    first_id = int(await first.get_attribute("data-message-id") or 0)
                    await chen.react(first_id, ":tada:")
                    await chen.react(first_id, ":+1:")
                    bob_last = bob.locator('[data-testid="message-item"][data-author="bob"]').last
                    await bob_last.get_by_test_id("message-menu").click()
                    await bob.get_by_test_id("message-edit").click()
                    await bob.get_by_test_id("message-edit-input").fill(say["bob2_edited"])
                    await bob.get_by_test_id("message-edit-input").press("Enter")
                    await (
                        bob.locator('[data-testid="message-item"][data-author="ana"]')
                        .first.get_by_test_id("react-button")
                        .click()
                    )
                    await bob.get_by_test_id("reaction-picker").locator("[data-emoji]").first.click()
                    await expect(first.get_by_test_id("reaction-chip")).to_have_count(2)
                    await expect(ana.get_by_test_id("message-edited")).to_have_count(1)
                    dm = (await chen.post_json("/api/dms", {"usernames": ["ana"]}))["room"]
                    await chen.say(dm["id"], say["dm"])
                    dana_dm = (await dana.post_json("/api/dms", {"usernames": ["ana"]}))["room"]
                    random_room = (await chen.post_json("/api/rooms", {"name": "random"}))["room"]
                    await ana.evaluate(f"fetch('/api/rooms/{random_room['id']}/join', {{method: 'POST'}})")
                    await expect(ana.locator('[data-testid="room-item"][data-room-name="random"]')).to_have_count(1)
                    await chen.say(random_room["id"], say["random1"])
                    await chen.say(random_room["id"], say["random2"])
                    await expect(
                        ana.locator('[data-testid="room-item"][data-room-name="random"] [data-testid="room-mentions"]')
                    ).to_have_count(1)
                    assert dana_dm["kind"] == "dm"
                    await chen.idle()

                    if not phone:  # on a phone the members list is a drawer, closed
                        for name, status in (("chen", "idle"), ("bob", "online"), ("dana", "offline")):
                            member = ana.locator(f'[data-testid="member-item"][data-username="{name}"]')
                            await expect(member).to_have_attribute("data-status", status)
                    await bob.get_by_test_id("composer-input").press_sequentially(say["typing"])
                    await expect(ana.get_by_test_id("typing-indicator")).to_contain_text("bob")
                    # No caret, focus ring or hover highlight in the picture (emoji fonts may be missing: none used).
                    await ana.evaluate("document.activeElement && document.activeElement.blur()")
                    await ana.mouse.move(1200, 700)
                    out.parent.mkdir(parents=True, exist_ok=True)
                    await ana.screenshot(path=str(out))
                    for c in contexts:
                        await c.close()
                finally:
                    await browser.close()
        finally:
            for user in scripted:
                await user.close()
            await runner.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--dist", type=Path, default=ROOT / "frontend" / "dist", help="the built web app")
    parser.add_argument("--locale", default="en-US", help="the browser's language (zh-CN: the Chinese interface)")
    parser.add_argument("--phone", action="store_true", help="a 390x844 touch screen instead of 1280x800")
    args = parser.parse_args()
    if not (args.dist / "index.html").is_file():
        print(f"{args.dist}/index.html is missing: run `cd frontend && npm ci && npm run build`", file=sys.stderr)
        return 1
    if not Path("/usr/bin/chromium").exists():
        print("/usr/bin/chromium is missing (apt-get install chromium)", file=sys.stderr)
        return 1
    asyncio.run(take(args.out, args.dist.resolve(), args.locale, args.phone))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
