"""Issue 11 in the web app, in Chromium against the real server: unread badges and the "new messages" line across
two tabs of one user (reading in one clears the other), mention highlight and @ completion, mute synced between
tabs, a browser notification for a mention while the page is hidden (and its click opening the message), and DMs,
editing, deleting and reacting between two users.

Every wait is bounded (Playwright's expect with the context's timeout, or `eventually`)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import IN_CI, Chat, connect, eventually

from .conftest import UI_TIMEOUT, VIEWPORT, Browsing, Frames, base_url, register, send, start_server

try:
    from playwright.async_api import expect
except ImportError:
    if IN_CI:
        raise
    pytest.skip("playwright is not installed (pip install -e '.[test]')", allow_module_level=True)

pytestmark = pytest.mark.e2e

# Records every Notification the page makes (a stub the test can click) and lets the test hide the page:
# headless Chromium shows no notifications and keeps every page visible.
NOTIFICATION_SPY = """
(() => {
  const Real = window.Notification;
  window.__notes = [];
  window.__parleyHidden = false;
  Object.defineProperty(document, 'visibilityState', {
    configurable: true, get: () => (window.__parleyHidden ? 'hidden' : 'visible'),
  });
  function Spy(title, options) {
    const note = { title, body: (options || {}).body, tag: (options || {}).tag, onclick: null, close() {} };
    window.__notes.push(note);
    return note;
  }
  Object.defineProperty(Spy, 'permission', { get: () => Real.permission });
  Spy.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Spy;
})();
"""


def room_item(page: Any, name: str) -> Any:
    return page.locator(f'[data-testid="room-item"][data-room-name="{name}"]')


def message_text(page: Any, text: str) -> Any:
    return page.get_by_test_id("message-item").filter(has_text=text)


async def test_unread_line_badges_mentions_and_mute_across_two_tabs(e2e_chat: Chat, browsing: Browsing) -> None:
    server = await start_server(e2e_chat)
    url = base_url(server)
    bob = await e2e_chat.user(server, "bob")
    resp = await bob.post("/api/rooms", json={"name": "random"})
    random_room = (await resp.json())["room"]
    ws, _ = await connect(bob)
    bob_frames = Frames(ws)

    tab1 = await browsing.page("ana-1")
    await register(tab1, url, "ana")
    joined = await tab1.evaluate(
        f"() => fetch('/api/rooms/{random_room['id']}/join', {{method: 'POST'}}).then(r => r.status)"
    )
    assert joined == 200
    await expect(room_item(tab1, "random")).to_be_visible()
    tab2 = await browsing.page("ana-2", context=tab1.context)
    await tab2.goto(url)
    await expect(tab2.get_by_test_id("connection-status")).to_have_attribute("data-state", "open")
    for tab in (tab1, tab2):
        await expect(tab.get_by_test_id("room-title")).to_contain_text("general")

    # Bob writes three messages in #random while both tabs look at #general; the last one mentions Ana.
    for i, body in enumerate(("one", "two", "look @ana")):
        await bob_frames.send(
            {"type": "message.send", "room_id": random_room["id"], "body": body, "client_id": f"r{i}"}
        )
    for tab in (tab1, tab2):
        item = room_item(tab, "random")
        await expect(item.get_by_test_id("room-unread")).to_have_text("3")
        await expect(item.get_by_test_id("room-mentions")).to_have_text("@1")
        await expect(item).to_have_class(_has("has-unread"))
        await expect(tab).to_have_title("(3) #general · Parley")

    # Reading in tab 1: the line sits above the first unread message, the mention is highlighted...
    await room_item(tab1, "random").click()
    line = tab1.get_by_test_id("new-messages-line")
    await expect(line).to_have_count(1)
    await expect(tab1.locator('[data-testid="message-item"]:has([data-testid="new-messages-line"])')).to_contain_text(
        "one"
    )
    await expect(tab1.get_by_test_id("mention-self")).to_have_text("@ana (mentions you)")
    await expect(room_item(tab1, "random").get_by_test_id("room-unread")).to_have_count(0)
    # ...and tab 2 clears through the server's read frame.
    await expect(room_item(tab2, "random").get_by_test_id("room-unread")).to_have_count(0)
    await expect(room_item(tab2, "random").get_by_test_id("room-mentions")).to_have_count(0)
    await expect(tab2).to_have_title("#general · Parley")
    assert [f["seq"] for f in bob_frames.of("read")] == []  # read frames go to Ana's tabs only

    # @ completion in the composer: a listbox of members, Enter completes.
    box = tab1.get_by_test_id("composer-input")
    await box.press_sequentially("hi @b")
    options = tab1.get_by_test_id("mention-option")
    await expect(options).to_have_count(1)
    await expect(options.first).to_have_attribute("aria-selected", "true")
    await expect(box).to_have_attribute("aria-activedescendant", "mention-opt-0")
    await box.press("Enter")
    await expect(box).to_have_value("hi @bob ")
    await box.press("Enter")
    await expect(box).to_have_value("")
    await expect(tab1.locator('[data-testid="message-item"][data-author="ana"] [data-testid="mention"]')).to_have_text(
        "@bob"
    )

    # Muting #random in tab 2 shows in tab 1 (the mute frame); new messages there get no badge.
    await room_item(tab2, "random").click()
    await tab2.get_by_test_id("mute-toggle").click()
    await expect(tab2.get_by_test_id("mute-toggle")).to_have_attribute("aria-pressed", "true")
    await expect(room_item(tab1, "random").get_by_test_id("room-muted")).to_be_visible()
    await room_item(tab1, "general").click()
    await room_item(tab2, "general").click()
    await bob_frames.send({"type": "message.send", "room_id": random_room["id"], "body": "quiet", "client_id": "r9"})
    await expect(room_item(tab1, "random")).to_have_attribute("data-unread", "0")
    await expect(tab1).to_have_title("#general · Parley")
    await bob_frames.close()


def _has(cls: str) -> Any:
    import re

    return re.compile(rf"(^|\s){cls}(\s|$)")


async def test_a_mention_while_hidden_shows_a_notification_that_opens_the_message(
    e2e_chat: Chat, browsing: Browsing
) -> None:
    server = await start_server(e2e_chat)
    url = base_url(server)
    bob = await e2e_chat.user(server, "bob")
    ws, hello = await connect(bob)
    bob_frames = Frames(ws)
    general = next(r for r in hello["rooms"] if r["name"] == "general")

    context = await browsing.browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(UI_TIMEOUT)
    browsing.contexts.append(context)
    await context.grant_permissions(["notifications"], origin=url.rstrip("/"))
    await context.add_init_script(NOTIFICATION_SPY)
    page = await browsing.page("ana", context=context)
    await register(page, url, "ana")
    await expect(page.get_by_test_id("notify-state")).to_have_text("Notifications on")

    # Hidden: a plain message makes no notification, a mention does.
    await page.evaluate(
        "() => { window.__parleyHidden = true; document.dispatchEvent(new Event('visibilitychange')); }"
    )
    await bob_frames.send(
        {"type": "message.send", "room_id": general["id"], "body": "just chatting", "client_id": "n1"}
    )
    await bob_frames.send(
        {"type": "message.send", "room_id": general["id"], "body": "@ana can you look?", "client_id": "n2"}
    )

    async def noted() -> bool:
        return bool(await page.evaluate("() => window.__notes.length"))

    await eventually(noted, timeout=UI_TIMEOUT / 1000)
    notes = await page.evaluate("() => window.__notes.map(n => ({title: n.title, body: n.body}))")
    assert notes == [{"title": "bob · #general", "body": "@ana can you look?"}]
    # Nothing was read while hidden.
    await expect(room_item(page, "general").get_by_test_id("room-unread")).to_have_text("2")

    # Clicking it opens the room at that message.
    await page.evaluate("() => { window.__parleyHidden = false; window.__notes[0].onclick(); }")
    focused = page.locator('[data-testid="message-item"].focused')
    await expect(focused).to_contain_text("can you look?")
    await expect(room_item(page, "general").get_by_test_id("room-unread")).to_have_count(0)
    await bob_frames.close()


async def test_dm_edit_delete_and_react_between_two_users(e2e_chat: Chat, browsing: Browsing) -> None:
    server = await start_server(e2e_chat)
    url = base_url(server)
    ana = await browsing.page("ana")
    bob = await browsing.page("bob")
    await register(ana, url, "ana")
    await register(bob, url, "bob")

    # Ana starts a DM from the member list.
    await ana.locator('[data-testid="member-item"][data-username="bob"] [data-testid="member-dm"]').click()
    await expect(ana.get_by_test_id("room-title")).to_have_text("bob (online)")
    dm_item = ana.locator('[data-testid="dm-list"] [data-testid="room-item"][data-room-name="bob"]')
    await expect(dm_item).to_have_attribute("aria-current", "page")
    await expect(dm_item.get_by_test_id("presence-dot")).to_be_visible()
    await send(ana, "hello bob")

    # Bob gets it in his DM list with a badge, and the "new message" picker opens the same DM.
    bob_dm = bob.locator('[data-testid="dm-list"] [data-testid="room-item"][data-room-name="ana"]')
    await expect(bob_dm.get_by_test_id("room-unread")).to_have_text("1")
    await bob.get_by_test_id("new-dm-button").click()
    dialog = bob.get_by_test_id("new-dm-dialog")
    await dialog.get_by_test_id("dm-usernames").fill("ana")
    await dialog.get_by_test_id("dm-submit").click()
    await expect(dialog).to_have_count(0)
    await expect(bob.get_by_test_id("room-title")).to_have_text("ana (online)")
    await expect(bob.get_by_test_id("dm-list").get_by_test_id("room-item")).to_have_count(1)
    msg_bob = message_text(bob, "hello bob")
    await expect(msg_bob).to_have_count(1)

    # Bob reacts with the picker; Ana sees the chip, adds hers by clicking it, and takes it back.
    await msg_bob.get_by_test_id("react-button").click()
    await bob.get_by_test_id("reaction-picker").locator('[data-emoji="👍"]').click()
    chip_ana = message_text(ana, "hello bob").get_by_test_id("reaction-chip")
    await expect(chip_ana).to_have_attribute("data-count", "1")
    await expect(chip_ana).to_have_attribute("title", "👍 1 reaction by bob")
    await chip_ana.click()
    await expect(chip_ana).to_have_attribute("data-count", "2")
    await expect(chip_ana).to_have_attribute("aria-pressed", "true")
    await expect(msg_bob.get_by_test_id("reaction-chip")).to_have_attribute("data-count", "2")
    await chip_ana.click()
    await expect(msg_bob.get_by_test_id("reaction-chip")).to_have_attribute("data-count", "1")
    # A typed shortcode reacts too.
    await msg_bob.get_by_test_id("react-button").click()
    await bob.get_by_test_id("reaction-custom").fill(":tada:")
    await bob.get_by_test_id("reaction-custom").press("Enter")
    await expect(
        message_text(ana, "hello bob").locator('[data-testid="reaction-chip"][data-emoji="🎉"]')
    ).to_have_count(1)

    # Ana edits inline (Enter saves): both see the new text and "(edited)"; Escape cancels another edit.
    mine = message_text(ana, "hello bob")
    await mine.get_by_test_id("message-menu").click()
    await ana.get_by_test_id("message-edit").click()
    editor = ana.get_by_test_id("message-edit-input")
    await editor.fill("hello bob, edited")
    await editor.press("Enter")
    for page in (ana, bob):
        edited = message_text(page, "hello bob, edited")
        await expect(edited.get_by_test_id("message-edited")).to_have_text("(edited)")
        await expect(edited.get_by_test_id("message-edited")).to_have_attribute("title", _has_start("Edited "))
    await message_text(ana, "hello bob, edited").get_by_test_id("message-menu").click()
    await ana.get_by_test_id("message-edit").click()
    await ana.get_by_test_id("message-edit-input").fill("never sent")
    await ana.get_by_test_id("message-edit-input").press("Escape")
    await expect(ana.get_by_test_id("message-editor")).to_have_count(0)
    await expect(message_text(bob, "never sent")).to_have_count(0)

    # Bob may not edit or delete Ana's message: no menu on it for him.
    await expect(message_text(bob, "hello bob, edited").get_by_test_id("message-menu")).to_have_count(0)

    # Ana deletes it after confirming: both see the tombstone, reactions gone.
    await message_text(ana, "hello bob, edited").get_by_test_id("message-menu").click()
    await ana.get_by_test_id("message-delete").click()
    await ana.get_by_test_id("delete-message-confirm").click()
    for page in (ana, bob):
        await expect(page.get_by_test_id("message-deleted")).to_have_text("Message deleted")
        await expect(page.get_by_test_id("reaction-chip")).to_have_count(0)


def _has_start(prefix: str) -> Any:
    import re

    return re.compile("^" + re.escape(prefix))
