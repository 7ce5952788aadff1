/** Notifications (notify_events.ts): permission only on request; a DM or mention while hidden; click opens it. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Api } from "../src/api";
import { ChatClient } from "../src/client";
import type { Notifier } from "../src/notify_events";
import type { Permission } from "../src/notify_data";
import { FakeWs, ana, bo, config, msg, room, settle } from "./fixtures";

const me = { ...ana, is_admin: false };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup() {
  let permission: Permission = "default";
  let hidden = true;
  const shown: { title: string; body: string; click: () => void }[] = [];
  const notifier: Notifier = {
    permission: () => permission,
    request: async () => (permission = "granted"),
    show: (title, body, _tag, click) => shown.push({ title, body, click }),
  };
  const ws = new FakeWs();
  const client = new ChatClient(me, {
    api: new Api(async () => new Response(JSON.stringify({ messages: [], has_more: false, members: [] }))),
    wsUrl: () => "ws://test/ws",
    isHidden: () => hidden,
    createSocket: () => ws,
    notifier,
  });
  return { client, ws, shown, setHidden: (h: boolean) => (hidden = h) };
}

describe("notifications", () => {
  it("nothing before permission; then a DM or a mention while hidden; a click opens the room at the message", async () => {
    const { client, ws, shown, setHidden } = setup();
    client.start();
    const dm = room(5, "", 0, { kind: "dm", private: true, members: [ana, bo] });
    ws.receive({ type: "hello", user: me, rooms: [room(1, "general"), dm], presence: [], config });
    await settle();
    ws.receive({ type: "message.new", message: msg(5, 1, bo) });
    expect(shown).toHaveLength(0);
    expect(client.notify.permission).toBe("default");
    await client.notify.enable();
    expect(client.notify.permission).toBe("granted");
    ws.receive({ type: "message.new", message: msg(5, 2, bo) });
    ws.receive({ type: "message.new", message: msg(1, 1, bo) });
    ws.receive({ type: "message.new", message: { ...msg(1, 2, bo), body: "hey @ana", mentions: [ana.id] } });
    expect(shown.map((n) => n.title)).toEqual(["Bo", "Bo · #general"]);
    shown[0].click();
    expect(client.rooms.currentId).toBe(5);
    expect(client.rooms.focusSeq).toBe(2);
    setHidden(false);
    ws.receive({ type: "message.new", message: msg(5, 3, bo) });
    expect(shown).toHaveLength(2);
    client.stop();
  });

  it("the text is the body as it reads (no Markdown marks); a message of files only names its files", async () => {
    const { client, ws, shown } = setup();
    client.start();
    const dm = room(5, "", 0, { kind: "dm", private: true, members: [ana, bo] });
    ws.receive({ type: "hello", user: me, rooms: [dm], presence: [], config });
    await settle();
    await client.notify.enable();
    ws.receive({ type: "message.new", message: { ...msg(5, 1, bo), body: "**ship** it `now`" } });
    const file = { id: 9, name: "plan.pdf", size: 10, content_type: "application/pdf", thumbnail: false };
    ws.receive({ type: "message.new", message: { ...msg(5, 2, bo), body: "", files: [file] } });
    expect(shown.map((n) => n.body)).toEqual(["ship it now", "plan.pdf"]);
    client.stop();
  });

  it("a muted room stays silent", async () => {
    const { client, ws, shown } = setup();
    client.start();
    await client.notify.enable();
    ws.receive({ type: "hello", user: me, rooms: [room(1, "general"), room(5, "", 0, { kind: "dm", muted: true, members: [ana, bo] })], presence: [], config });
    await settle();
    ws.receive({ type: "message.new", message: msg(5, 1, bo) });
    expect(shown).toHaveLength(0);
    client.stop();
  });
});
