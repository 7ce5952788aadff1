"""What a user does in the web app, written once against the driver interface (drivers/base.py) so every engine
runs the same steps. Selectors are test ids and data attributes, never layout or English text: the interface is
being translated, and another engine may lay it out differently. New scenarios (DMs, edit, reactions, unread,
upload) add their steps here."""

from __future__ import annotations

import base64
import struct
import zlib

from conftest import PASSWORD, Chat
from parley.store import open_store

from .drivers.base import Page, tid

AUTH = tid("auth-screen")
CHAT = tid("chat-screen")
COMPOSER = tid("composer-input")
CONNECTION = tid("connection-status")
BANNER = tid("connection-banner")
TYPING = tid("typing-indicator")
SEARCH = tid("search-input")
SEARCH_RESULT = tid("search-result")
VIEWER = tid("image-viewer")


def member(username: str) -> str:
    return tid("member-item", username=username)


def room_item(name: str) -> str:
    return tid("room-item", room_name=name)


def admin_user(username: str) -> str:
    """A row of the Admin page's user list."""
    return tid("admin-user", username=username)


def message_by(author: str) -> str:
    return tid("message-item", author=author)


async def open_auth(page: Page, url: str, mode: str) -> None:
    """The logged-out screen, switched to `mode` ("login" or "register")."""
    if not await page.is_visible(AUTH):
        await page.goto(url)
    await page.wait_visible(AUTH)
    if await page.attr(AUTH, "data-mode") != mode:
        await page.click(tid("auth-mode-toggle"))
    await page.expect_attr(AUTH, "data-mode", mode)


async def submit_credentials(page: Page, username: str, password: str) -> None:
    await page.fill(tid("auth-username"), username)
    await page.fill(tid("auth-password"), password)
    await page.click(tid("auth-submit"))


async def until_connected(page: Page, username: str) -> None:
    """The chat screen, as `username`, with the live connection open."""
    await page.wait_visible(CHAT)
    await page.wait_for(
        "(sel, name) => (document.querySelector(sel)?.textContent || '').includes(name)",
        tid("current-user"),
        username,
        what=f"the current user to read {username}",
    )
    await page.expect_attr(CONNECTION, "data-state", "open")


async def register(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    """Open the app logged out and create an account through the form; ends connected on the chat screen."""
    await open_auth(page, url, "register")
    await submit_credentials(page, username, password)
    await until_connected(page, username)


async def login(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    """Submit the login form (does not wait for the outcome: a refusal is a valid outcome)."""
    await open_auth(page, url, "login")
    await submit_credentials(page, username, password)


async def logout(page: Page) -> None:
    await page.click(tid("logout-button"))
    await page.wait_visible(AUTH)


async def send(page: Page, text: str) -> None:
    """Type into the composer and press Enter; waits until the server acknowledged it (the item is "sent")."""
    await page.fill(COMPOSER, text)
    await page.press(COMPOSER, "Enter")
    await page.expect_value(COMPOSER, "")
    await page.wait_for(
        """(body) => [...document.querySelectorAll('[data-testid="message-item"][data-status="sent"]')]
            .some(m => m.querySelector('[data-testid="message-body"]')?.textContent === body)""",
        text,
        what=f"the message {text!r} to be sent",
    )


async def bodies(page: Page) -> list[str]:
    """Every message body shown in the open room, top to bottom."""
    return await page.texts_of(tid("message-body"))


async def expect_bodies(page: Page, expected: list[str]) -> None:
    await page.expect_texts(tid("message-body"), expected)


async def expect_presence(page: Page, username: str, status: str) -> None:
    """`username`'s row in the member list shows `status` ("online" or "offline")."""
    await page.expect_attr(member(username), "data-status", status)


async def expect_typing(page: Page, username: str | None) -> None:
    """The typing indicator names `username` (None: it is empty). Matches the name, not the translated words."""
    if username is None:
        await page.expect_text(TYPING, "")
        return
    await page.wait_for(
        "(sel, name) => (document.querySelector(sel)?.textContent || '').includes(name)",
        TYPING,
        username,
        what=f"the typing indicator to name {username}",
    )


async def make_admin(chat: Chat, username: str) -> None:
    """Grant administrator rights in the database (what `parley set-admin` does); the page learns it on reload."""
    store = await open_store(chat.url)
    try:
        account = await store.account_by_name(username)
        assert account is not None
        await store.set_admin(account.id, True)
    finally:
        await store.close()


async def search(page: Page, query: str) -> None:
    """Type a query in the search box and press Enter; waits for the results view (not for its answer)."""
    await page.fill(SEARCH, query)
    await page.press(SEARCH, "Enter")
    await page.wait_visible(tid("search-results"))


def png_bytes(width: int, height: int, rgb: tuple[int, int, int] = (79, 70, 229)) -> bytes:
    """A real PNG of one colour (no image library needed): the server decodes it and makes a thumbnail."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


_DROP = """(b64, name, type, sel) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], name, {type}));
  const target = document.querySelector(sel);
  for (const kind of ['dragenter', 'dragover', 'drop']) {
    target.dispatchEvent(new DragEvent(kind, {bubbles: true, cancelable: true, dataTransfer: dt}));
  }
  return true;
}"""


async def drop_file(page: Page, name: str, data: bytes, content_type: str) -> None:
    """Drag a file from the desktop onto the composer and drop it (the browser's drag events, with its file)."""
    await page.wait_visible(tid("composer"))
    encoded = base64.b64encode(data).decode("ascii")
    assert await page.evaluate(_DROP, encoded, name, content_type, tid("composer"))


async def wait_uploaded(page: Page, name: str) -> None:
    """The composer lists `name` as uploaded and ready to send."""
    await page.expect_attr(tid("upload-item", name=name), "data-state", "done")
