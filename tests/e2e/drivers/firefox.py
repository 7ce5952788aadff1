"""Firefox ESR through WebDriver BiDi, spoken directly over aiohttp's WebSocket client.

Why not puppeteer-core from Node: the app under test is an aiohttp TestServer in the test's own event loop, and a
BiDi client in that loop keeps everything in one process: no Node bridge to time-limit and kill, no second
language in the suite, no npm dependency (aiohttp is already one). No geckodriver can be installed here, and
Playwright cannot drive Debian's Firefox (ENVIRONMENT.md); Firefox's own remote agent speaks BiDi.

No off-machine lookups: Firefox resolves its remote-settings server through DNS unless both the
MOZ_REMOTE_SETTINGS_DEVTOOLS env var and the `services.settings.server` pref are set (checked with strace; the
pref alone is ignored). The remote agent applies its own "recommended" automation prefs on top (no updates, no
telemetry, no captive-portal probe).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

from . import procs
from .base import COMMAND_TIMEOUT_S, VIEWPORT, Browser, Context, DriverError, Page, js_call

FIREFOX = Path("/usr/bin/firefox-esr")
USER_JS = """\
user_pref("services.settings.server", "data:,#remote-settings-dummy/v1");
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
"""
# Firefox prints this on stderr once its remote agent listens.
_LISTENING = re.compile(r"WebDriver BiDi listening on (ws://\S+)")
# Cold start on a loaded 2-core machine takes 2.5-3.5 s; ten times that is a hang.
LAUNCH_TIMEOUT_S = 30.0
# After browser.close Firefox writes its profile and exits in about a second.
EXIT_TIMEOUT_S = 10.0
# WebDriver key codes for the named keys the scenarios press.
KEYS = {"Enter": "\ue007", "Escape": "\ue00c", "Tab": "\ue004", "Backspace": "\ue003"}


class BiDi:
    """One WebSocket to Firefox's remote agent: numbered commands, their replies, and events by method."""

    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._session = session
        self._ws = ws
        self._next_id = 0
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.listeners: list[Any] = []
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            async for msg in self._ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                if "id" in data and data["id"] in self._waiting:
                    fut = self._waiting.pop(data["id"])
                    if not fut.done():
                        fut.set_result(data)
                elif data.get("type") == "event":
                    for listener in self.listeners:
                        listener(data["method"], data["params"])
        finally:
            for fut in self._waiting.values():
                if not fut.done():
                    fut.set_exception(DriverError("firefox: the BiDi connection closed"))

    async def call(self, method: str, params: dict[str, Any], timeout_s: float = COMMAND_TIMEOUT_S) -> dict[str, Any]:
        self._next_id += 1
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[self._next_id] = fut
        await self._ws.send_str(json.dumps({"id": self._next_id, "method": method, "params": params}))
        try:
            reply = await asyncio.wait_for(fut, timeout_s)
        except TimeoutError:
            raise DriverError(f"firefox: {method} got no reply in {timeout_s} s") from None
        finally:
            self._waiting.pop(self._next_id, None)
        if reply.get("type") == "error":
            raise DriverError(f"firefox: {method}: {reply.get('error')}: {reply.get('message')}")
        result: dict[str, Any] = reply["result"]
        return result

    async def close(self) -> None:
        await self._ws.close()
        await self._session.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class FirefoxPage(Page):
    engine = "firefox"

    def __init__(self, name: str, bidi: BiDi, context_id: str) -> None:
        self.name = name
        self.bidi = bidi
        self.context_id = context_id
        self._errors: list[str] = []

    def on_event(self, method: str, params: dict[str, Any]) -> None:
        if (
            method == "log.entryAdded"
            and params.get("type") == "javascript"
            and params.get("level") == "error"
            and params.get("source", {}).get("context") == self.context_id
            and not _is_refused_websocket(str(params.get("text")))
        ):
            self._errors.append(str(params.get("text")))

    async def goto(self, url: str) -> None:
        await self.bidi.call("browsingContext.navigate", {"context": self.context_id, "url": url, "wait": "complete"})

    async def reload(self) -> None:
        await self.bidi.call("browsingContext.reload", {"context": self.context_id, "wait": "complete"})

    async def _script(self, expression: str) -> dict[str, Any]:
        reply = await self.bidi.call(
            "script.evaluate",
            {
                "expression": expression,
                "target": {"context": self.context_id},
                "awaitPromise": True,
                "resultOwnership": "none",
            },
        )
        if reply["type"] == "exception":
            raise DriverError(f"firefox: {reply['exceptionDetails'].get('text')}")
        result: dict[str, Any] = reply["result"]
        return result

    async def evaluate(self, fn: str, *args: Any) -> Any:
        result = await self._script(js_call(fn, args))
        return json.loads(result["value"])

    async def _element(self, selector: str) -> dict[str, str]:
        """A reference to the first match, scrolled into the middle of the viewport (a pointer can reach it)."""
        result = await self._script(
            f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
            " if (el) el.scrollIntoView({block: 'center', inline: 'center'}); return el; })()"
        )
        if result.get("type") != "node":
            raise DriverError(f"firefox: no element matches {selector}")
        return {"sharedId": result["sharedId"]}

    async def _actions(self, actions: list[dict[str, Any]]) -> None:
        await self.bidi.call("input.performActions", {"context": self.context_id, "actions": actions})
        await self.bidi.call("input.releaseActions", {"context": self.context_id})

    async def _click(self, selector: str) -> None:
        element = await self._element(selector)
        await self._actions(
            [
                {
                    "type": "pointer",
                    "id": "mouse",
                    "parameters": {"pointerType": "mouse"},
                    "actions": [
                        {"type": "pointerMove", "x": 0, "y": 0, "origin": {"type": "element", "element": element}},
                        {"type": "pointerDown", "button": 0},
                        {"type": "pointerUp", "button": 0},
                    ],
                }
            ]
        )

    async def _keys(self, text: str) -> None:
        # One action per grapheme the way a keyboard sends it; emoji and CJK arrive as single key values.
        keys: list[dict[str, str]] = []
        for char in text:
            keys += [{"type": "keyDown", "value": char}, {"type": "keyUp", "value": char}]
        await self._actions([{"type": "key", "id": "keyboard", "actions": keys}])

    async def _focus(self, selector: str, select_all: bool) -> None:
        caret = "el.select()" if select_all else "el.setSelectionRange(el.value.length, el.value.length)"
        await self._script(
            f"(() => {{ const el = document.querySelector({json.dumps(selector)}); el.focus(); {caret}; }})()"
        )

    async def _fill(self, selector: str, text: str) -> None:
        await self._focus(selector, select_all=True)
        await self._keys(text or KEYS["Backspace"])

    async def _type(self, selector: str, text: str) -> None:
        await self._focus(selector, select_all=False)
        await self._keys(text)

    async def _press(self, selector: str, key: str) -> None:
        await self._script(f"document.querySelector({json.dumps(selector)}).focus()")
        await self._keys(KEYS[key])

    async def screenshot(self) -> bytes:
        result = await self.bidi.call("browsingContext.captureScreenshot", {"context": self.context_id})
        return base64.b64decode(result["data"])

    async def close(self) -> None:
        await self.bidi.call("browsingContext.close", {"context": self.context_id})

    async def errors(self) -> list[str]:
        return list(self._errors)


