"""Admin actions and password change in the web app against the real server (issue #5): an admin archives a room
and another user's composer turns read-only live; an admin disables a user and that user's page returns to the
login screen; a password change keeps the changing tab logged in while the user's other sessions end; an admin
makes an invite link and a new browser registers with it (issue 10).

Every wait is bounded (Playwright's expect with the context's timeout)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import IN_CI, PASSWORD, Chat, make_settings
from parley.actions.accounts import passwords_for
from parley.store import open_store

from .conftest import Browsing, base_url, register, send, start_server

try:
    from playwright.async_api import expect
except ImportError:
    if IN_CI:
        raise
    pytest.skip("playwright is not installed (pip install -e '.[test]')", allow_module_level=True)

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a brand new passphrase"


def member(page: Any, username: str) -> Any:
    return page.locator(f'[data-testid="member-item"][data-username="{username}"]')


async def make_admin(chat: Chat, username: str) -> None:
    """Grant administrator rights in the database (what `parley set-admin` does)."""
    store = await open_store(chat.url)
    try:
        account = await store.account_by_name(username)
        assert account is not None
        await store.set_admin(account.id, True)
    finally:
        await store.close()


async def admin_and_user(chat: Chat, browsing: Browsing, url: str) -> tuple[Any, Any]:
    """`boss` (an admin, page reloaded so the app knows) and `bob`, both in general with each other listed."""
    boss = await browsing.page("boss")
    bob = await browsing.page("bob")
    await register(boss, url, "boss")
    await register(bob, url, "bob")
    await make_admin(chat, "boss")
    await boss.reload()
    await expect(boss.get_by_test_id("connection-status")).to_have_attribute("data-state", "open")
    for page in (boss, bob):
        await expect(page.get_by_test_id("room-title")).to_contain_text("general")
    await expect(member(boss, "bob")).to_have_attribute("data-status", "online")
    await expect(member(bob, "boss")).to_have_attribute("data-status", "online")
    return boss, bob


async def login(page: Any, url: str, username: str, password: str) -> None:
    """Submit the login form (the page may already show it)."""
    auth = page.get_by_test_id("auth-screen")
    if not await auth.is_visible():
        await page.goto(url)
    await expect(auth).to_be_visible()
    if await auth.get_attribute("data-mode") != "login":
        await page.get_by_test_id("auth-mode-toggle").click()
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_test_id("auth-submit").click()


async def test_admin_archives_a_room_and_a_members_composer_turns_read_only_live(
    e2e_chat: Chat, browsing: Browsing
) -> None:
    server = await start_server(e2e_chat)
    url = base_url(server)
    boss, bob = await admin_and_user(e2e_chat, browsing, url)

    # Only the admin sees admin controls (in the room menu, away from everyday buttons).
    await bob.get_by_test_id("room-menu-button").click()
    await expect(bob.get_by_test_id("leave-room-button")).to_be_visible()
    await expect(bob.get_by_test_id("admin-archive-room")).to_have_count(0)
    await bob.keyboard.press("Escape")
    await expect(bob.get_by_test_id("leave-room-button")).to_have_count(0)
    await expect(bob.get_by_test_id("member-disable")).to_have_count(0)
    await boss.get_by_test_id("room-menu-button").click()
    await expect(boss.get_by_test_id("admin-archive-room")).to_be_visible()

    await boss.get_by_test_id("admin-archive-room").click()
    composer = bob.get_by_test_id("composer-input")
    await expect(composer).to_be_disabled()
    await expect(bob.get_by_test_id("composer-archived-note")).to_contain_text("read-only")
    await expect(bob.get_by_test_id("room-archived")).to_be_visible()
    await expect(boss.get_by_test_id("composer-input")).to_be_disabled()
    await boss.get_by_test_id("room-menu-button").click()
    await expect(boss.get_by_test_id("admin-unarchive-room")).to_be_visible()
    await expect(boss.get_by_test_id("admin-archive-room")).to_have_count(0)
    await boss.keyboard.press("Escape")

    # Unarchiving, by keyboard: the menu opens with ArrowDown on its first item; Enter chooses it.
    await boss.get_by_test_id("room-menu-button").focus()
    await boss.keyboard.press("ArrowDown")
    await expect(boss.get_by_test_id("admin-unarchive-room")).to_be_focused()
    await boss.keyboard.press("Enter")
    await expect(composer).to_be_enabled()
    await expect(bob.get_by_test_id("room-archived")).to_have_count(0)
    await send(bob, "back in business")
    assert browsing.page_errors == []


async def test_admin_disables_a_user_whose_page_returns_to_the_login_screen(e2e_chat: Chat, browsing: Browsing) -> None:
    server = await start_server(e2e_chat)
    url = base_url(server)
    boss, bob = await admin_and_user(e2e_chat, browsing, url)

    # No action on the admin's own row; on bob's, a confirmation step inside the app that can be cancelled.
    await expect(member(boss, "boss").get_by_test_id("member-disable")).to_have_count(0)
    row = member(boss, "bob")
    await row.get_by_test_id("member-disable").click()
    await expect(row.get_by_test_id("member-disable-confirm")).to_be_visible()
    await row.get_by_test_id("member-disable-cancel").click()
    await expect(row.get_by_test_id("member-disable-confirm")).to_have_count(0)
    await expect(bob.get_by_test_id("chat-screen")).to_be_visible()

    await row.get_by_test_id("member-disable").click()
    await row.get_by_test_id("member-disable-confirm").click()
    await expect(bob.get_by_test_id("auth-screen")).to_be_visible()
    await expect(bob.get_by_test_id("auth-error")).to_contain_text("session has ended")
    await expect(row.get_by_test_id("member-disabled")).to_be_visible()
    await expect(row.get_by_test_id("member-enable")).to_be_visible()

    # A disabled account cannot log in; once enabled again it can.
    await login(bob, url, "bob", PASSWORD)
    await expect(bob.get_by_test_id("auth-error")).to_contain_text("Wrong username or password")
    await row.get_by_test_id("member-enable").click()
    await expect(row.get_by_test_id("member-disable")).to_be_visible()
    await login(bob, url, "bob", PASSWORD)
    await expect(bob.get_by_test_id("chat-screen")).to_be_visible()
    assert browsing.page_errors == []


async def test_password_change_keeps_this_tab_logged_in_and_ends_the_other_sessions(
    e2e_chat: Chat, browsing: Browsing
) -> None:
    server = await start_server(e2e_chat)
    url = base_url(server)
    ana = await browsing.page("ana")
    await register(ana, url, "ana")
    # A second tab in the same browser, and another device (its own cookies).
    tab2 = await browsing.page("ana-tab2", context=ana.context)
    await tab2.goto(url)
    await expect(tab2.get_by_test_id("connection-status")).to_have_attribute("data-state", "open")
    device = await browsing.page("ana-device")
    await login(device, url, "ana", PASSWORD)
    await expect(device.get_by_test_id("connection-status")).to_have_attribute("data-state", "open")

    await ana.get_by_test_id("change-password-button").click()
    dialog = ana.get_by_test_id("change-password-dialog")
    await expect(dialog).to_be_visible()
    # A wrong current password is refused inline and ends nothing.
    await dialog.get_by_test_id("change-password-current").fill("not my password")
    await dialog.get_by_test_id("change-password-new").fill(NEW_PASSWORD)
    await dialog.get_by_test_id("change-password-submit").click()
    await expect(dialog.get_by_test_id("change-password-error")).to_contain_text("current password is wrong")
    await expect(device.get_by_test_id("chat-screen")).to_be_visible()

    await dialog.get_by_test_id("change-password-current").fill(PASSWORD)
    await dialog.get_by_test_id("change-password-new").fill(NEW_PASSWORD)
    await dialog.get_by_test_id("change-password-submit").click()
    await expect(dialog).to_have_count(0)

    # The other sessions end; this tab reconnects on its fresh cookie and keeps working.
    for other in (tab2, device):
        await expect(other.get_by_test_id("auth-screen")).to_be_visible()
    await expect(ana.get_by_test_id("chat-screen")).to_be_visible()
    await expect(ana.get_by_test_id("connection-status")).to_have_attribute("data-state", "open")
    await send(ana, "still here after the change")
    await ana.reload()
    await expect(ana.get_by_test_id("connection-status")).to_have_attribute("data-state", "open")

    # The old password no longer works; the new one does.
    await login(device, url, "ana", PASSWORD)
    await expect(device.get_by_test_id("auth-error")).to_contain_text("Wrong username or password")
    await login(device, url, "ana", NEW_PASSWORD)
    await expect(device.get_by_test_id("chat-screen")).to_be_visible()
    await expect(ana.get_by_test_id("chat-screen")).to_be_visible()
    assert browsing.page_errors == []


async def test_an_admin_makes_an_invite_link_and_a_new_browser_registers_with_it(
    e2e_chat: Chat, browsing: Browsing
) -> None:
    """REGISTRATION=invite (issue 10, finding 4): a stranger cannot register; the admin's link lets one person in."""
    server = await start_server(e2e_chat, registration="invite")
    url = base_url(server)
    store = await open_store(e2e_chat.url)
    try:
        password_hash = await passwords_for(make_settings(e2e_chat.url)).hash(PASSWORD)
        await store.create_user("boss", password_hash, 1, is_admin=True)
    finally:
        await store.close()

    stranger = await browsing.page("stranger")
    await stranger.goto(url)
    await expect(stranger.get_by_test_id("auth-register-note")).to_contain_text("invite link")
    await expect(stranger.get_by_test_id("auth-mode-toggle")).to_have_count(0)

    boss = await browsing.page("boss")
    await login(boss, url, "boss", PASSWORD)
    await expect(boss.get_by_test_id("chat-screen")).to_be_visible()
    await boss.get_by_test_id("invite-button").click()
    dialog = boss.get_by_test_id("invite-dialog")
    await dialog.get_by_test_id("invite-create").click()
    link_box = dialog.get_by_test_id("invite-link")
    await expect(link_box).to_have_value(re.compile(r"/invite/[A-Za-z0-9_-]{32}$"))
    link = await link_box.input_value()
    assert link.startswith(url.rstrip("/"))

    newbie = await browsing.page("newbie")
    await newbie.goto(link)
    await expect(newbie.get_by_test_id("auth-screen")).to_have_attribute("data-mode", "register")
    await expect(newbie.get_by_test_id("auth-invite-note")).to_be_visible()
    await newbie.get_by_label("Username").fill("newbie")
    await newbie.get_by_label("Password").fill(PASSWORD)
    await newbie.get_by_test_id("auth-submit").click()
    await expect(newbie.get_by_test_id("chat-screen")).to_be_visible()
    assert urlsplit(newbie.url).path == "/"  # the used link left the address bar

    # The link made one account: opened again elsewhere, it is refused.
    again = await browsing.page("again")
    await again.goto(link)
    await again.get_by_label("Username").fill("second")
    await again.get_by_label("Password").fill(PASSWORD)
    await again.get_by_test_id("auth-submit").click()
    await expect(again.get_by_test_id("auth-error")).to_contain_text("invite link is not valid")
    await dialog.get_by_role("button", name="Close").click()
    await boss.get_by_test_id("invite-button").click()
    await expect(boss.get_by_test_id("invite-item")).to_have_attribute("data-invite-state", "used")
    assert browsing.page_errors == []


