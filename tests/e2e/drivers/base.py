"""The thin browser-driver interface the cross-engine scenarios are written against.

Three engines implement it (Chromium through Playwright, Firefox ESR through WebDriver BiDi, WebKitGTK through
Selenium's WebKitWebDriver); a scenario uses only what is here, so each engine runs the same steps.

- A `Browser` is one running engine for one test. `new_context()` gives an isolated profile (its own cookies and
  storage: a separate user); `Context.new_page()` opens a tab in it (same cookies: the same user's second tab).
- Selectors are CSS. `tid("message-item", author="ana")` builds `[data-testid="message-item"][data-author="ana"]`:
  scenarios select by test id, role or label, never by layout or text that a translation changes.
- The primitives each engine implements: goto, reload, evaluate, click, fill, type, press, screenshot, close and
  the JavaScript errors the page raised. Everything else (waiting, reading text and attributes) is built here on
  `evaluate`, polled from Python: a poll survives a reload, and every wait ends at its deadline with the last value
  seen in the message.
"""

from __future__ import annotations

import asyncio
import json
from abc import ABC, abstractmethod
from typing import Any

# Upper bound for one UI expectation (ms): generous for a loaded 2-core CI machine, still bounded.
UI_TIMEOUT_MS = 10_000
# Between two polls of a condition (s): quick enough that a wait adds little, rare enough not to load the page.
POLL_INTERVAL_S = 0.05
# Upper bound for one driver command (s): navigation with a cold cache on a loaded machine, with room to spare.
COMMAND_TIMEOUT_S = 30.0
# The viewport every engine gets: the desktop layout with the members panel open.
VIEWPORT = (1280, 800)


class DriverError(RuntimeError):
    """An engine refused or failed a command (the message says which and why)."""


def tid(testid: str, **data: str) -> str:
    """A CSS selector for a test id plus data-* attributes (underscores in names become dashes)."""
    sel = f'[data-testid="{testid}"]'
    for name, value in data.items():
        sel += f'[data-{name.replace("_", "-")}="{value}"]'
    return sel


def js_call(fn: str, args: tuple[Any, ...]) -> str:
    """An expression that calls the JS function source `fn` with JSON-encodable `args`, awaits it, and returns
    its result as a JSON string: every engine hands strings back the same way."""
    encoded = ", ".join(json.dumps(a) for a in args)
    return (
        f"(async () => {{ const v = await ({fn})({encoded}); return JSON.stringify(v === undefined ? null : v); }})()"
    )


_VISIBLE = """(sel) => { const el = document.querySelector(sel);
  if (!el) return false;
  const s = getComputedStyle(el);
  return el.getClientRects().length > 0 && s.visibility !== 'hidden' && s.display !== 'none'; }"""
_ACTIONABLE = """(sel) => { const el = document.querySelector(sel);
  if (!el || el.disabled || el.getClientRects().length === 0) return false;
  return getComputedStyle(el).visibility !== 'hidden'; }"""
_TEXT = "(sel) => { const el = document.querySelector(sel); return el ? el.textContent : null; }"
_TEXTS = "(sel) => [...document.querySelectorAll(sel)].map(e => e.textContent)"
_ATTR = "(sel, name) => { const el = document.querySelector(sel); return el ? el.getAttribute(name) : null; }"
_COUNT = "(sel) => document.querySelectorAll(sel).length"
_VALUE = "(sel) => { const el = document.querySelector(sel); return el ? el.value : null; }"