def _is_refused_websocket(text: str) -> bool:
    """Firefox reports a WebSocket whose server refused the TCP connection as a JavaScript error entry (Chromium
    and WebKit report none): a reconnect attempt while the test has the server down, which the app handles. It is
    not an exception of the page's."""
    return text.startswith("Firefox can\u2019t establish a connection to the server at ws://")


class FirefoxContext(Context):
    """A BiDi user context: its own cookies and storage, like a container tab."""

    def __init__(self, browser: FirefoxBrowser, user_context: str) -> None:
        self.browser = browser
        self.user_context = user_context

    async def new_page(self, name: str) -> Page:
        bidi = self.browser.bidi
        # A window per page, as Playwright gives: a background tab would be "hidden" and report its user idle.
        created = await bidi.call("browsingContext.create", {"type": "window", "userContext": self.user_context})
        page = FirefoxPage(name, bidi, created["context"])
        bidi.listeners.append(page.on_event)
        await bidi.call(
            "browsingContext.setViewport",
            {"context": page.context_id, "viewport": {"width": VIEWPORT[0], "height": VIEWPORT[1]}},
        )
        self.browser.pages.append(page)
        return page

    async def close(self) -> None:
        await self.browser.bidi.call("browser.removeUserContext", {"userContext": self.user_context})


