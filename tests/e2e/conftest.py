"""Browser end-to-end fixtures: the real app (built SPA included) on a real port, driven by Debian's Chromium.

Playwright's async API runs in the test's own event loop, next to the app's TestServer: pytest-playwright's
sync fixtures would break every async test after them in the same process (docs: ENVIRONMENT.md).

Without Chromium, playwright or a built frontend/dist these tests skip on a developer machine and fail under
CI=true (conftest.service_missing). On a failure every page still open is saved as a screenshot under
test-artifacts/.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from conftest import PASSWORD, Chat, eventually, make_settings, migrated, service_missing
from parley.app import create_app
from parley.settings import DatabaseUrl

from .drivers.chromium import CHROMIUM, CHROMIUM_ARGS
from .engines import VERSIONS_SEEN, engine_browser  # noqa: F401  (`browser`: every cross-engine scenario takes it)

REPO = Path(__file__).resolve().parents[2]
# PARLEY_E2E_FRONTEND_DIR: run against another build of the web app (e.g. a deliberately broken one).
FRONTEND_DIST = Path(os.environ.get("PARLEY_E2E_FRONTEND_DIR") or REPO / "frontend" / "dist").resolve()
ARTIFACTS = REPO / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 800}
# Short presence timings so online/offline show within a second or two.
SERVER_SETTINGS: dict[str, Any] = {"frontend_dir": FRONTEND_DIST, "presence_grace_ms": 500, "heartbeat_s": 2}
# Upper bound for any single UI expectation (ms): generous for a loaded CI machine, still bounded.
UI_TIMEOUT = 10_000

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the item (item.rep_setup / rep_call / rep_teardown) for fixture teardowns."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Which engines and versions this run drove (read from the browsers: the README's table comes from here)."""
    if VERSIONS_SEEN:
        seen = ", ".join(f"{engine} {version}" for engine, version in sorted(VERSIONS_SEEN.items()))
        terminalreporter.write_line(f"engines tested: {seen}")


@pytest.fixture
def frontend_dist() -> Path:
    if not (FRONTEND_DIST / "index.html").is_file():
        service_missing(f"the built web app ({FRONTEND_DIST}/index.html; run `cd frontend && npm ci && npm run build`)")
    return FRONTEND_DIST


@pytest.fixture
async def e2e_chat(sqlite_url: DatabaseUrl, frontend_dist: Path) -> AsyncIterator[Chat]:
    """Servers and clients on a fresh SQLite database (one backend is enough in a browser test)."""
    async with Chat(sqlite_url) as c:
        yield c


async def start_server(chat: Chat, **overrides: Any) -> TestServer:
    return await chat.server(**{**SERVER_SETTINGS, **overrides})


async def restart_server(chat: Chat, port: int, **overrides: Any) -> TestServer:
    """A new app process-equivalent on the same port and database (the old one must be closed)."""
    await migrated(chat.url)
    server = TestServer(create_app(make_settings(chat.url, **{**SERVER_SETTINGS, **overrides})), port=port)
    await server.start_server()
    chat.servers.append(server)
    return server


def base_url(server: TestServer) -> str:
    return str(server.make_url("/"))


class Frames:
    """Reads a WebSocket in the background, so the client answers the server's pings (heartbeat_s is short
    here) while the test waits on the browser, and keeps every JSON frame in arrival order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                self.frames.append(msg.json())

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f["type"] == kind]

    async def first(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        async def arrived() -> bool:
            return bool(self.of(kind))

        await eventually(arrived, timeout=timeout)
        return self.of(kind)[0]

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send_json(frame)

    async def close(self) -> None:
        await self.ws.close()
        await asyncio.wait_for(self._task, 5)


class Browsing:
    """One Chromium for a test; each `page()` is a fresh context (its own cookies: a separate user)."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.contexts: list[Any] = []
        self.pages: dict[str, Any] = {}
        self.page_errors: list[str] = []

    async def page(self, name: str, context: Any = None) -> Any:
        if context is None:
            context = await self.browser.new_context(viewport=VIEWPORT)
            context.set_default_timeout(UI_TIMEOUT)
            self.contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda exc: self.page_errors.append(f"{name}: {exc}"))
        self.pages[name] = page
        return page

    async def screenshots(self, test_name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        for name, page in self.pages.items():
            if page.is_closed():
                continue
            try:
                await page.screenshot(path=str(ARTIFACTS / f"{safe}-{name}.png"), full_page=True, timeout=5_000)
            except Exception as exc:  # a screenshot must never hide the test's own failure
                print(f"screenshot of {name} failed: {exc}")

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.is_file():
        service_missing(f"Chromium at {CHROMIUM}")
    return CHROMIUM


@pytest.fixture
async def browsing(request: pytest.FixtureRequest, chromium: Path) -> AsyncIterator[Browsing]:
    try:
        from playwright.async_api import async_playwright, expect
    except ImportError:
        service_missing("playwright (pip install -e '.[test]')")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        b = Browsing(browser)
        try:
            expect.set_options(timeout=UI_TIMEOUT)
            yield b
        finally:
            try:
                report = getattr(request.node, "rep_call", None)
                if report is not None and report.failed:
                    await b.screenshots(request.node.name)
                await b.close()
            finally:
                await browser.close()


# ---- UI steps shared by the tests ----------------------------------------------------------------


async def register(page: Any, url: str, username: str, password: str = PASSWORD) -> None:
    """Open the app logged out and create an account through the form; ends on the chat screen."""
    from playwright.async_api import expect

    await page.goto(url)
    auth = page.get_by_test_id("auth-screen")
    await expect(auth).to_be_visible()
    if await auth.get_attribute("data-mode") != "register":
        await page.get_by_test_id("auth-mode-toggle").click()
    await expect(auth).to_have_attribute("data-mode", "register")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_test_id("auth-submit").click()
    await expect(page.get_by_test_id("chat-screen")).to_be_visible()
    await expect(page.get_by_test_id("current-user")).to_contain_text(username)
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "open")


async def send(page: Any, text: str) -> None:
    """Type into the composer and press Enter; waits until the server acknowledged it."""
    from playwright.async_api import expect

    box = page.get_by_test_id("composer-input")
    await box.fill(text)
    await box.press("Enter")
    await expect(box).to_have_value("")
    await expect(message_with_body(page, text).last).to_have_attribute("data-status", "sent")


def message_with_body(page: Any, body: str) -> Any:
    """Message items whose body is exactly `body`."""
    return page.get_by_test_id("message-item").filter(
        has=page.get_by_test_id("message-body").get_by_text(body, exact=True)
    )