class Page(ABC):
    """One tab. Subclasses implement the primitives; the waits and reads below work on every engine."""

    engine: str
    name: str

    # ---- primitives ----------------------------------------------------------------------------------------

    @abstractmethod
    async def goto(self, url: str) -> None:
        """Navigate and wait for the load event."""

    @abstractmethod
    async def reload(self) -> None:
        """Reload and wait for the load event."""

    @abstractmethod
    async def evaluate(self, fn: str, *args: Any) -> Any:
        """Call the JavaScript function source `fn` in the page with JSON-encodable `args`; await a promise it
        returns; hand back its JSON-encodable result. A thrown error raises DriverError."""

    @abstractmethod
    async def _click(self, selector: str) -> None: ...

    @abstractmethod
    async def _fill(self, selector: str, text: str) -> None: ...

    @abstractmethod
    async def _type(self, selector: str, text: str) -> None: ...

    @abstractmethod
    async def _press(self, selector: str, key: str) -> None: ...

    @abstractmethod
    async def screenshot(self) -> bytes:
        """A PNG of the viewport as the user sees it now."""

    @abstractmethod
    async def close(self) -> None:
        """Close this tab (its context and browser stay)."""

    @abstractmethod
    async def errors(self) -> list[str]:
        """Uncaught JavaScript errors and unhandled rejections the page raised so far."""

    # ---- input: wait until the element can take it (present, shown, enabled), then the engine's real input ---

    async def click(self, selector: str) -> None:
        """A real pointer click in the middle of the element."""
        await self.wait_actionable(selector)
        await self._click(selector)

    async def fill(self, selector: str, text: str) -> None:
        """Replace the field's content with `text` (typed by keystrokes where the engine has no `fill`)."""
        await self.wait_actionable(selector)
        await self._fill(selector, text)

    async def type(self, selector: str, text: str) -> None:
        """Type `text` key by key at the end of the field (the typing indicator needs real keystrokes)."""
        await self.wait_actionable(selector)
        await self._type(selector, text)

    async def press(self, selector: str, key: str) -> None:
        """Press one named key ("Enter", "Escape", "Tab", "Backspace") with the element focused."""
        await self.wait_actionable(selector)
        await self._press(selector, key)

    # ---- waits ---------------------------------------------------------------------------------------------

    async def wait_for(self, fn: str, *args: Any, timeout_ms: int = UI_TIMEOUT_MS, what: str = "") -> Any:
        """Poll the JS function `fn(*args)` until it returns something truthy; return that. A page mid-reload
        (evaluation failing) counts as not yet. Fails with `what` and the last value after `timeout_ms`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_ms / 1000
        last: Any = None
        while True:
            try:
                last = await self.evaluate(fn, *args)
            except DriverError as exc:
                last = f"(evaluation failed: {exc})"
            else:
                if last:
                    return last
            if loop.time() > deadline:
                raise AssertionError(
                    f"{self.engine}/{self.name}: timed out after {timeout_ms} ms waiting for "
                    f"{what or fn}; last value: {last!r}"
                )
            await asyncio.sleep(POLL_INTERVAL_S)

    async def expect(self, read: str, *args: Any, equals: Any, timeout_ms: int = UI_TIMEOUT_MS, what: str = "") -> None:
        """Poll the reader `read(*args)` until its value equals `equals`."""
        fn = (
            f"(...a) => {{ const v = ({read})(...a.slice(0, -1));"
            " return JSON.stringify(v) === JSON.stringify(a[a.length - 1]); }"
        )
        try:
            await self.wait_for(fn, *args, equals, timeout_ms=timeout_ms, what=what)
        except AssertionError:
            seen = await self.evaluate(read, *args)
            raise AssertionError(
                f"{self.engine}/{self.name}: {what or read}{args!r}: expected {equals!r}, "
                f"still {seen!r} after {timeout_ms} ms"
            ) from None

    async def wait_visible(self, selector: str, timeout_ms: int = UI_TIMEOUT_MS) -> None:
        await self.wait_for(_VISIBLE, selector, timeout_ms=timeout_ms, what=f"{selector} to be visible")

    async def wait_actionable(self, selector: str, timeout_ms: int = UI_TIMEOUT_MS) -> None:
        await self.wait_for(_ACTIONABLE, selector, timeout_ms=timeout_ms, what=f"{selector} to be visible and enabled")

    async def expect_count(self, selector: str, count: int, timeout_ms: int = UI_TIMEOUT_MS) -> None:
        await self.expect(_COUNT, selector, equals=count, timeout_ms=timeout_ms, what="count of")

    async def expect_text(self, selector: str, text: str | None, timeout_ms: int = UI_TIMEOUT_MS) -> None:
        """The first match's textContent is exactly `text` (None: no such element)."""
        await self.expect(_TEXT, selector, equals=text, timeout_ms=timeout_ms, what="text of")

    async def expect_texts(self, selector: str, texts: list[str], timeout_ms: int = UI_TIMEOUT_MS) -> None:
        """The textContent of every match, in document order."""
        await self.expect(_TEXTS, selector, equals=texts, timeout_ms=timeout_ms, what="texts of")

    async def expect_attr(self, selector: str, name: str, value: str | None, timeout_ms: int = UI_TIMEOUT_MS) -> None:
        await self.expect(_ATTR, selector, name, equals=value, timeout_ms=timeout_ms, what="attribute of")

    async def expect_value(self, selector: str, value: str, timeout_ms: int = UI_TIMEOUT_MS) -> None:
        await self.expect(_VALUE, selector, equals=value, timeout_ms=timeout_ms, what="value of")

    # ---- reads (now, no waiting) ---------------------------------------------------------------------------

    async def text_of(self, selector: str) -> str | None:
        text: str | None = await self.evaluate(_TEXT, selector)
        return text

    async def texts_of(self, selector: str) -> list[str]:
        texts: list[str] = await self.evaluate(_TEXTS, selector)
        return texts

    async def attr(self, selector: str, name: str) -> str | None:
        value: str | None = await self.evaluate(_ATTR, selector, name)
        return value

    async def count(self, selector: str) -> int:
        n: int = await self.evaluate(_COUNT, selector)
        return n

    async def is_visible(self, selector: str) -> bool:
        return bool(await self.evaluate(_VISIBLE, selector))

    async def after_paint(self) -> None:
        """Resolve after two animation frames: what the DOM holds now has been painted (WebKitGTK's screenshot
        shows the last painted frame)."""
        await self.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")


class Context(ABC):
    """An isolated browser profile: its own cookies, storage and service workers."""

    @abstractmethod
    async def new_page(self, name: str) -> Page: ...

    @abstractmethod
    async def close(self) -> None: ...


class Browser(ABC):
    """One engine, started for one test. `close()` ends every process it started, bounded in time."""

    engine: str
    version: str

    def __init__(self) -> None:
        self.pages: list[Page] = []

    @abstractmethod
    async def new_context(self) -> Context: ...

    @abstractmethod
    async def close(self) -> None: ...
