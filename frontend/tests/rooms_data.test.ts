import { describe, expect, it } from "vitest";
import { RoomStore, adjacentRoomId, type KeyValueStorage } from "../src/rooms_data";
import { room } from "./fixtures";

function memoryStorage(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe("RoomStore", () => {
  it("a room seen for the first time starts read; new seqs count as unread", () => {
    const r = new RoomStore();
    r.setUser(1);
    r.applyHello([room(1, "general", 500)]);
    expect(r.unread(1)).toBe(0);
    r.bumpLatest(1, 503);
    expect(r.unread(1)).toBe(3);
    r.markRead(1);
    expect(r.unread(1)).toBe(0);
  });

  it("read markers survive a reload through storage", () => {
    const storage = memoryStorage();
    const a = new RoomStore(storage);
    a.setUser(1);
    a.applyHello([room(1, "general", 10)]);
    a.bumpLatest(1, 12);
    const b = new RoomStore(storage);
    b.setUser(1);
    b.applyHello([room(1, "general", 15)]);
    expect(b.unread(1)).toBe(5);
  });

  it("markers are per user", () => {
    const storage = memoryStorage();
    const a = new RoomStore(storage);
    a.setUser(1);
    a.applyHello([room(1, "general", 10)]);
    const b = new RoomStore(storage);
    b.setUser(2);
    b.applyHello([room(1, "general", 20)]);
    expect(b.unread(1)).toBe(0);
  });

  it("our own message does not count as unread when everything before was read", () => {
    const r = new RoomStore();
    r.setUser(1);
    r.applyHello([room(1, "general", 4)]);
    r.bumpLatest(1, 5);
    r.ownMessage(1, 5);
    expect(r.unread(1)).toBe(0);
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
    r.bumpLatest(1, 3);
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
