"""The scenarios of issue #13 (find and share), each run in Chromium, Firefox ESR and WebKitGTK (the `browser`
fixture), written against drivers/base.py with steps in steps.py:

- a message written in Markdown shows a code block with its language and a link that opens safely, while the
  `<script>` and `<img onerror>` in it stay text and never run;
- search finds an old message, and clicking the result opens its room scrolled to it, with its neighbours loaded;
- an image dropped on the composer uploads, is sent, and shows as a preview in the other user's window, which
  opens larger in a dialog that Escape closes, focus going back to the preview."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Chat, connect

from . import steps
from .conftest import Frames, base_url, start_server
from .drivers.base import Browser, Page, tid

pytestmark = pytest.mark.e2e

MARKDOWN = (
    "Run this:\n```python\nprint('<b>hi</b>')\n```\n"
    "See https://example.com/docs and [the guide](https://example.org/guide).\n"
    '<script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2"> '
    "[click](javascript:window.__pwned=3)"
)


async def no_page_errors(*pages: Page) -> None:
    for page in pages:
        assert await page.errors() == [], f"{page.engine}/{page.name} raised JavaScript errors"


async def _general(chat: Chat, server: Any, username: str) -> tuple[Frames, int]:
    """`username` connected over a WebSocket (as another client would be), and the id of the room general."""
    client = await chat.user(server, username)
    ws, hello = await connect(client)
    general = next(r for r in hello["rooms"] if r["name"] == "general")
    return Frames(ws), general["id"]


async def test_markdown_code_block_and_link_render_and_script_does_not_run(e2e_chat: Chat, browser: Browser) -> None:
    server = await start_server(e2e_chat)
    url = base_url(server)
    bob, general = await _general(e2e_chat, server, "bob")
    ana = await (await browser.new_context()).new_page("ana")
    await steps.register(ana, url, "ana")

    await bob.send({"type": "message.send", "room_id": general, "body": MARKDOWN, "client_id": "md-1"})
    item = steps.message_by("bob")
    await ana.wait_visible(f"{item} {tid('code-block')}")
    await ana.expect_text(f"{item} {tid('code-lang')}", "python")
    await ana.expect_text(f"{item} pre code", "print('<b>hi</b>')")
    links = await ana.evaluate(
        """(sel) => [...document.querySelectorAll(sel + ' a')].map(a => [a.getAttribute('href'), a.target, a.rel])""",
        item,
    )
    assert links == [
        ["https://example.com/docs", "_blank", "noopener noreferrer nofollow"],
        ["https://example.org/guide", "_blank", "noopener noreferrer nofollow"],
    ]
    # What looked like HTML is text on the page: no element made from it, nothing ran.
    body = f"{item} {tid('message-body')}"
    assert await ana.count(f"{body} script, {body} img, {body} b") == 0
    text = await ana.text_of(body) or ""
    assert "<script>window.__pwned = 1</script>" in text
    assert '<img src=x onerror="window.__pwned = 2">' in text
    assert await ana.evaluate("() => window.__pwned === undefined")
    # Ana's own Markdown, typed in the composer, renders the same way once sent.
    await ana.fill(steps.COMPOSER, "**bold** and `code` :tada:")
    await ana.press(steps.COMPOSER, "Enter")
    mine = steps.message_by("ana")
    await ana.expect_text(f"{mine} strong", "bold")
    await ana.expect_text(f"{mine} code", "code")
    await ana.expect_text(f"{mine} {tid('message-body')}", "bold and code \U0001f389")
    assert await ana.evaluate("() => window.__pwned === undefined")
    await bob.close()
    await no_page_errors(ana)


async def test_search_finds_an_old_message_and_opens_it_in_its_room(e2e_chat: Chat, browser: Browser) -> None:
    # Bob's client posts the history in one burst (a bot catching up): the per-account burst is raised for it.
    server = await start_server(e2e_chat, message_burst=100)
    url = base_url(server)
    bob, general = await _general(e2e_chat, server, "bob")
    ana = await (await browser.new_context()).new_page("ana")
    await steps.register(ana, url, "ana")

    # 80 messages: the one searched for is the 5th, far above the newest page (50) the room opens with.
    for i in range(1, 81):
        body = "the zeppelin launch is on Friday" if i == 5 else f"filler message {i}"
        await bob.send({"type": "message.send", "room_id": general, "body": body, "client_id": f"s{i}"})
    await ana.wait_visible(tid("message-item", seq="80"))
    # A fresh page holds only the newest page of history.
    await ana.reload()
    await steps.until_connected(ana, "ana")
    await ana.wait_visible(tid("message-item", seq="80"))
    await ana.expect_count(tid("message-item", seq="5"), 0)

    await steps.search(ana, "zeppelin")
    await ana.expect_count(steps.SEARCH_RESULT, 1)
    result = steps.SEARCH_RESULT
    await ana.expect_text(f"{result} mark", "zeppelin")
    await ana.expect_text(f"{result} {tid('search-result-author')}", "bob")
    await ana.expect_text(f"{result} {tid('search-result-room')}", "#general")
    assert await ana.attr(result, "data-seq") == "5"

    await ana.click(result)
    target = tid("message-item", seq="5")
    await ana.wait_visible(target)
    await ana.expect_count(tid("search-results"), 0)
    # Its neighbours are there, and it is on screen, marked.
    for seq in ("4", "6"):
        await ana.wait_visible(tid("message-item", seq=seq))
    await ana.wait_for(
        """(sel) => { const el = document.querySelector(sel);
            const list = document.querySelector('[data-testid="message-list"]');
            if (!el || !list) return false;
            const a = el.getBoundingClientRect(), b = list.getBoundingClientRect();
            return el.classList.contains('focused') && a.bottom > b.top && a.top < b.bottom; }""",
        target,
        what="the found message on screen and marked",
    )
    # The room is whole again: scrolling down reaches the newest message (the hole was filled).
    await ana.wait_for('() => !!document.querySelector(\'[data-testid="message-item"][data-seq="80"]\')')
    assert await ana.count(tid("message-item")) >= 76

    # A query that finds nothing says so.
    await steps.search(ana, "xylophone")
    await ana.wait_visible(tid("search-empty"))
    await bob.close()
    await no_page_errors(ana)


async def test_image_dropped_on_the_composer_shows_as_a_preview_for_the_other(e2e_chat: Chat, browser: Browser) -> None:
    server = await start_server(e2e_chat)
    url = base_url(server)
    ana = await (await browser.new_context()).new_page("ana")
    bob = await (await browser.new_context()).new_page("bob")
    await steps.register(ana, url, "ana")
    await steps.register(bob, url, "bob")

    await steps.drop_file(ana, "sunset.png", steps.png_bytes(640, 360), "image/png")
    await steps.wait_uploaded(ana, "sunset.png")
    await ana.press(steps.COMPOSER, "Enter")  # no text: the file is the message
    await ana.expect_count(tid("upload-item"), 0)

    item = steps.message_by("ana")
    thumb = f"{item} {tid('image-thumb')}"
    await bob.wait_visible(thumb)
    await bob.wait_for(
        "(sel) => { const img = document.querySelector(sel); return !!img && img.complete && img.naturalWidth > 0; }",
        f"{thumb} img",
        what="the preview image to load",
    )
    assert await bob.attr(f"{thumb} img", "alt") == "sunset.png"
    # Larger in a dialog; Escape closes it and focus goes back to the preview.
    await bob.click(thumb)
    await bob.wait_visible(steps.VIEWER)
    await bob.wait_for(
        "(sel) => { const img = document.querySelector(sel); return !!img?.complete && img.naturalWidth === 640; }",
        tid("image-viewer-image"),
        what="the full image in the viewer",
    )
    assert await bob.attr(f"{steps.VIEWER} {tid('file-download')}", "href") is not None
    await bob.press(f"{steps.VIEWER} {tid('file-download')}", "Escape")
    await bob.expect_count(steps.VIEWER, 0)
    await bob.wait_for(
        "() => document.activeElement?.getAttribute('data-testid') === 'image-thumb'",
        what="focus back on the preview",
    )
    await no_page_errors(ana, bob)