async def test_the_admin_page_renames_a_room_removes_a_member_and_grants_rights(
    e2e_chat: Chat, browsing: Browsing
) -> None:
    """Issue 15's Admin page, Rooms and Users tabs: a rename reaches a member's sidebar live, a removal takes the
    room out of it (after a confirmation), and rights granted there show the Admin entry on the user's next
    hello; the page's errors are translated (a taken name)."""
    server = await start_server(e2e_chat)
    url = base_url(server)
    boss, bob = await admin_and_user(e2e_chat, browsing, url)
    await boss.get_by_test_id("admin-button").click()
    await boss.get_by_test_id("admin-tab-rooms").click()
    general = boss.locator('[data-testid="admin-room"][data-room-name="general"]')
    await general.get_by_test_id("admin-room-rename").click()
    await expect(general.get_by_test_id("admin-rename-input")).to_be_focused()
    await general.get_by_test_id("admin-rename-input").fill("Town Square")
    await boss.keyboard.press("Enter")
    square = boss.locator('[data-testid="admin-room"][data-room-name="Town Square"]')
    await expect(square.get_by_test_id("admin-room-rename")).to_be_focused()
    await expect(bob.get_by_test_id("room-title")).to_contain_text("Town Square")

    # A name another room has: refused with the app's own text for the code (not the server's English message).
    await bob.get_by_test_id("create-room-button").click()
    await bob.get_by_test_id("create-room-name").fill("lobby")
    await bob.get_by_test_id("create-room-submit").click()
    await expect(bob.get_by_test_id("room-title")).to_contain_text("lobby")
    await boss.get_by_test_id("admin-refresh").click()
    await square.get_by_test_id("admin-room-rename").click()
    await square.get_by_test_id("admin-rename-input").fill("LOBBY")
    await boss.keyboard.press("Enter")
    await expect(boss.get_by_test_id("admin-error")).to_have_text("A room with that name already exists.")
    await boss.keyboard.press("Escape")
    await expect(square).to_have_count(1)

    await square.get_by_test_id("admin-room-members").click()
    bob_row = square.locator('[data-testid="admin-member"][data-username="bob"]')
    await bob_row.get_by_test_id("admin-member-remove").click()
    await bob_row.get_by_test_id("admin-member-remove-confirm").click()
    await expect(bob_row).to_have_count(0)
    await expect(bob.locator('[data-testid="room-item"][data-room-name="Town Square"]')).to_have_count(0)

    await boss.get_by_test_id("admin-tab-users").click()
    bob_user = boss.locator('[data-testid="admin-user"][data-username="bob"]')
    await bob_user.get_by_test_id("admin-user-promote").click()
    await expect(bob_user).to_have_attribute("data-admin", "true")
    await expect(bob.get_by_test_id("admin-button")).to_have_count(0)
    await bob.reload()
    await expect(bob.get_by_test_id("admin-button")).to_be_visible()
    # The admin's own row cannot take their rights away; bob's can, after a confirmation.
    await expect(
        boss.locator('[data-testid="admin-user"][data-username="boss"]').get_by_test_id("admin-user-demote")
    ).to_have_count(0)
    await bob_user.get_by_test_id("admin-user-demote").click()
    await bob_user.get_by_test_id("admin-user-demote-confirm").click()
    await expect(bob_user).to_have_attribute("data-admin", "false")
    assert browsing.page_errors == []
