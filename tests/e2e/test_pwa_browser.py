"""The installable web app (issue #15), in Chromium, in more detail than the cross-engine installability check
(test_pwa.py): every manifest icon including the maskable ones and the apple-touch-icon at their stated sizes,
the worker controlling the page, an offline start on a reload and on a deep link, the cache holding the shell and
the hashed assets but nothing from /api or /ws, Retry while still offline, and the chat back by itself when the
browser reports the network again.

Every wait is bounded (Playwright's expect with the context's timeout)."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from conftest import IN_CI, Chat

from .conftest import Browsing, base_url, register, send, start_server

try:
    from playwright.async_api import expect
except ImportError:
    if IN_CI:
        raise
    pytest.skip("playwright is not installed (pip install -e '.[test]')", allow_module_level=True)

pytestmark = pytest.mark.e2e


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


_CACHED_URLS = """async () => {
    const urls = [];
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const req of await cache.keys()) urls.push(new URL(req.url).pathname);
    }
    return urls;
}"""


async def test_manifest_icons_and_apple_touch_icon_make_it_installable(e2e_chat: Chat, browsing: Browsing) -> None:
    server = await start_server(e2e_chat)
    url = base_url(server)
    page = await browsing.page("ana")
    await page.goto(url)
    href = await page.locator('link[rel="manifest"]').get_attribute("href")
    assert href == "/manifest.webmanifest"
    resp = await page.request.get(url.rstrip("/") + href)
    assert resp.ok
    manifest = await resp.json()
    assert manifest["name"] == "Parley" and manifest["short_name"] == "Parley"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#") and manifest["background_color"].startswith("#")
    icons: list[dict[str, Any]] = manifest["icons"]
    wanted = {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")}
    assert {(i["sizes"], i["purpose"]) for i in icons} == wanted
    for icon in icons:
        got = await page.request.get(url.rstrip("/") + icon["src"])
        assert got.ok, icon
        assert got.headers["content-type"] == "image/png"
        w, h = png_size(await got.body())
        assert f"{w}x{h}" == icon["sizes"], icon
    apple = await page.locator('link[rel="apple-touch-icon"]').get_attribute("href")
    assert apple is not None
    got = await page.request.get(url.rstrip("/") + apple)
    assert got.ok and png_size(await got.body()) == (180, 180)
    assert await page.locator('meta[name="theme-color"]').count() == 1
    viewport = await page.locator('meta[name="viewport"]').get_attribute("content") or ""
    assert "width=device-width" in viewport
    assert browsing.page_errors == []


async def test_service_worker_controls_the_page_and_the_shell_starts_offline(
    e2e_chat: Chat, browsing: Browsing
) -> None:
    server = await start_server(e2e_chat)
    url = base_url(server)
    ana = await browsing.page("ana")
    await register(ana, url, "ana")
    await send(ana, "written before going offline")

    # Installed and active; after a reload it controls the page (what "installable" needs).
    assert await ana.evaluate("navigator.serviceWorker.ready.then(r => r.active !== null)")
    await ana.reload()
    await expect(ana.get_by_test_id("chat-screen")).to_be_visible()
    assert await ana.evaluate("navigator.serviceWorker.controller !== null")
    assert await ana.evaluate("navigator.serviceWorker.controller.scriptURL.endsWith('/sw.js')")

    # The network goes away: a reload, and a deep link, still start the app, which says it is offline.
    await ana.context.set_offline(True)
    for target in (url, url.rstrip("/") + "/some/deep/link"):
        await ana.goto(target)
        await expect(ana.get_by_test_id("offline-screen")).to_be_visible()
        await expect(ana.get_by_test_id("offline-screen")).to_contain_text("You are offline")

    # Nothing from /api or /ws was ever stored by the worker; the shell and the hashed assets were.
    cached: list[str] = await ana.evaluate(_CACHED_URLS)
    assert "/index.html" in cached
    assert any(p.startswith("/assets/") for p in cached)
    assert not [p for p in cached if p == "/api" or p.startswith(("/api/", "/ws"))], cached

    # Retry while still offline: still offline, nothing breaks.
    await ana.get_by_test_id("offline-retry").click()
    await expect(ana.get_by_test_id("offline-retry")).to_be_visible()
    # Back online: the browser's online event brings the chat back by itself, same session.
    await ana.context.set_offline(False)
    await expect(ana.get_by_test_id("chat-screen")).to_be_visible()
    await expect(ana.get_by_test_id("connection-status")).to_have_attribute("data-state", "open")
    await expect(ana.get_by_test_id("message-body")).to_have_text(["written before going offline"])
    cached = await ana.evaluate(_CACHED_URLS)
    assert not [p for p in cached if p == "/api" or p.startswith(("/api/", "/ws"))], cached
    assert browsing.page_errors == []
