/**
 * Rooms and DMs the client knows, which of them the user has joined, the newest seq of each, and the user's read
 * state there. Pure state: no I/O.
 *
 * Unread and mention counts are the server's (Room.unread / mentions / last_read_seq in `hello`, `GET /api/rooms`,
 * `room.joined`), kept current between hellos by reads_data.ts: a live message above the counted seqs adds to
 * them, a `read` frame (from this tab or another) moves the marker and lowers them.
 */
import type { Message, Room, SharedRoom } from "./protocol";
import { applyReadMarker, countNew, totalUnread } from "./reads_data";

/** The user's own state where a room object carries none (a server before read state): nothing read, not muted. */
const NO_READ_STATE = { last_read_seq: 0, unread: 0, mentions: 0, muted: false, change_seq: 0 } as const;

export class RoomStore {
  private readonly rooms = new Map<number, Room>();
  private readonly joined = new Set<number>();
  private readonly latest = new Map<number, number>();
  private userId: number | null = null;

  /** Starts afresh for a user (call once the user is known). */
  setUser(userId: number | null): void {
    this.rooms.clear();
    this.joined.clear();
    this.latest.clear();
    this.userId = userId;
  }

  /** A room object from the server (REST or a frame): record it; `joined` reflects membership. */
  upsert(room: Room): void {
    const prev = this.rooms.get(room.id);
    this.rooms.set(room.id, { ...NO_READ_STATE, ...prev, ...room });
    this.bumpLatest(room.id, room.last_seq);
    if (room.joined) this.markJoined(room.id);
  }

  /** A room's shared fields (room.updated, the admin API): the user's own state stays (none yet: 0, false). */
  updateShared(room: SharedRoom): void {
    const prev = this.rooms.get(room.id);
    this.upsert({ last_read_seq: 0, unread: 0, mentions: 0, muted: false, ...prev, ...room });
  }

  /**
   * A `read` frame: the user's marker of the room moved, in this tab or another (it only moves forward).
   * `held` are the room's messages this client has, to recount what stays unread below the newest.
   */
  applyRead(roomId: number, seq: number, held: readonly Message[] = []): void {
    const room = this.rooms.get(roomId);
    if (!room || this.userId === null) return;
    const next = applyReadMarker(room, seq, this.latestSeq(roomId), held, this.userId);
    if (next !== room) this.rooms.set(roomId, { ...room, ...next });
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
  }

  markLeft(roomId: number): void {
    this.joined.delete(roomId);
    const room = this.rooms.get(roomId);
    if (room) {
      if (room.private) this.rooms.delete(roomId);
      else this.rooms.set(roomId, { ...room, joined: false, last_read_seq: 0, unread: 0, mentions: 0, muted: false });
    }
  }

  isJoined(roomId: number): boolean {
    return this.joined.has(roomId);
  }

  get(roomId: number): Room | undefined {
    return this.rooms.get(roomId);
  }

  /** Joined rooms and DMs, by name (case-insensitive). */
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

  /**
   * A message with this seq exists in the room (live frame, ack, history). A message above every seq known so
   * far is one the room's counts do not cover yet: pass it as `m` to count it (reads_data.countNew).
   */
  bumpLatest(roomId: number, seq: number, m?: Message): void {
    if (seq > (this.latest.get(roomId) ?? 0)) {
      this.latest.set(roomId, seq);
      const room = this.rooms.get(roomId);
      if (!room) return;
      const counted = m && this.userId !== null && this.joined.has(roomId) ? countNew(room, m, this.userId) : room;
      this.rooms.set(roomId, { ...room, ...counted, last_seq: seq });
    }
  }

  latestSeq(roomId: number): number {
    return this.latest.get(roomId) ?? 0;
  }

  /** The user's read marker (0 where not joined). */
  readSeq(roomId: number): number {
    return this.rooms.get(roomId)?.last_read_seq ?? 0;
  }

  /** Unread messages by others after the marker (the server's count, kept current). */
  unread(roomId: number): number {
    if (!this.joined.has(roomId)) return 0;
    return this.rooms.get(roomId)?.unread ?? 0;
  }

  /** Of those, the ones that mention the user. */
  mentions(roomId: number): number {
    if (!this.joined.has(roomId)) return 0;
    return this.rooms.get(roomId)?.mentions ?? 0;
  }

  /** Unread over the joined rooms that are not muted (the tab title's number). */
  totalUnread(): number {
    return totalUnread(this.joinedRooms());
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
