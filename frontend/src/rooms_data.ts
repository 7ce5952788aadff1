/**
 * Rooms the client knows, which of them the user has joined, the newest seq of each, and unread counts.
 * Pure state: no I/O.
 *
 * Unread counts come from seq arithmetic: seqs have no gaps, so the number of messages after the user's
 * read marker is exactly `latestSeq - readSeq`. Read markers are kept per user in a small key/value
 * storage (localStorage in the browser) so they survive reloads. A room the user has never seen before
 * starts fully read at the seq it had then, so joining a busy room does not show thousands unread.
 */
import type { Room, SharedRoom } from "./protocol";

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export class RoomStore {
  private readonly rooms = new Map<number, Room>();
  private readonly joined = new Set<number>();
  private readonly latest = new Map<number, number>();
  private read = new Map<number, number>();
  private storageKey: string | null = null;
  private readonly storage: KeyValueStorage | null;

  constructor(storage: KeyValueStorage | null = null) {
    this.storage = storage;
  }

  /** Loads the read markers of a user (call once the user is known). */
  setUser(userId: number | null): void {
    this.rooms.clear();
    this.joined.clear();
    this.latest.clear();
    this.read = new Map();
    this.storageKey = userId === null ? null : `parley.read.${userId}`;
    if (!this.storageKey || !this.storage) return;
    try {
      const raw = this.storage.getItem(this.storageKey);
      if (!raw) return;
      const obj = JSON.parse(raw) as Record<string, unknown>;
      for (const [k, v] of Object.entries(obj)) {
        const id = Number(k);
        if (Number.isInteger(id) && typeof v === "number") this.read.set(id, v);
      }
    } catch {
      // A corrupt entry only costs the unread counts.
    }
  }

  private persist(): void {
    if (!this.storageKey || !this.storage) return;
    try {
      this.storage.setItem(this.storageKey, JSON.stringify(Object.fromEntries(this.read)));
    } catch {
      // Storage full or disabled: counts still work for this page's lifetime.
    }
  }

  /** A room object from the server (REST or a frame): record it; `joined` reflects membership. */
  upsert(room: Room): void {
    const prev = this.rooms.get(room.id);
    this.rooms.set(room.id, { ...prev, ...room });
    this.bumpLatest(room.id, room.last_seq);
    if (room.joined) this.markJoined(room.id);
  }

  /** A room's shared fields (room.updated, the admin API): the user's own state stays (none yet: 0, false). */
  updateShared(room: SharedRoom): void {
    const prev = this.rooms.get(room.id);
    this.upsert({ last_read_seq: 0, unread: 0, mentions: 0, muted: false, ...prev, ...room });
  }

  /** A `read` frame: the user's marker of the room moved, in this tab or another (it only moves forward). */
  applyRead(roomId: number, seq: number): void {
    this.markRead(roomId, seq);
    const room = this.rooms.get(roomId);
    if (room && seq > room.last_read_seq) this.rooms.set(roomId, { ...room, last_read_seq: seq });
  }

  /** A `mute` frame: the user muted or unmuted the room, in this tab or another. */
  applyMute(roomId: number, muted: boolean): void {
    const room = this.rooms.get(roomId);
    if (room) this.rooms.set(roomId, { ...room, muted });
  }

  /** The `hello` room list: exactly the joined rooms now. */
  applyHello(rooms: readonly Room[]): void {
    this.joined.clear();
    for (const r of rooms) this.upsert({ ...r, joined: true });
  }

  /** GET /api/rooms: the browsable list; also refreshes the joined flags. */
  applyDirectory(rooms: readonly Room[]): void {
    for (const r of rooms) {
      this.upsert(r);
      if (!r.joined) this.joined.delete(r.id);
    }
  }

  markJoined(roomId: number): void {
    const room = this.rooms.get(roomId);
    if (room && !room.joined) this.rooms.set(roomId, { ...room, joined: true });
    this.joined.add(roomId);
    if (!this.read.has(roomId)) {
      this.read.set(roomId, this.latest.get(roomId) ?? 0);
      this.persist();
    }
  }

  markLeft(roomId: number): void {
    this.joined.delete(roomId);
    const room = this.rooms.get(roomId);
    if (room) {
      if (room.private) this.rooms.delete(roomId);
      else this.rooms.set(roomId, { ...room, joined: false });
    }
    this.read.delete(roomId);
    this.persist();
  }

  isJoined(roomId: number): boolean {
    return this.joined.has(roomId);
  }

  get(roomId: number): Room | undefined {
    return this.rooms.get(roomId);
  }

  /** Joined rooms, by name (case-insensitive). */
  joinedRooms(): Room[] {
    return [...this.joined]
      .map((id) => this.rooms.get(id))
      .filter((r): r is Room => r !== undefined)
      .sort(byName);
  }

  /** Every known room (public + my private), by name. */
  allRooms(): Room[] {
    return [...this.rooms.values()].sort(byName);
  }

  /** A message with this seq exists in the room (live frame, ack, history). */
  bumpLatest(roomId: number, seq: number): void {
    if (seq > (this.latest.get(roomId) ?? 0)) {
      this.latest.set(roomId, seq);
      const room = this.rooms.get(roomId);
      if (room) this.rooms.set(roomId, { ...room, last_seq: seq });
    }
  }

  latestSeq(roomId: number): number {
    return this.latest.get(roomId) ?? 0;
  }

  readSeq(roomId: number): number {
    return this.read.get(roomId) ?? this.latestSeq(roomId);
  }

  /** The user has seen everything up to `seq` in the room. */
  markRead(roomId: number, seq: number = this.latestSeq(roomId)): void {
    if (seq > (this.read.get(roomId) ?? -1)) {
      this.read.set(roomId, seq);
      this.persist();
    }
  }

  /**
   * Our own message with this seq: if everything before it was read, it is read too (a message one
   * sent from another tab is not "unread").
   */
  ownMessage(roomId: number, seq: number): void {
    if ((this.read.get(roomId) ?? 0) >= seq - 1) this.markRead(roomId, seq);
  }

  unread(roomId: number): number {
    if (!this.joined.has(roomId)) return 0;
    return Math.max(0, this.latestSeq(roomId) - this.readSeq(roomId));
  }
}

function byName(a: Room, b: Room): number {
  return a.name.localeCompare(b.name, undefined, { sensitivity: "base" }) || a.id - b.id;
}

/**
 * The room `delta` places from the current one in the sidebar's order (Alt+↑ is -1, Alt+↓ is +1), stopping at
 * either end; the first room when none is open; null when there is nowhere to go.
 */
export function adjacentRoomId(rooms: readonly Room[], currentId: number | null, delta: number): number | null {
  if (!rooms.length) return null;
  const at = rooms.findIndex((r) => r.id === currentId);
  if (at < 0) return rooms[0].id;
  const next = Math.min(rooms.length - 1, Math.max(0, at + delta));
  return next === at ? null : rooms[next].id;
}
