/**
 * The controller end to end against a fake server: a scripted fetch for REST and fake WebSockets the test
 * drives by hand. Here: the `hello` flow (docs/protocol.md), which every noun takes part in. Each noun's own
 * frames and actions are tested beside its module (rooms_events.test.ts, messages_events.test.ts, ...).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ana, bo, chatSetup, msg, msgs, room, settle } from "./fixtures";

const me = { ...ana, is_admin: false };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("ChatClient", () => {
  it("on hello opens general, loads the newest page, and dedupes a live message seen again", async () => {
    const { client, hello, last } = chatSetup(me, { history: msgs(1, 1, 60) });
    client.start();
    hello([room(1, "general", 60)]);
    await settle();
    expect(client.rooms.currentId).toBe(1);
    expect(client.messagesData.list(1).map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 11 + i));
    last().receive({ type: "message.new", message: msg(1, 61, bo) });
    last().receive({ type: "message.new", message: msg(1, 61, bo) });
    expect(client.messagesData.list(1)).toHaveLength(51);
    client.stop();
  });
});
