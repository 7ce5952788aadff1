"""The web app on a phone-sized touch screen (390x844, issue #15): every control is at least 44 px, nothing is
wider than the screen, the room name is not cut, the rooms drawer and the member list open and close with
visible controls (and Escape, giving focus back), short rooms sit next to the composer, and the composer stays
on screen when the visible height shrinks as it does when the on-screen keyboard opens.

Every wait is bounded (Playwright's expect with the context's timeout)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import IN_CI, Chat, eventually

from . import steps
from .conftest import UI_TIMEOUT, Browsing, base_url, register, send, start_server

try:
    from playwright.async_api import expect
except ImportError:
    if IN_CI:
        raise
    pytest.skip("playwright is not installed (pip install -e '.[test]')", allow_module_level=True)

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
# Apple's and Google's guidance (and WCAG 2.5.5): a touch target at least 44 CSS px on each side.
MIN_TARGET_PX = 44

# Visible controls smaller than MIN_TARGET_PX. A checkbox counts with its label (the label is the target).
_SMALL_TARGETS = """(min) => {
    const out = [];
    for (const el of document.querySelectorAll('button, a[href], input, select, textarea, [role="menuitem"]')) {
        if (el.closest('[inert]') || el.type === 'hidden') continue;
        const r = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (r.width <= 1 || r.height <= 1 || style.visibility === 'hidden' || el.closest('.sr-only')) continue;
        if (r.right <= 0 || r.left >= innerWidth || r.bottom <= 0 || r.top >= innerHeight) continue;
        let box = r;
        if (el.type === 'checkbox' && el.labels && el.labels[0]) {
            box = el.labels[0].parentElement.getBoundingClientRect();
        }
        if (box.height < min - 0.5 || box.width < min - 0.5) {
            const name = el.dataset.testid || el.getAttribute('aria-label') || el.textContent.trim();
            out.push(`${el.tagName.toLowerCase()}[${name}] ${Math.round(box.width)}x${Math.round(box.height)}`);
        }
    }
    return out;
}"""

_OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


async def phone_page(browsing: Browsing, name: str) -> Any:
    context = await browsing.browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(UI_TIMEOUT)
    browsing.contexts.append(context)
    return await browsing.page(name, context=context)


async def in_view(page: Any, testid: str) -> bool:
    box = await page.get_by_test_id(testid).bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5


async def test_phone_layout_touch_targets_drawers_and_composer(e2e_chat: Chat, browsing: Browsing) -> None:
    server = await start_server(e2e_chat)
    url = base_url(server)
    ana = await phone_page(browsing, "ana")
    await register(ana, url, "ana")
    await send(ana, "hello from a phone")

    # Nothing wider than the screen, no control smaller than a finger, the room name whole.
    assert await ana.evaluate(_OVERFLOW) <= 0
    assert await ana.evaluate(_SMALL_TARGETS, MIN_TARGET_PX) == []
    title = ana.locator(".room-title-text")
    await expect(title).to_have_text("general")
    assert await title.evaluate("el => el.scrollWidth <= el.clientWidth")

    # A short room sits at the bottom, next to the composer (no gap under the messages).
    last = await ana.get_by_test_id("message-item").last.bounding_box()
    composer = await ana.get_by_test_id("composer").bounding_box()
    assert last is not None and composer is not None
    assert composer["y"] + composer["height"] <= PHONE["height"] + 0.5
    assert composer["y"] - (last["y"] + last["height"]) < 60, (last, composer)

    # The rooms drawer: a visible control opens it, focus moves in; Escape closes it and focus comes back.
    toggle = ana.get_by_test_id("sidebar-toggle")
    await expect(toggle).to_be_visible()
    assert not await in_view(ana, "sidebar")
    await toggle.click()
    await expect(ana.get_by_test_id("sidebar-close")).to_be_focused()
    await eventually(lambda: in_view(ana, "sidebar"))  # it slides in
    assert await ana.evaluate(_SMALL_TARGETS, MIN_TARGET_PX) == []
    await ana.keyboard.press("Escape")
    await expect(toggle).to_be_focused()
    await expect(ana.get_by_test_id("sidebar")).not_to_be_visible()
    # ...and its own close button closes it too.
    await toggle.click()
    await ana.get_by_test_id("sidebar-close").click()
    await expect(ana.get_by_test_id("sidebar")).not_to_be_visible()

    # The member list: the header's control opens it over the room, its close button closes it.
    members_toggle = ana.get_by_test_id("members-toggle")
    await expect(ana.get_by_test_id("members-panel")).to_have_count(0)
    await members_toggle.click()
    await expect(ana.get_by_test_id("members-panel")).to_be_visible()
    await expect(ana.get_by_test_id("members-close")).to_be_focused()
    await eventually(lambda: in_view(ana, "members-panel"))
    await ana.get_by_test_id("members-close").click()
    await expect(ana.get_by_test_id("members-panel")).to_have_count(0)
    await expect(members_toggle).to_be_focused()

    # The visible height shrinks (an on-screen keyboard resizing the layout): the composer stays on screen.
    await ana.get_by_test_id("composer-input").focus()
    await ana.set_viewport_size({"width": PHONE["width"], "height": 420})
    await expect(ana.get_by_test_id("composer-input")).to_be_in_viewport()
    composer = await ana.get_by_test_id("composer").bounding_box()
    assert composer is not None and composer["y"] + composer["height"] <= 420 + 0.5
    await expect(ana.get_by_test_id("message-item").last).to_be_in_viewport()
    assert browsing.page_errors == []


async def test_the_admin_page_on_a_phone(e2e_chat: Chat, browsing: Browsing) -> None:
    """The Admin page at 390x844: reached from the rooms drawer, nothing wider than the screen and no control
    smaller than a finger on any tab (a confirmation open, a room's members shown); the drawer's toggle stays."""
    server = await start_server(e2e_chat)
    url = base_url(server)
    boss = await phone_page(browsing, "boss")
    await register(boss, url, "boss")
    await e2e_chat.user(server, "a-very-long-username-of-32-chars")
    await steps.make_admin(e2e_chat, "boss")
    await boss.reload()
    await expect(boss.get_by_test_id("connection-status")).to_have_attribute("data-state", "open")

    await boss.get_by_test_id("sidebar-toggle").click()
    await boss.get_by_test_id("admin-button").click()
    await expect(boss.get_by_test_id("admin-page")).to_be_visible()
    await expect(boss.get_by_test_id("sidebar")).not_to_be_visible()
    row = boss.locator('[data-testid="admin-user"][data-username="a-very-long-username-of-32-chars"]')
    await expect(row).to_be_visible()

    async def fits() -> None:
        assert await boss.evaluate(_OVERFLOW) <= 0
        assert await boss.evaluate(_SMALL_TARGETS, MIN_TARGET_PX) == []

    await fits()
    await row.get_by_test_id("admin-user-disable").click()
    await expect(row.get_by_test_id("admin-user-disable-cancel")).to_be_focused()
    await fits()
    await boss.keyboard.press("Escape")
    await expect(row.get_by_test_id("admin-user-disable")).to_be_focused()
    await boss.get_by_test_id("admin-tab-rooms").click()
    await boss.get_by_test_id("admin-room-members").first.click()
    await expect(boss.get_by_test_id("admin-member").first).to_be_visible()
    await fits()
    # The tabs are one tab stop; arrow keys move between them.
    await boss.get_by_test_id("admin-tab-rooms").focus()
    await boss.keyboard.press("ArrowRight")
    await expect(boss.get_by_test_id("admin-tab-online")).to_be_focused()
    await expect(boss.get_by_test_id("admin-tab-online")).to_have_attribute("aria-selected", "true")
    await expect(boss.get_by_test_id("admin-online-user")).to_have_count(1)
    await fits()
    await boss.keyboard.press("ArrowRight")
    await expect(boss.get_by_test_id("admin-stat-users")).to_be_visible()
    await fits()
    # Back to the chat from the page's own control.
    await boss.get_by_test_id("admin-close").click()
    await expect(boss.get_by_test_id("composer-input")).to_be_visible()


async def test_phone_search_from_the_drawer_and_files_in_the_composer(e2e_chat: Chat, browsing: Browsing) -> None:
    """Issue #13 on a phone: the search box is in the rooms drawer; searching closes the drawer and shows the
    results over the room, within the screen and with finger-sized controls; closing them gives focus back to the
    drawer's toggle. The composer's attach button is finger-sized too."""
    server = await start_server(e2e_chat)
    url = base_url(server)
    ana = await phone_page(browsing, "ana")
    await register(ana, url, "ana")
    await send(ana, "hello from a phone")

    toggle = ana.get_by_test_id("sidebar-toggle")
    await toggle.click()
    await eventually(lambda: in_view(ana, "sidebar"))
    await ana.get_by_test_id("search-input").fill("hello")
    await ana.get_by_test_id("search-input").press("Enter")
    await expect(ana.get_by_test_id("sidebar")).not_to_be_visible()
    results = ana.get_by_test_id("search-results")
    await expect(results).to_be_visible()
    await eventually(lambda: in_view(ana, "search-results"))
    assert await ana.evaluate(_OVERFLOW) <= 0
    assert await ana.evaluate(_SMALL_TARGETS, MIN_TARGET_PX) == []
    await ana.get_by_test_id("search-close").click()
    await expect(results).to_have_count(0)
    await expect(toggle).to_be_focused()

    # Ctrl+K on a phone with a keyboard opens the drawer with the search box focused.
    await ana.keyboard.press("Control+k")
    await expect(ana.get_by_test_id("search-input")).to_be_focused()
    await ana.keyboard.press("Escape")
    await expect(ana.get_by_test_id("sidebar")).not_to_be_visible()

    attach = await ana.get_by_test_id("attach-button").bounding_box()
    assert attach is not None and attach["width"] >= MIN_TARGET_PX - 0.5 and attach["height"] >= MIN_TARGET_PX - 0.5
    assert browsing.page_errors == []
