"""A Lighthouse-style installability check of the web app (issue #15), in every engine.

- The manifest the page links (`<link rel="manifest">`, whatever path the build gives it) has name, short_name,
  start_url (same origin), display "standalone", theme_color, and icons of 192x192 and 512x512 that are served
  as images of those sizes.
- A service worker (the one the page registers, whatever its path) controls the page after a reload.
- With the server stopped, a reload still shows the app shell (the app's own root, not the browser's error page)
  with an "offline" notice; once the server is back, the page reconnects by itself.
- /api and /ws are never answered from the worker's caches: no cached request under them, and with the server
  stopped a fetch of /api/me fails instead of returning a stored answer.
"""

from __future__ import annotations

import re
import struct
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import pytest

from conftest import Chat

from . import steps
from .conftest import base_url, restart_server, start_server
from .drivers.base import Browser, DriverError, Page

pytestmark = pytest.mark.e2e

# The notice a user sees offline, in the two languages of the interface.
OFFLINE_WORDS = re.compile(r"offline|离线|脱机", re.IGNORECASE)

_MANIFEST = """async () => {
  const link = document.querySelector('link[rel~="manifest"]');
  if (!link) return {error: 'the page links no manifest (<link rel="manifest">)'};
  const resp = await fetch(link.href);
  let manifest = null;
  try { manifest = await resp.json(); } catch (e) { return {error: `${link.href}: not JSON (${e})`}; }
  return {href: link.href, status: resp.status, manifest};
}"""
_CONTROLLER = "() => navigator.serviceWorker?.controller?.scriptURL ?? null"
_READY = """async () => {
  if (!('serviceWorker' in navigator)) return 'no navigator.serviceWorker';
  const reg = await Promise.race([navigator.serviceWorker.ready, new Promise(r => setTimeout(() => r(null), 8000))]);
  return reg && reg.active ? reg.active.scriptURL : null;
}"""
_CACHED_URLS = """async () => {
  if (!('caches' in window)) return [];
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  }
  return urls;
}"""
_FETCH_ME = """async () => {
  try {
    const r = await fetch('/api/me', {cache: 'no-store'});
    return {status: r.status, body: (await r.text()).slice(0, 200)};
  }
  catch (e) { return {error: String(e)}; }
}"""
_SHELL = """(words) => {
  const root = document.querySelector('#app');
  const text = document.body ? document.body.innerText : '';
  return {href: location.href, shell: !!root && root.children.length > 0, offline: new RegExp(words, 'i').test(text),
          text: text.slice(0, 300)};
}"""


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk (None if it is not a PNG)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def declared_sizes(icon: dict[str, Any]) -> set[str]:
    return set(str(icon.get("sizes", "")).lower().split())


async def check_manifest(page: Page, origin: str) -> list[str]:
    """Every installability problem with the linked manifest and its icons (empty when there is none)."""
    got = await page.evaluate(_MANIFEST)
    if "error" in got:
        return [got["error"]]
    problems: list[str] = []
    href, manifest = got["href"], got["manifest"]
    if got["status"] != 200:
        problems.append(f"{href} answered {got['status']}")
    for field in ("name", "short_name", "start_url", "theme_color"):
        if not isinstance(manifest.get(field), str) or not manifest[field].strip():
            problems.append(f"manifest: no {field}")
    start = urljoin(href, manifest.get("start_url") or "")
    if urlsplit(start).netloc != urlsplit(origin).netloc:
        problems.append(f"manifest: start_url {start} is not on {origin}")
    if manifest.get("display") != "standalone":
        problems.append(f"manifest: display is {manifest.get('display')!r}, not 'standalone'")
    icons = manifest.get("icons") or []
    async with aiohttp.ClientSession() as http:
        for size in ("192x192", "512x512"):
            matching = [i for i in icons if size in declared_sizes(i)]
            if not matching:
                problems.append(f"manifest: no {size} icon")
                continue
            for icon in matching:
                url = urljoin(href, icon.get("src", ""))
                async with http.get(url) as resp:
                    data = await resp.read()
                    kind = resp.headers.get("Content-Type", "")
                if resp.status != 200 or not kind.startswith("image/"):
                    problems.append(f"icon {url}: {resp.status} {kind}")
                    continue
                actual = png_size(data)
                if actual is not None and f"{actual[0]}x{actual[1]}" not in declared_sizes(icon):
                    problems.append(f"icon {url}: declared {icon.get('sizes')}, is {actual[0]}x{actual[1]}")
    return problems


def under_api_or_ws(url: str) -> bool:
    path = urlsplit(url).path
    return path.startswith(("/api/", "/ws")) or path == "/api"


async def no_api_in_caches(page: Page) -> None:
    cached = await page.evaluate(_CACHED_URLS)
    api = [u for u in cached if under_api_or_ws(u)]
    assert not api, f"{page.engine}: API or socket responses in the service worker's caches: {api}"


async def test_the_app_is_installable_and_its_shell_works_offline(e2e_chat: Chat, browser: Browser) -> None:
    server = await start_server(e2e_chat)
    port = server.port
    assert port is not None
    url = base_url(server)
    page = await (await browser.new_context()).new_page("ana")
    await steps.register(page, url, "ana")

    problems = await check_manifest(page, url)
    assert not problems, f"{browser.engine}: the manifest is not installable:\n  " + "\n  ".join(problems)

    # The page registers a worker; after a reload it controls the page.
    worker = await page.evaluate(_READY)
    assert worker and worker.startswith(url), f"{browser.engine}: no active service worker for the page ({worker})"
    await page.reload()
    await steps.until_connected(page, "ana")
    controller = await page.wait_for(_CONTROLLER, what="a service worker to control the page")
    assert controller == worker

    await no_api_in_caches(page)

    # The server goes away: a reload shows the app shell saying "offline", not the browser's error page.
    await server.close()
    try:
        await page.reload()
    except DriverError as exc:
        pytest.fail(f"{browser.engine}: with the server stopped the reload failed ({exc}): no offline shell")
    shell = await page.wait_for(
        f"(w) => {{ const s = ({_SHELL})(w); return s.shell && s.offline ? s : null; }}",
        OFFLINE_WORDS.pattern,
        what="the app shell with an offline notice",
    )
    assert shell["href"].startswith(url), shell
    # The worker does not answer for the API from a cache.
    me = await page.evaluate(_FETCH_ME)
    assert me.get("status", 0) >= 500 or "error" in me, f"/api/me answered while the server was down: {me}"
    await no_api_in_caches(page)

    # The server comes back on the same port: the page recovers by itself, still logged in (the session cookie is
    # valid: an offline start must not turn into a login form).
    await restart_server(e2e_chat, port)
    try:
        await steps.until_connected(page, "ana")
    except AssertionError as exc:
        pytest.fail(f"{browser.engine}: after an offline start the app did not reconnect by itself: {exc}")
    assert await page.errors() == []
