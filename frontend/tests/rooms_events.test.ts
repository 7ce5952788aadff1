/**
 * Rooms (rooms_events.ts) against a scripted fetch and fake WebSockets: the room.* frames and the open room.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../src/protocol";
import { ana, bo, chatSetup, deferred, json, msg, room, say, settle } from "./fixtures";

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
    expect(say(client.messages.send("x"))).toMatch(/archived/);
    last().receive({ type: "room.updated", room: room(1, "general", 0, { archived: false }) });
    expect(client.rooms.current()?.archived).toBe(false);
    client.stop();
  });


  it("room.left of the open room forgets the room and opens #general", async () => {
    const { client, last, hello } = chatSetup(user);
    client.start();
    hello([room(1, "general"), room(2, "random", 0, { private: true })]);
    await settle();
    client.rooms.select(2);
    await settle();
    last().receive({ type: "message.new", message: msg(2, 1, bo) });
    expect(client.messagesData.list(2)).toHaveLength(1);
    last().receive({ type: "room.left", room_id: 2 });
    await settle();
    expect(client.rooms.currentId).toBe(1);
    expect(client.roomsData.isJoined(2)).toBe(false);
    expect(client.roomsData.get(2)).toBeUndefined(); // a private room we left is not ours to list
    expect(client.messagesData.list(2)).toEqual([]);
    client.stop();
  });

  it("join() opens the room even when its room.joined overtakes the HTTP answer; another room.joined does not steal focus", async () => {
    const answer = deferred<Response>();
    const { client, last, hello } = chatSetup(user, { routes: { "POST /api/rooms/3/join": () => answer.promise } });
    client.start();
    hello();
    await settle();
    const joined = client.rooms.join(3);
    await settle();
    last().receive({ type: "room.joined", room: room(3, "design") });
    await settle();
    expect(client.rooms.currentId).toBe(3);
    answer.resolve(json({ room: room(3, "design") }));
    expect((await joined).id).toBe(3);
    last().receive({ type: "room.joined", room: room(4, "ops") }); // joined in another tab
    await settle();
    expect(client.rooms.currentId).toBe(3);
    expect(client.roomsData.joinedRooms().map((r) => r.name)).toEqual(["design", "general", "ops"]);
    client.stop();
  });

  it("mute: PUT /api/rooms/{id}/mute, then the answer and another tab's mute frame both apply", async () => {
    const { client, hello, last, requests } = chatSetup(user, {
      routes: { "PUT /api/rooms/2/mute": (_m, body) => json({ room_id: 2, ...(body as object) }) },
    });
    client.start();
    hello([room(1, "general"), room(2, "random", 4, { unread: 3 })]);
    await settle();
    expect(client.unread.total()).toBe(3);
    await client.rooms.setMuted(2, true);
    expect(requests.filter((r) => r.method === "PUT").map((r) => [r.path, r.body])).toEqual([["/api/rooms/2/mute", { muted: true }]]);
    expect(client.roomsData.get(2)?.muted).toBe(true);
    expect(client.unread.total()).toBe(0);
    last().receive({ type: "mute", room_id: 2, muted: false });
    expect(client.roomsData.get(2)?.muted).toBe(false);
    expect(client.rooms.muting.size).toBe(0);
    client.stop();
  });
});
