"""An axe-core audit of every screen of the web app, in every engine: no serious or critical violation anywhere.

axe-core is pinned in frontend/package.json (devDependencies) and read from frontend/node_modules; it is injected
into the page under test and run on the whole document. Screens audited: login (empty and with an error),
register, the chat screen with messages, a mention and the member list, the @ suggestions, the reaction picker,
the message menu, inline edit, a DM with reaction chips and an edited and a deleted message, each dialog
(create room, browse rooms, change password, leave room, delete message, new direct message), the room menu,
and an administrator's chat screen with the admin controls, the invite dialog with a link made, a confirmation
open, and a disabled member; the Admin page's four tabs (with a confirmation open and a room's members shown);
issue #13's screens: a message with Markdown (a code block, a quote, a list, links), the composer with uploaded
files, a message with an image preview and a file card, the image viewer dialog, and the search results. A new
screen (settings) is one more `audit(...)` call below.

The failure message names each violation's rule id, impact and the CSS targets of the offending nodes."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Chat, connect, service_missing

from . import steps
from .conftest import REPO, Frames, base_url, start_server
from .drivers.base import Browser, Page, tid

pytestmark = pytest.mark.e2e

AXE = REPO / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")

_HAS_AXE = "() => typeof window.axe === 'object'"
# The source runs as the injected function's own body: the app's CSP (script-src 'self', no 'unsafe-eval') makes a
# page's eval() throw in WebKit, while what the driver itself injects is not subject to it.
_INJECT = "() => {{ {source}\n; return typeof window.axe === 'object'; }}"
_RUN = """async (impacts) => {
  const result = await window.axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' ')),
  }));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        service_missing(f"axe-core at {AXE} (cd frontend && npm ci)")
    return AXE.read_text()


