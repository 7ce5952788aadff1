/** Edits, deletions and reactions live and after a reconnect (changes_events.ts; docs/protocol.md "Changes"). */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Message } from "../src/protocol";
import { ana, bo, chatSetup, json, msgs, room, settle } from "./fixtures";

const me = { ...ana, is_admin: false };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("changes", () => {
  it("applies message.updated, message.deleted and reactions live, only when newer", async () => {
    const history = msgs(1, 1, 3, bo);
    const { client, hello, last } = chatSetup(me, { history });
    client.start();
    hello([room(1, "general", 3)]);
    await settle();
    const m2 = client.messagesData.get(1, 2) as Message;
    last().receive({ type: "message.updated", room_id: 1, change_seq: 2, message: { ...m2, body: "edited", edited_at: 5, change_seq: 2 } });
    expect(client.messagesData.get(1, 2)?.body).toBe("edited");
    // an older copy (a late history page) does not undo it
    client.messagesData.insert(1, [m2]);
    expect(client.messagesData.get(1, 2)?.body).toBe("edited");
    last().receive({ type: "reactions", room_id: 1, message_id: m2.id, seq: 2, change_seq: 3, reactions: [{ emoji: "👍", count: 1, users: [bo] }] });
    expect(client.messagesData.get(1, 2)?.reactions).toHaveLength(1);
    last().receive({ type: "message.deleted", room_id: 1, message_id: m2.id, seq: 2, change_seq: 4 });
    expect(client.messagesData.get(1, 2)).toMatchObject({ deleted: true, body: "", reactions: [] });
    expect(client.changes.cursors.get(1)).toBe(4);
    client.stop();
  });

  it("a change that arrives before its message waits for it", async () => {
    const { client, hello, last } = chatSetup(me, { history: msgs(1, 1, 2, bo) });
    client.start();
    hello([room(1, "general", 2)]);
    await settle();
    last().receive({ type: "message.deleted", room_id: 1, message_id: 10_003, seq: 3, change_seq: 1 });
    last().receive({ type: "message.new", message: msgs(1, 3, 3, bo)[0] });
    expect(client.messagesData.get(1, 3)?.deleted).toBe(true);
    client.stop();
  });

  it("after a reconnect: fetches changes from the cursor until has_more is false, and keeps the cursor", async () => {
    const history = msgs(1, 1, 3, bo);
    const pages: Record<string, unknown> = {
      "0": { messages: [{ ...history[0], body: "one, edited", edited_at: 9, change_seq: 4 }], change_seq: 4, has_more: true },
      "4": { messages: [{ ...history[2], deleted: true, body: "", change_seq: 6 }, { ...history[1], seq: 99, change_seq: 7 }], change_seq: 7, has_more: false },
    };
    const { client, hello, last } = chatSetup(me, {
      history,
      routes: { "GET /api/rooms/1/changes": (_m, _b, url) => json(pages[url.searchParams.get("since") ?? ""]) },
    });
    client.start();
    hello([room(1, "general", 3, { change_seq: 0 })]);
    await settle();
    expect(client.changes.cursors.get(1)).toBe(0);
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(1000);
    hello([room(1, "general", 3, { change_seq: 7 })]);
    await settle();
    expect(client.messagesData.get(1, 1)?.body).toBe("one, edited");
    expect(client.messagesData.get(1, 3)?.deleted).toBe(true);
    expect(client.messagesData.has(1, 99)).toBe(false);
    expect(client.changes.cursors.get(1)).toBe(7);
    client.stop();
  });

  it("edit, delete and reaction toggles go out as frames", async () => {
    const { client, hello, last } = chatSetup(me, { history: [{ ...msgs(1, 1, 1, ana)[0], reactions: [{ emoji: "👍", count: 1, users: [ana] }] }] });
    client.start();
    hello([room(1, "general", 1)]);
    await settle();
    const m = client.messagesData.get(1, 1) as Message;
    expect(client.changes.edit(m, "  ")?.key).toBe("composer.empty");
    expect(client.changes.edit(m, m.body)).toBeNull();
    expect(client.changes.edit(m, " better ")).toBeNull();
    client.changes.remove(m);
    client.changes.toggleReaction(m, "👍");
    client.changes.toggleReaction(m, "🎉");
    expect(last().sent.filter((f) => f.type !== "presence.set" && f.type !== "read")).toEqual([
      { type: "message.edit", message_id: m.id, body: "better" },
      { type: "message.delete", message_id: m.id },
      { type: "reaction.remove", message_id: m.id, emoji: "👍" },
      { type: "reaction.add", message_id: m.id, emoji: "🎉" },
    ]);
    client.stop();
  });
});
