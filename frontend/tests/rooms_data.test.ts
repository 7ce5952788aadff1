import { describe, expect, it } from "vitest";
import { RoomStore, adjacentRoomId } from "../src/rooms_data";
import { ana, bo, msg, room } from "./fixtures";

describe("RoomStore", () => {
  it("takes the server's counts from hello and counts live messages above them", () => {
    const r = new RoomStore();
    r.setUser(1);
    r.applyHello([room(1, "general", 10, { last_read_seq: 7, unread: 3, mentions: 1 })]);
    expect(r.unread(1)).toBe(3);
    expect(r.mentions(1)).toBe(1);
    r.bumpLatest(1, 11, { ...msg(1, 11, bo), mentions: [1] });
    r.bumpLatest(1, 12, msg(1, 12, ana));
    expect(r.unread(1)).toBe(4);
    expect(r.mentions(1)).toBe(2);
    // the same seq again (a catch-up page) counts nothing
    r.bumpLatest(1, 11, { ...msg(1, 11, bo), mentions: [1] });
    expect(r.unread(1)).toBe(4);
  });

  it("a read frame at the newest seq clears both counts; muted rooms leave the total", () => {
    const r = new RoomStore();
    r.setUser(1);
    r.applyHello([room(1, "general", 10, { unread: 3, mentions: 1 }), room(2, "random", 5, { unread: 2, muted: true })]);
    expect(r.totalUnread()).toBe(3);
    r.applyRead(1, 10);
    expect(r.unread(1)).toBe(0);
    expect(r.mentions(1)).toBe(0);
    expect(r.readSeq(1)).toBe(10);
    r.applyMute(2, false);
    expect(r.totalUnread()).toBe(2);
  });

  it("a read frame below the newest recounts the held messages", () => {
    const r = new RoomStore();
    r.setUser(1);
    r.applyHello([room(1, "general", 4, { last_read_seq: 0, unread: 4 })]);
    const held = [msg(1, 1, bo), msg(1, 2, bo), { ...msg(1, 3, bo), mentions: [1] }, msg(1, 4, ana)];
    r.applyRead(1, 2, held);
    expect(r.unread(1)).toBe(1);
    expect(r.mentions(1)).toBe(1);
    r.applyRead(1, 1, held);
    expect(r.readSeq(1)).toBe(2);
  });

  it("hello replaces the joined set; directory keeps public rooms browsable", () => {
    const r = new RoomStore();
    r.setUser(1);
    r.applyHello([room(1, "general"), room(2, "Zeta")]);
    r.applyDirectory([room(1, "general"), room(2, "Zeta"), room(3, "alpha", 0, { joined: false })]);
    expect(r.joinedRooms().map((x) => x.name)).toEqual(["general", "Zeta"]);
    expect(r.allRooms().map((x) => x.name)).toEqual(["alpha", "general", "Zeta"]);
    r.applyHello([room(2, "Zeta")]);
    expect(r.joinedRooms().map((x) => x.id)).toEqual([2]);
  });

  it("leaving forgets the room's unread state; a private room disappears", () => {
    const r = new RoomStore();
    r.setUser(1);
    r.applyHello([room(1, "general", 1), room(2, "secret", 1, { private: true })]);
    r.bumpLatest(1, 3, msg(1, 3, bo));
    r.markLeft(1);
    r.markLeft(2);
    expect(r.unread(1)).toBe(0);
    expect(r.isJoined(1)).toBe(false);
    expect(r.get(1)?.joined).toBe(false);
    expect(r.get(2)).toBeUndefined();
  });
});

describe("adjacentRoomId (Alt+↑ / Alt+↓)", () => {
  const rooms = [room(4, "alpha"), room(2, "beta"), room(9, "gamma")];
  it("moves in the sidebar's order and stops at either end", () => {
    expect(adjacentRoomId(rooms, 2, 1)).toBe(9);
    expect(adjacentRoomId(rooms, 2, -1)).toBe(4);
    expect(adjacentRoomId(rooms, 9, 1)).toBeNull();
    expect(adjacentRoomId(rooms, 4, -1)).toBeNull();
  });
  it("starts at the first room when none is open, and goes nowhere without rooms", () => {
    expect(adjacentRoomId(rooms, null, 1)).toBe(4);
    expect(adjacentRoomId(rooms, 77, -1)).toBe(4);
    expect(adjacentRoomId([], null, 1)).toBeNull();
  });
});