class Audit:
    """Runs axe on each screen and keeps every serious/critical violation, so one run reports all of them."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.screens: list[str] = []
        self.found: list[str] = []

    async def __call__(self, page: Page, screen: str) -> None:
        if not await page.evaluate(_HAS_AXE):
            assert await page.evaluate(_INJECT.format(source=self.source)), "axe-core did not load"
        await page.after_paint()
        violations: list[dict[str, Any]] = await page.evaluate(_RUN, list(FAILING_IMPACTS))
        self.screens.append(screen)
        for v in violations:
            self.found.append(f"{screen}: {v['id']} ({v['impact']}: {v['help']}) at {v['targets']}")

    def report(self, engine: str) -> str:
        return f"{engine}: {len(self.found)} serious/critical axe violations:\n  " + "\n  ".join(self.found)


async def reset(page: Page, username: str) -> None:
    """Back to the plain chat screen (dialogs closed) by reloading: the session survives it."""
    await page.reload()
    await steps.until_connected(page, username)


async def js_click(page: Page, selector: str) -> None:
    """A click through the DOM, for controls shown only on hover (WebDriver refuses to click what it deems hidden)."""
    await page.wait_for("(sel) => !!document.querySelector(sel)", selector, what=selector)
    await page.evaluate("(sel) => document.querySelector(sel).click()", selector)


async def open_dialog(page: Page, button: str, dialog: str) -> None:
    await page.click(tid(button))
    await page.wait_visible(tid(dialog))


async def test_every_screen_has_no_serious_or_critical_axe_violations(
    e2e_chat: Chat, browser: Browser, axe_source: str
) -> None:
    audit = Audit(axe_source)
    server = await start_server(e2e_chat)
    url = base_url(server)
    page = await (await browser.new_context()).new_page("ana")

    await page.goto(url)
    await steps.open_auth(page, url, "login")
    await audit(page, "login")
    await steps.login(page, url, "nobody", "wrong password")
    await page.wait_visible(tid("auth-error"))
    await audit(page, "login with an error")
    await steps.open_auth(page, url, "register")
    await audit(page, "register")

    # A conversation with another user in it: messages from both, a day separator, the member list.
    bob = await e2e_chat.user(server, "bob")
    await steps.register(page, url, "ana")
    ws, hello = await connect(bob)
    bob_frames = Frames(ws)
    general = next(r for r in hello["rooms"] if r["name"] == "general")
    await steps.send(page, "Hello from Ana")
    await bob_frames.send({"type": "message.send", "room_id": general["id"], "body": "你好 Ana 👋", "client_id": "a1"})
    await bob_frames.send({"type": "message.send", "room_id": general["id"], "body": "@ana look", "client_id": "a2"})
    await page.expect_count(steps.message_by("bob"), 2)
    await page.wait_visible(tid("mention-self"))
    await page.wait_visible(tid("members-panel"))
    await audit(page, "chat with members and a mention")

    # Issue 13: formatted bodies, files on their way and sent, the image viewer, search results.
    markdown = "**Plan** for `deploy`:\n```python\nprint('ok')\n```\n> quoted\n\n- one\n- two\n\nhttps://example.com"
    await bob_frames.send({"type": "message.send", "room_id": general["id"], "body": markdown, "client_id": "a3"})
    await page.wait_visible(tid("code-block"))
    await steps.drop_file(page, "notes.txt", b"plain text notes\n", "text/plain")
    await steps.drop_file(page, "dot.png", steps.png_bytes(48, 32), "image/png")
    await steps.wait_uploaded(page, "notes.txt")
    await steps.wait_uploaded(page, "dot.png")
    await audit(page, "Markdown message and the composer with uploaded files")
    await page.press(steps.COMPOSER, "Enter")
    await page.wait_visible(f"{steps.message_by('ana')} {tid('image-thumb')}")
    await page.wait_visible(f"{steps.message_by('ana')} {tid('file-card')}")
    await audit(page, "messages with an image preview and a file card")
    await page.click(f"{steps.message_by('ana')} {tid('image-thumb')}")
    await page.wait_visible(steps.VIEWER)
    await audit(page, "image viewer dialog")
    await reset(page, "ana")
    await steps.search(page, "deploy")
    await page.wait_visible(steps.SEARCH_RESULT)
    await audit(page, "search results")
    await reset(page, "ana")

    # Issue 11's parts: the @ suggestions, the reaction picker, the message menu, inline edit, the delete
    # confirmation, the "new message" picker. The message tools show on hover or focus: clicked by script here.
    await page.type(steps.COMPOSER, "@b")
    await page.wait_visible(tid("mention-list"))
    await audit(page, "mention suggestions")
    await reset(page, "ana")
    await js_click(page, f"{steps.message_by('bob')} {tid('react-button')}")
    await page.wait_visible(tid("reaction-picker"))
    await audit(page, "reaction picker")
    await reset(page, "ana")
    await js_click(page, f"{steps.message_by('ana')} {tid('message-menu')}")
    await page.wait_visible(tid("message-edit"))
    await audit(page, "message menu")
    await js_click(page, tid("message-edit"))
    await page.wait_visible(tid("message-editor"))
    await audit(page, "inline edit")
    await reset(page, "ana")
    await js_click(page, f"{steps.message_by('ana')} {tid('message-menu')}")
    await js_click(page, tid("message-delete"))
    await page.wait_visible(tid("delete-message-dialog"))
    await audit(page, "delete-message-dialog")
    await reset(page, "ana")
    await open_dialog(page, "new-dm-button", "new-dm-dialog")
    await audit(page, "new-dm-dialog")
    await reset(page, "ana")

    # A DM with reaction chips, an edited message and a deleted one.
    await js_click(page, f"{steps.member('bob')} {tid('member-dm')}")
    await page.wait_visible(tid("dm-list"))
    await page.expect_count(f"{tid('dm-list')} {tid('room-item')}", 1)
    await steps.send(page, "first in the DM")
    await steps.send(page, "second in the DM")
    first_id = int(await page.attr(steps.message_by("ana"), "data-message-id") or 0)
    await bob_frames.send({"type": "reaction.add", "message_id": first_id, "emoji": ":tada:"})
    await page.wait_visible(tid("reaction-chip"))
    await js_click(page, f"{steps.message_by('ana')} {tid('message-menu')}")
    await js_click(page, tid("message-edit"))
    await page.fill(tid("message-edit-input"), "first in the DM, edited")
    await page.press(tid("message-edit-input"), "Enter")
    await page.wait_visible(tid("message-edited"))
    await page.evaluate(
        "(sel) => { const all = document.querySelectorAll(sel); all[all.length - 1].click(); }",
        f"{steps.message_by('ana')} {tid('message-menu')}",
    )
    await js_click(page, tid("message-delete"))
    await js_click(page, tid("delete-message-confirm"))
    await page.wait_visible(tid("message-deleted"))
    await audit(page, "DM with reactions, an edited and a deleted message")
    await page.click(steps.room_item("general"))
    await page.expect_attr(steps.room_item("general"), "aria-current", "page")
    await reset(page, "ana")

    for button, dialog in (
        ("create-room-button", "create-room-dialog"),
        ("browse-rooms-button", "browse-rooms-dialog"),
        ("change-password-button", "change-password-dialog"),
    ):
        await open_dialog(page, button, dialog)
        await audit(page, dialog)
        await reset(page, "ana")
    # The room menu, and the confirmation that leaving a room asks for.
    await page.click(tid("room-menu-button"))
    await page.wait_visible(tid("leave-room-button"))
    await audit(page, "room menu")
    await page.click(tid("leave-room-button"))
    await page.wait_visible(tid("leave-room-dialog"))
    await audit(page, "leave-room-dialog")
    await reset(page, "ana")

    # An administrator's view: archive control in the room menu, disable controls in the member list, a
    # confirmation open, then a disabled member (whose row offers "enable").
    await steps.make_admin(e2e_chat, "ana")
    await reset(page, "ana")
    await page.click(tid("room-menu-button"))
    await page.wait_visible(tid("admin-archive-room"))
    await audit(page, "chat as admin, room menu open")
    await reset(page, "ana")
    await open_dialog(page, "invite-button", "invite-dialog")
    await page.click(tid("invite-create"))
    await page.wait_visible(tid("invite-link"))
    await audit(page, "invite-dialog with a link made")
    await reset(page, "ana")
    await page.click(f"{steps.member('bob')} {tid('member-disable')}")
    await page.wait_visible(tid("member-disable-confirm"))
    await audit(page, "admin confirmation")
    await page.click(tid("member-disable-confirm"))
    await page.wait_visible(f"{steps.member('bob')} {tid('member-enable')}")
    await audit(page, "admin with a disabled member")

    # The Admin page (issue 15): each tab, a confirmation open, a room's members shown.
    await reset(page, "ana")
    await page.click(tid("admin-button"))
    await page.wait_visible(steps.admin_user("bob"))
    await audit(page, "admin page: users")
    await page.click(f"{steps.admin_user('ana')} {tid('admin-user-end-sessions')}")
    await page.wait_visible(tid("admin-user-end-sessions-confirm"))
    await audit(page, "admin page: a confirmation open")
    await page.press(tid("admin-user-end-sessions-cancel"), "Escape")
    await page.click(tid("admin-tab-rooms"))
    await page.click(f"{tid('admin-room', room_name='general')} {tid('admin-room-members')}")
    await page.wait_visible(tid("admin-member", username="ana"))
    await audit(page, "admin page: rooms, with members")
    await page.click(tid("admin-tab-online"))
    await page.wait_visible(tid("admin-online-user", username="ana"))
    await audit(page, "admin page: online")
    await page.click(tid("admin-tab-stats"))
    await page.wait_visible(tid("admin-stat-users"))
    await audit(page, "admin page: stats")

    await bob_frames.close()
    assert audit.screens, "no screen was audited"
    if audit.found:
        pytest.fail(audit.report(browser.engine), pytrace=False)
