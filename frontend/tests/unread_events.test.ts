/** Unread counts as the controller keeps them (unread_events.ts): rooms not being viewed count up. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ana, bo, chatSetup, msg, msgs, room, settle } from "./fixtures";

const me = { ...ana, is_admin: false };

beforeEach(() => {
  vi.useFakeTimers();
  // The open room is kept in the address: start each test without one.
  history.replaceState(null, "", "/");
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

  it("sends read when the newest message is seen, at most once a second per room; the echo from another tab clears", async () => {
    const { client, hello, last } = chatSetup(me, { history: msgs(1, 1, 3, bo) });
    client.start();
    hello([room(1, "general", 3, { last_read_seq: 1, unread: 2 }), room(2, "random", 5, { last_read_seq: 2, unread: 3, mentions: 1 })]);
    await settle();
    expect(last().sentOf("read")).toEqual([{ type: "read", room_id: 1, seq: 3 }]);
    last().receive({ type: "message.new", message: msg(1, 4, bo) });
    expect(last().sentOf("read")).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(last().sentOf("read")).toEqual([{ type: "read", room_id: 1, seq: 3 }, { type: "read", room_id: 1, seq: 4 }]);
    // scrolled up: nothing is read
    client.unread.setAtBottom(false);
    last().receive({ type: "message.new", message: msg(1, 5, bo) });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(last().sentOf("read")).toHaveLength(2);
    expect(client.roomsData.unread(1)).toBe(1);
    // another tab read room 2
    expect(client.unread.total()).toBe(4);
    last().receive({ type: "read", room_id: 2, seq: 5 });
    expect(client.roomsData.unread(2)).toBe(0);
    expect(client.roomsData.mentions(2)).toBe(0);
    expect(client.unread.total()).toBe(1);
    client.stop();
  });

  it("a hidden page sends no read", async () => {
    const { client, hello, last } = chatSetup(me, { history: msgs(1, 1, 3, bo) });
    const hidden = vi.spyOn(client, "isHidden").mockReturnValue(true);
    client.start();
    hello([room(1, "general", 3, { last_read_seq: 1, unread: 2 })]);
    await settle();
    expect(last().sentOf("read")).toEqual([]);
    hidden.mockReturnValue(false);
    client.visibilityChanged();
    expect(last().sentOf("read")).toEqual([{ type: "read", room_id: 1, seq: 3 }]);
    client.stop();
  });
});
