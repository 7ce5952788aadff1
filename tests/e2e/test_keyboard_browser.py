"""Keyboard, screen-reader structure, languages and the polish of issue #15, in a real browser against the real
server: Alt+↑/↓ between rooms, menus and dialogs by keyboard with Escape giving focus back, leaving a room only
after a confirmation, a visible focus ring, the message list as a polite live region whose lists hold only list
items, presence shown as unknown while disconnected, the sidebar footer inside the sidebar, the interface in
Chinese (chosen in the app, or following the browser), and a browser whose language is "C".

Every wait is bounded (Playwright's expect with the context's timeout)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import IN_CI, Chat

from .conftest import UI_TIMEOUT, VIEWPORT, Browsing, base_url, register, send, start_server

try:
    from playwright.async_api import expect
except ImportError:
    if IN_CI:
        raise
    pytest.skip("playwright is not installed (pip install -e '.[test]')", allow_module_level=True)

pytestmark = pytest.mark.e2e


def room_item(page: Any, name: str) -> Any:
    return page.locator(f'[data-testid="room-item"][data-room-name="{name}"]')


async def create_room(page: Any, name: str) -> None:
    await page.get_by_test_id("create-room-button").click()
    await page.get_by_test_id("create-room-name").fill(name)
    await page.get_by_test_id("create-room-submit").click()
    await expect(page.get_by_test_id("room-title")).to_contain_text(name)


_FOCUS_RING = """() => {
    const s = getComputedStyle(document.activeElement);
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
}"""

# Children of the message list's lists that are not list items (axe's `list` rule), and separators in lists.
_LIST_PROBLEMS = """() => [...document.querySelectorAll(
        '[data-testid="message-list"] ol, [data-testid="message-list"] ul')]
    .flatMap(l => [...l.children].filter(c => c.tagName !== 'LI' || c.getAttribute('role')))
    .map(c => c.outerHTML.slice(0, 80))"""

# Buttons of the sidebar footer that stick out of the sidebar (clipped under the main area).
_FOOTER_OVERFLOW = """() => {
    const side = document.querySelector('[data-testid="sidebar"]').getBoundingClientRect();
    return [...document.querySelectorAll('.sidebar-foot button, .sidebar-foot select')]
        .filter(b => {
            const r = b.getBoundingClientRect();
            return r.right > side.right + 0.5 || b.scrollWidth > b.clientWidth + 1;
        })
        .map(b => b.textContent);
}"""


async def test_keyboard_rooms_menu_dialogs_and_leaving_a_room(e2e_chat: Chat, browsing: Browsing) -> None:
    server = await start_server(e2e_chat)
    ana = await browsing.page("ana")
    await register(ana, base_url(server), "ana")
    await create_room(ana, "design")
    await create_room(ana, "zebra")
    title = ana.get_by_test_id("room-title")

    # Alt+↑ / Alt+↓ move through the sidebar's order (by name: design, general, zebra); zebra is open.
    await ana.get_by_test_id("composer-input").focus()
    await ana.keyboard.press("Alt+ArrowUp")
    await expect(title).to_contain_text("general")
    await ana.keyboard.press("Alt+ArrowUp")
    await expect(title).to_contain_text("design")
    await ana.keyboard.press("Alt+ArrowUp")  # the first room: stays
    await expect(title).to_contain_text("design")
    await ana.keyboard.press("Alt+ArrowDown")
    await expect(title).to_contain_text("general")
    await expect(room_item(ana, "general")).to_have_attribute("aria-current", "page")

    # Tab reaches the room menu; the focus is visible; Enter opens it on its first item; Escape gives focus back.
    menu_button = ana.get_by_test_id("room-menu-button")
    await ana.get_by_test_id("members-toggle").focus()
    await ana.keyboard.press("Tab")
    await expect(menu_button).to_be_focused()
    assert await ana.evaluate(_FOCUS_RING)
    await ana.keyboard.press("Enter")
    leave = ana.get_by_test_id("leave-room-button")
    await expect(leave).to_be_focused()
    assert await ana.evaluate(_FOCUS_RING)
    await ana.keyboard.press("Escape")
    await expect(leave).to_have_count(0)
    await expect(menu_button).to_be_focused()

    # Leaving asks first; Escape cancels and focus returns to the menu button.
    await ana.keyboard.press("Enter")
    await expect(leave).to_be_focused()
    await ana.keyboard.press("Enter")
    dialog = ana.get_by_test_id("leave-room-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("Leave #general?")
    await expect(ana.get_by_test_id("leave-room-cancel")).to_be_focused()
    await ana.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    await expect(menu_button).to_be_focused()
    await expect(room_item(ana, "general")).to_have_count(1)
    # Confirmed, the room is left.
    await ana.keyboard.press("Enter")
    await expect(leave).to_be_focused()
    await ana.keyboard.press("Enter")
    await expect(ana.get_by_test_id("leave-room-cancel")).to_be_focused()
    await ana.keyboard.press("Tab")
    await expect(ana.get_by_test_id("leave-room-confirm")).to_be_focused()
    await ana.keyboard.press("Enter")
    await expect(dialog).to_have_count(0)
    await expect(room_item(ana, "general")).to_have_count(0)
    await expect(title).not_to_contain_text("general")

    # Browse rooms is a labelled control; its dialog closes with Escape and focus returns to it.
    browse = ana.get_by_role("button", name="Browse rooms")
    await expect(browse).to_be_visible()
    await browse.focus()
    await ana.keyboard.press("Enter")
    await expect(ana.get_by_test_id("browse-rooms-dialog")).to_be_visible()
    await expect(ana.get_by_test_id("browse-filter")).to_be_focused()
    await ana.keyboard.press("Escape")
    await expect(ana.get_by_test_id("browse-rooms-dialog")).to_have_count(0)
    await expect(browse).to_be_focused()
    assert browsing.page_errors == []


async def test_live_region_lists_presence_while_disconnected_and_footer(e2e_chat: Chat, browsing: Browsing) -> None:
    server = await start_server(e2e_chat)
    ana = await browsing.page("ana")
    await register(ana, base_url(server), "ana")
    await send(ana, "first")
    await send(ana, "second")

    messages = ana.get_by_test_id("message-list")
    await expect(messages).to_have_attribute("role", "log")
    await expect(messages).to_have_attribute("aria-live", "polite")
    assert await ana.evaluate(_LIST_PROBLEMS) == []
    assert await ana.get_by_test_id("day-separator").evaluate("el => el.tagName") == "H2"
    assert await ana.evaluate(_FOOTER_OVERFLOW) == []

    me = ana.locator('[data-testid="member-item"][data-username="ana"]')
    await expect(me).to_have_attribute("data-status", "online")
    await expect(me.get_by_test_id("member-status")).to_have_text("online")
    # The server goes away: what we knew of presence may be stale, so it is shown as unknown, in words too.
    await server.close()
    await expect(ana.get_by_test_id("connection-status")).to_have_attribute("data-state", "reconnecting")
    await expect(me).to_have_attribute("data-status", "unknown")
    await expect(me.get_by_test_id("member-status")).to_contain_text("unknown")
    await expect(me.get_by_test_id("presence-dot")).to_have_class("presence-dot unknown")
    await expect(ana.get_by_test_id("own-status")).to_have_attribute("data-status", "unknown")
    assert browsing.page_errors == []


async def test_chinese_interface_chosen_in_the_app_and_from_the_browser(e2e_chat: Chat, browsing: Browsing) -> None:
    server = await start_server(e2e_chat)
    url = base_url(server)
    ana = await browsing.page("ana")
    await register(ana, url, "ana")
    await send(ana, "你好，世界")  # noqa: RUF001 (Chinese punctuation)

    await ana.get_by_test_id("language-select").select_option("zh-CN")
    await expect(ana.locator("html")).to_have_attribute("lang", "zh-CN")
    await expect(ana.get_by_test_id("composer-input")).to_have_attribute("placeholder", "发消息到 #general")
    await expect(ana.get_by_test_id("day-separator")).to_have_text("今天")
    # 24-hour Chinese clock, no AM/PM.
    assert "M" not in (await ana.get_by_test_id("message-time").first.text_content() or "")
    # Remembered across a reload.
    await ana.reload()
    await expect(ana.get_by_test_id("members-toggle")).to_contain_text("成员")
    assert await ana.evaluate(_FOOTER_OVERFLOW) == []

    # A browser that asks for Chinese gets it without choosing (a new profile, logged out).
    context = await browsing.browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(UI_TIMEOUT)
    browsing.contexts.append(context)
    bo = await browsing.page("bo", context=context)
    await bo.goto(url)
    await expect(bo.get_by_test_id("auth-submit")).to_have_text("登录")
    await bo.get_by_test_id("auth-submit").click()
    await expect(bo.get_by_test_id("auth-username-error")).to_have_text("请输入用户名。")
    # A server error code is translated too.
    await bo.get_by_test_id("auth-username").fill("nobody")
    await bo.get_by_test_id("auth-password").fill("not the password")
    await bo.get_by_test_id("auth-submit").click()
    await expect(bo.get_by_test_id("auth-error")).to_have_text("用户名或密码错误。")
    assert browsing.page_errors == []


async def test_a_browser_whose_language_is_C_gets_english_without_errors(e2e_chat: Chat, browsing: Browsing) -> None:
    """WebKitGTK under a C locale reports navigator.language "C", which is not a language tag."""
    server = await start_server(e2e_chat)
    context = await browsing.browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(UI_TIMEOUT)
    browsing.contexts.append(context)
    await context.add_init_script(
        "Object.defineProperty(navigator, 'language', {get: () => 'C'});"
        "Object.defineProperty(navigator, 'languages', {get: () => ['C']});"
    )
    ana = await browsing.page("ana", context=context)
    await register(ana, base_url(server), "ana")
    await send(ana, "hello")
    await expect(ana.get_by_test_id("message-time")).not_to_have_text("")
    await expect(ana.locator("html")).to_have_attribute("lang", "en")
    assert browsing.page_errors == []


async def test_search_shortcuts_ctrl_k_and_slash_and_escape_back(e2e_chat: Chat, browsing: Browsing) -> None:
    """Issue #13: Ctrl+K (anywhere, the composer included) and "/" (outside a text field) focus the message search;
    "/" typed in the composer is a slash; Enter shows the results in place of the room, Escape goes back to the
    room with focus in the search box."""
    server = await start_server(e2e_chat)
    ana = await browsing.page("ana")
    await register(ana, base_url(server), "ana")
    search = ana.get_by_test_id("search-input")
    composer = ana.get_by_test_id("composer-input")

    await composer.focus()
    await ana.keyboard.press("Control+k")
    await expect(search).to_be_focused()
    await composer.focus()
    await ana.keyboard.type("a/b")
    await expect(composer).to_have_value("a/b")
    await expect(composer).to_be_focused()
    await ana.get_by_test_id("message-list").focus()
    await ana.keyboard.press("/")
    await expect(search).to_be_focused()
    await expect(search).to_have_value("")

    await ana.keyboard.type("anything")
    await ana.keyboard.press("Enter")
    await expect(ana.get_by_test_id("search-results")).to_be_visible()
    await expect(ana.get_by_test_id("message-list")).not_to_be_visible()
    await ana.keyboard.press("Escape")
    await expect(ana.get_by_test_id("search-results")).to_have_count(0)
    await expect(ana.get_by_test_id("message-list")).to_be_visible()
    await expect(search).to_be_focused()
    # The draft in the composer survived the detour.
    await expect(composer).to_have_value("a/b")
    assert browsing.page_errors == []
