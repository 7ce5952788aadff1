"""Chromium through Playwright's async API, on Debian's /usr/bin/chromium (Playwright's own browser download must
never run: `executable_path` points at the system binary)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from . import procs
from .base import COMMAND_TIMEOUT_S, UI_TIMEOUT_MS, VIEWPORT, Browser, Context, DriverError, Page, js_call

CHROMIUM = Path("/usr/bin/chromium")
# The flags from ENVIRONMENT.md, plus a resolver that answers no name but localhost: even with them Chromium looked
# up accounts.google.com and content-autofill.googleapis.com through the DNS server (seen with strace -e connect).
# Tests only ever go to 127.0.0.1.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]


class ChromiumPage(Page):
    engine = "chromium"

    def __init__(self, name: str, page: Any) -> None:
        self.name = name
        self.page = page
        self._errors: list[str] = []
        page.on("pageerror", lambda exc: self._errors.append(str(exc)))

    async def goto(self, url: str) -> None:
        await self.page.goto(url, timeout=COMMAND_TIMEOUT_S * 1000)

    async def reload(self) -> None:
        await self.page.reload(timeout=COMMAND_TIMEOUT_S * 1000)

    async def evaluate(self, fn: str, *args: Any) -> Any:
        from playwright.async_api import Error

        try:
            encoded = await asyncio.wait_for(self.page.evaluate(js_call(fn, args)), COMMAND_TIMEOUT_S)
        except Error as exc:
            raise DriverError(f"chromium: {exc.message.splitlines()[0]}") from None
        return json.loads(encoded)

    async def _click(self, selector: str) -> None:
        await self.page.locator(selector).first.click()

    async def _fill(self, selector: str, text: str) -> None:
        await self.page.locator(selector).first.fill(text)

    async def _type(self, selector: str, text: str) -> None:
        box = self.page.locator(selector).first
        await box.focus()
        await box.evaluate(
            "el => { if (el.setSelectionRange) el.setSelectionRange(el.value.length, el.value.length); }"
        )
        await box.press_sequentially(text)

    async def _press(self, selector: str, key: str) -> None:
        await self.page.locator(selector).first.press(key)

    async def screenshot(self) -> bytes:
        png: bytes = await self.page.screenshot(timeout=COMMAND_TIMEOUT_S * 1000)
        return png

    async def close(self) -> None:
        await self.page.close()

    async def errors(self) -> list[str]:
        return list(self._errors)


class ChromiumContext(Context):
    def __init__(self, browser: ChromiumBrowser, context: Any) -> None:
        self.browser = browser
        self.context = context

    async def new_page(self, name: str) -> Page:
        page = ChromiumPage(name, await self.context.new_page())
        self.browser.pages.append(page)
        return page

    async def close(self) -> None:
        await self.context.close()


class ChromiumBrowser(Browser):
    engine = "chromium"

    def __init__(self, playwright: Any, driver_pids: set[int], browser: Any) -> None:
        super().__init__()
        self._pw = playwright
        self._driver_pids = driver_pids
        self._browser = browser
        self.version = browser.version
        self._contexts: list[ChromiumContext] = []

    @classmethod
    async def launch(cls) -> ChromiumBrowser:
        from playwright.async_api import async_playwright

        before = procs.children(os.getpid())
        pw = await async_playwright().start()
        # Playwright's driver (node) is this process's new child; Chromium runs under it.
        driver_pids = procs.children(os.getpid()) - before
        try:
            browser = await pw.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=COMMAND_TIMEOUT_S * 1000
            )
        except BaseException:
            await pw.stop()
            raise
        return cls(pw, driver_pids, browser)

    async def new_context(self) -> Context:
        ctx = await self._browser.new_context(viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]})
        ctx.set_default_timeout(UI_TIMEOUT_MS)
        context = ChromiumContext(self, ctx)
        self._contexts.append(context)
        return context

    async def close(self) -> None:
        # Find the whole tree (driver, Chromium and its helpers) before asking politely.
        known = [p for d in self._driver_pids for p in procs.tree(d)]
        try:
            for context in self._contexts:
                await asyncio.wait_for(context.close(), COMMAND_TIMEOUT_S)
            await asyncio.wait_for(self._browser.close(), COMMAND_TIMEOUT_S)
        finally:
            try:
                await asyncio.wait_for(self._pw.stop(), COMMAND_TIMEOUT_S)
            finally:
                left = [p for d in self._driver_pids for p in await asyncio.to_thread(procs.kill_tree, d, known)]
                if left:
                    raise DriverError(f"chromium: processes {left} outlived the test")
