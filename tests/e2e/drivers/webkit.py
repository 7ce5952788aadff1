"""WebKitGTK (Safari's engine) through Selenium's WebKitGTK driver: WebKitWebDriver runs MiniBrowser --automation.

MiniBrowser has no headless mode, so every browser gets its own Xvfb (display number read from -displayfd; the
session start is time-limited: without a display it hangs). One WebKitWebDriver session is one MiniBrowser with
its own ephemeral data store, so each isolated context is its own session; a second tab in a context is a second
window of that session.

Selenium is synchronous and the app under test runs in the test's event loop: every Selenium call runs on the
context's own single worker thread (commands stay in order) and is awaited with a deadline. Each driver process is
started in its own session and its whole tree is killed in teardown.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from . import procs
from .base import COMMAND_TIMEOUT_S, VIEWPORT, Browser, Context, DriverError, Page, js_call

WEBKIT_DRIVER = Path("/usr/bin/WebKitWebDriver")
XVFB = Path("/usr/bin/Xvfb")
# Larger than the viewport plus MiniBrowser's window decorations.
SCREEN = "1600x1200x24"
# Xvfb prints its display number within ~0.1 s; a session starts in 1-2 s on a loaded machine.
XVFB_TIMEOUT_S = 10.0
SESSION_TIMEOUT_S = 30.0
# WebDriver key codes for the named keys the scenarios press.
KEYS = {"Enter": "\ue007", "Escape": "\ue00c", "Tab": "\ue004", "Backspace": "\ue003"}

# Uncaught errors after load; WebDriver classic has no hook that runs before the page's own scripts.
_ERROR_TRAP = """
if (!window.__e2eErrors) {
  window.__e2eErrors = [];
  addEventListener('error', e => window.__e2eErrors.push(String(e.error || e.message)));
  addEventListener('unhandledrejection', e => window.__e2eErrors.push('unhandled rejection: ' + String(e.reason)));
}
"""


def _send_text(driver: Any, el: Any, text: str) -> None:
    """Type `text` into the focused `el`. WebKitWebDriver drops characters outside the BMP (emoji) from send_keys,
    so those go in as the browser's own text insertion (what an emoji picker or IME does: an `input` event of type
    insertText, no key events); everything else is real keystrokes."""
    run = ""
    for char in text:
        if ord(char) > 0xFFFF:
            if run:
                el.send_keys(run)
                run = ""
            driver.execute_script("document.execCommand('insertText', false, arguments[0])", char)
        else:
            run += char
    if run:
        el.send_keys(run)


class Xvfb:
    """An X server of our own on a free display number, for this test's MiniBrowsers."""

    def __init__(self) -> None:
        read_fd, write_fd = os.pipe()
        self._read_fd = read_fd
        try:
            self.proc = subprocess.Popen(
                [str(XVFB), "-displayfd", str(write_fd), "-screen", "0", SCREEN, "-nolisten", "tcp"],
                pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        finally:
            os.close(write_fd)
        self.display = ""

    def wait_ready(self) -> str:
        """Block until Xvfb wrote its display number (keep the pipe open: closing it early kills Xvfb)."""
        data = b""
        while not data.endswith(b"\n"):
            chunk = os.read(self._read_fd, 16)
            if not chunk:
                raise DriverError("webkit: Xvfb exited before printing its display number")
            data += chunk
        self.display = f":{int(data)}"
        return self.display

    def stop(self) -> list[int]:
        """SIGTERM first: Xvfb then removes its socket and lock file (a SIGKILL leaves them in /tmp)."""
        self.proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=XVFB_TIMEOUT_S)
        left = procs.kill_tree(self.proc.pid)
        self.proc.wait()
        os.close(self._read_fd)
        return left