class FirefoxBrowser(Browser):
    engine = "firefox"

    def __init__(self, proc: asyncio.subprocess.Process, profile: Path, drain: asyncio.Task[None]) -> None:
        super().__init__()
        self.proc = proc
        self.profile = profile
        self._drain = drain
        self.stderr_tail: list[str] = []
        self.bidi: BiDi

    @classmethod
    async def launch(cls) -> FirefoxBrowser:
        profile = Path(tempfile.mkdtemp(prefix="parley-firefox-"))
        (profile / "user.js").write_text(USER_JS)
        env = {**os.environ, "MOZ_REMOTE_SETTINGS_DEVTOOLS": "1"}
        proc = await asyncio.create_subprocess_exec(
            str(FIREFOX), "--headless", "--no-remote", "--profile", str(profile), "--remote-debugging-port=0",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            env=env, start_new_session=True,
        )  # fmt: skip
        listening: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        tail: list[str] = []

        async def drain() -> None:
            # Firefox blocks once the pipe is full: read stderr for the browser's whole life.
            assert proc.stderr is not None
            async for raw in proc.stderr:
                line = raw.decode(errors="replace").rstrip()
                tail[:] = [*tail[-30:], line]
                match = _LISTENING.search(line)
                if match and not listening.done():
                    listening.set_result(match.group(1))
            if not listening.done():
                listening.set_exception(DriverError("firefox exited before listening:\n" + "\n".join(tail)))

        browser = cls(proc, profile, asyncio.get_running_loop().create_task(drain()))
        browser.stderr_tail = tail
        try:
            url = await asyncio.wait_for(listening, LAUNCH_TIMEOUT_S)
            session = aiohttp.ClientSession()
            try:
                ws = await session.ws_connect(
                    url + "/session", max_msg_size=0, timeout=aiohttp.ClientWSTimeout(ws_close=5)
                )
            except BaseException:
                await session.close()
                raise
            browser.bidi = BiDi(session, ws)
            started = await browser.bidi.call("session.new", {"capabilities": {}}, timeout_s=LAUNCH_TIMEOUT_S)
            browser.version = started["capabilities"]["browserVersion"]
            await browser.bidi.call("session.subscribe", {"events": ["log.entryAdded"]})
        except BaseException:
            await browser.close()
            raise
        return browser

    async def new_context(self) -> Context:
        created = await self.bidi.call("browser.createUserContext", {})
        return FirefoxContext(self, created["userContext"])

    async def close(self) -> None:
        known = procs.tree(self.proc.pid)
        try:
            if hasattr(self, "bidi"):
                # The socket drops right after browser.close answers (sometimes before): either way it is done.
                with contextlib.suppress(DriverError):
                    await self.bidi.call("browser.close", {}, timeout_s=EXIT_TIMEOUT_S)
                await self.bidi.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), EXIT_TIMEOUT_S)
        finally:
            left = await asyncio.to_thread(procs.kill_tree, self.proc.pid, known)
            await self.proc.wait()
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain
            shutil.rmtree(self.profile, ignore_errors=True)
            if left:
                raise DriverError(f"firefox: processes {left} outlived the test")
