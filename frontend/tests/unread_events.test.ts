/** Unread counts as the controller keeps them (unread_events.ts): rooms not being viewed count up. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ana, bo, chatSetup, msg, room, settle } from "./fixtures";

const me = { ...ana, is_admin: false };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("unread", () => {
  it("counts unread in rooms not being viewed", async () => {
    const { client, hello, last } = chatSetup(me);
    client.start();
    hello([room(1, "general", 0), room(2, "random", 5)]);
    await settle();
    last().receive({ type: "message.new", message: msg(2, 6, bo) });
    last().receive({ type: "message.new", message: msg(2, 7, bo) });
    expect(client.roomsData.unread(2)).toBe(2);
    expect(client.unread.total()).toBe(2);
    client.rooms.select(2);
    await settle();
    expect(client.roomsData.unread(2)).toBe(0);
    client.stop();
  });
});