class _Session:
    """One WebKitWebDriver + MiniBrowser, driven from one worker thread."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webkit")
        self.driver: Any = None
        self.service: Any = None
        self.current: str | None = None
        self.stopped = False

    async def run(self, fn: Any, *args: Any, timeout_s: float = COMMAND_TIMEOUT_S) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self.pool, fn, *args), timeout_s)
        except TimeoutError:
            raise DriverError(f"webkit: {getattr(fn, '__name__', fn)} did not finish in {timeout_s} s") from None

    def _start(self) -> None:
        from selenium import webdriver

        env = {**os.environ, "DISPLAY": self.display, "SE_OFFLINE": "true"}
        env.pop("WAYLAND_DISPLAY", None)
        self.service = webdriver.WebKitGTKService(
            executable_path=str(WEBKIT_DRIVER), env=env, popen_kw={"start_new_session": True}
        )
        self.driver = webdriver.WebKitGTK(service=self.service)
        self.current = self.driver.current_window_handle
        self._size_viewport()

    def _size_viewport(self) -> None:
        """Size the window so the page's viewport is VIEWPORT (MiniBrowser's chrome takes some of the window)."""
        want_w, want_h = VIEWPORT
        self.driver.set_window_rect(x=0, y=0, width=want_w, height=want_h)
        for _ in range(3):
            inner_w, inner_h = self.driver.execute_script("return [innerWidth, innerHeight]")
            if (inner_w, inner_h) == (want_w, want_h):
                return
            rect = self.driver.get_window_rect()
            self.driver.set_window_rect(
                width=rect["width"] + want_w - inner_w, height=rect["height"] + want_h - inner_h
            )

    async def start(self) -> None:
        try:
            await self.run(self._start, timeout_s=SESSION_TIMEOUT_S)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> list[int]:
        if self.stopped:
            return []
        self.stopped = True
        process = getattr(self.service, "process", None)
        known = procs.tree(process.pid) if process is not None else []
        if self.driver is not None:
            with contextlib.suppress(Exception):
                await self.run(self.driver.quit, timeout_s=10)
        left: list[int] = []
        if process is not None:
            left = await asyncio.to_thread(procs.kill_tree, process.pid, known)
            with contextlib.suppress(Exception):
                process.wait(timeout=1)
        self.pool.shutdown(wait=False, cancel_futures=True)
        return left


class WebKitPage(Page):
    engine = "webkit"

    def __init__(self, name: str, session: _Session, handle: str) -> None:
        self.name = name
        self.session = session
        self.handle = handle
        self.closed = False

    def _switch(self) -> Any:
        """The driver, pointed at this page's window (every call runs on the session's one thread)."""
        if self.session.current != self.handle:
            self.session.driver.switch_to.window(self.handle)
            self.session.current = self.handle
        return self.session.driver

    async def _do(self, fn: Any) -> Any:
        def call() -> Any:
            return fn(self._switch())

        call.__name__ = getattr(fn, "__name__", "call")
        return await self.session.run(call)

    async def goto(self, url: str) -> None:
        await self._do(lambda d: (d.get(url), d.execute_script(_ERROR_TRAP)))

    async def reload(self) -> None:
        await self._do(lambda d: (d.refresh(), d.execute_script(_ERROR_TRAP)))

    async def evaluate(self, fn: str, *args: Any) -> Any:
        from selenium.common.exceptions import WebDriverException

        script = (
            "const done = arguments[arguments.length - 1];"
            f"{js_call(fn, args)}.then(v => done({{ok: v}}), e => done({{err: String(e && e.stack || e)}}));"
        )
        try:
            result = await self._do(lambda d: d.execute_async_script(script))
        except WebDriverException as exc:
            raise DriverError(f"webkit: {exc.msg}") from None
        if result is None:
            raise DriverError("webkit: the script returned nothing (page navigating?)")
        if "err" in result:
            raise DriverError(f"webkit: {result['err']}")
        return json.loads(result["ok"])

    def _find(self, driver: Any, selector: str) -> Any:
        from selenium.webdriver.common.by import By

        el = driver.find_element(By.CSS_SELECTOR, selector)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})", el)
        return el

    async def _click(self, selector: str) -> None:
        await self._do(lambda d: self._find(d, selector).click())

    async def _fill(self, selector: str, text: str) -> None:
        def fill(d: Any) -> None:
            el = self._find(d, selector)
            d.execute_script("arguments[0].focus(); arguments[0].select()", el)
            _send_text(d, el, text or KEYS["Backspace"])

        await self._do(fill)

    async def _type(self, selector: str, text: str) -> None:
        def type_(d: Any) -> None:
            el = self._find(d, selector)
            d.execute_script(
                "const el = arguments[0]; el.focus(); el.setSelectionRange(el.value.length, el.value.length)", el
            )
            _send_text(d, el, text)

        await self._do(type_)

    async def _press(self, selector: str, key: str) -> None:
        await self._do(lambda d: self._find(d, selector).send_keys(KEYS[key]))

    async def screenshot(self) -> bytes:
        await self.after_paint()
        png: bytes = await self._do(lambda d: d.get_screenshot_as_png())
        return png

    async def close(self) -> None:
        def close(d: Any) -> None:
            d.close()
            self.session.current = None
            rest = d.window_handles
            if rest:
                d.switch_to.window(rest[0])
                self.session.current = rest[0]

        await self._do(close)
        self.closed = True

    async def errors(self) -> list[str]:
        if self.closed:
            return []
        found: list[str] = await self.evaluate("() => window.__e2eErrors || []")
        return found


class WebKitContext(Context):
    """One WebDriver session (one MiniBrowser with its own ephemeral storage)."""

    def __init__(self, browser: WebKitBrowser, session: _Session) -> None:
        self.browser = browser
        self.session = session
        self._first_free = True

    async def new_page(self, name: str) -> Page:
        if self._first_free:
            # The session opens with one window: it becomes the first page.
            self._first_free = False
            handle = self.session.current
            assert handle is not None
        else:

            def open_tab() -> str:
                # A window, not a tab: every page stays visible (a background tab reports its user idle).
                self.session.driver.switch_to.new_window("window")
                handle: str = self.session.driver.current_window_handle
                self.session.current = handle
                self.session._size_viewport()
                return handle

            handle = await self.session.run(open_tab)
        page = WebKitPage(name, self.session, handle)
        self.browser.pages.append(page)
        return page

    async def close(self) -> None:
        left = await self.session.stop()
        self.browser.leftovers += left


class WebKitBrowser(Browser):
    engine = "webkit"

    def __init__(self, xvfb: Xvfb) -> None:
        super().__init__()
        self.xvfb = xvfb
        self.contexts: list[WebKitContext] = []
        self.leftovers: list[int] = []
        self.version = ""

    @classmethod
    async def launch(cls) -> WebKitBrowser:
        xvfb = Xvfb()
        browser = cls(xvfb)
        try:
            await asyncio.wait_for(asyncio.to_thread(xvfb.wait_ready), XVFB_TIMEOUT_S)
        except BaseException:
            await asyncio.to_thread(xvfb.stop)
            raise
        return browser

    async def new_context(self) -> Context:
        session = _Session(self.xvfb.display)
        await session.start()
        if not self.version:
            caps = session.driver.capabilities
            self.version = str(caps.get("browserVersion", "?"))
        context = WebKitContext(self, session)
        self.contexts.append(context)
        return context

    async def close(self) -> None:
        try:
            for context in self.contexts:
                await context.close()
        finally:
            self.leftovers += await asyncio.to_thread(self.xvfb.stop)
            if self.leftovers:
                raise DriverError(f"webkit: processes {self.leftovers} outlived the test")
