/**
 * Rooms (rooms_events.ts) against a scripted fetch and fake WebSockets: the room.* frames and the open room.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../src/protocol";
import { ana, chatSetup, room, settle } from "./fixtures";

const user: Me = { ...ana, is_admin: false };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("rooms", () => {
  it("room.updated from the server makes the room read-only live, and writable again", async () => {
    const { client, last, hello } = chatSetup(user);
    client.start();
    hello();
    await settle();
    last().receive({ type: "room.updated", room: room(1, "general", 0, { archived: true }) });
    expect(client.rooms.current()?.archived).toBe(true);
    expect(client.messages.send("x")).toMatch(/archived/);
    last().receive({ type: "room.updated", room: room(1, "general", 0, { archived: false }) });
    expect(client.rooms.current()?.archived).toBe(false);
    client.stop();
  });


});
