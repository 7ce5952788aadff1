/**
 * Rooms: the `room.joined` / `room.left` / `room.updated` frames, which room is open, and the room actions
 * over REST (directory, create, join, leave). The state of every room is in rooms_data.ts.
 *
 * The open room is also written to the address (`#room-<id>`) so a reload reopens it; on the first `hello`
 * that room is opened if it is joined, else #general, else the first joined room by name.
 */
import type { ChatClient } from "./client";
import type { HelloFrame, Room } from "./protocol";
import type { FrameOf } from "./server_events_dispatch";

export class RoomsEvents {
  private readonly c: ChatClient;
  /** the room the page shows */
  currentId: number | null = null;
  /** the read marker of the open room when it was opened: the "New messages" line goes above the next one */
  openedReadSeq: number | null = null;
  /** the newest seq of the open room when it was opened: later messages were never unread on opening */
  openedLatestSeq = 0;
  /** a message to bring into view once shown (a notification was clicked), by seq in the open room */
  focusSeq: number | null = null;
  /** the user's mute setting is being saved for these rooms */
  readonly muting = new Set<number>();
  /** a room the user asked to join: it gets focus when its `room.joined` arrives */
  private pendingSelect: number | null = null;

  constructor(c: ChatClient) {
    this.c = c;
  }

  // ---- frames ---------------------------------------------------------------------------------

  onJoined(f: FrameOf<"room.joined">): void {
    this.c.roomsData.upsert({ ...f.room, joined: true });
    this.c.changes.joined(f.room);
    if (this.pendingSelect === f.room.id || this.currentId === null) this.select(f.room.id);
  }

  onLeft(f: FrameOf<"room.left">): void {
    this.forget(f.room_id);
  }

  /** An admin changed the room (archived / unarchived): its shared fields; the user's own state stays. */
  onUpdated(f: FrameOf<"room.updated">): void {
    this.c.roomsData.updateShared(f.room);
  }

  /** The user muted or unmuted the room (in any tab). */
  onMute(f: FrameOf<"mute">): void {
    this.c.roomsData.applyMute(f.room_id, f.muted);
    this.c.changed();
  }

  /** `hello`: exactly its rooms are joined now; messages of rooms left meanwhile are forgotten. */
  hello(rooms: HelloFrame["rooms"]): void {
    const before = new Set(this.c.roomsData.joinedRooms().map((r) => r.id));
    this.c.roomsData.applyHello(rooms);
    for (const id of before) if (!this.c.roomsData.isJoined(id)) this.c.messagesData.dropRoom(id);
  }

  /** After a `hello`: keep the open room if still joined (and refresh it), else open another. */
  openAfterHello(first: boolean): void {
    const c = this.c;
    if (this.currentId === null || !c.roomsData.isJoined(this.currentId)) {
      const wanted = first ? readRoomFromHash() : null;
      const target = wanted !== null && c.roomsData.isJoined(wanted) ? wanted : this.defaultRoom();
      if (target !== null) this.select(target);
      else this.currentId = null;
    } else {
      if (!c.messagesData.isLoaded(this.currentId)) void c.history.loadInitial(this.currentId);
      void c.members.load(this.currentId, true);
    }
  }

  // ---- the open room --------------------------------------------------------------------------

  select(roomId: number): void {
    const c = this.c;
    this.pendingSelect = null;
    if (this.currentId !== roomId) {
      c.typing.stop();
      this.focusSeq = null;
      this.openedReadSeq = c.roomsData.get(roomId)?.last_read_seq ?? null;
      this.openedLatestSeq = c.roomsData.latestSeq(roomId);
    }
    this.currentId = roomId;
    c.unread.atBottom = true;
    c.history.error = null;
    writeRoomToHash(roomId);
    if (!c.messagesData.isLoaded(roomId)) void c.history.loadInitial(roomId);
    else void c.history.syncRoom(roomId);
    void c.members.load(roomId, false);
    c.unread.maybeMarkRead();
    c.changed();
  }

  current(): Room | undefined {
    return this.currentId === null ? undefined : this.c.roomsData.get(this.currentId);
  }

  private defaultRoom(): number | null {
    const joined = this.c.roomsData.joinedRooms();
    if (!joined.length) return null;
    return (joined.find((r) => r.name.toLowerCase() === "general") ?? joined.find((r) => r.kind !== "dm") ?? joined[0]).id;
  }

  /** We are out of the room (left here, in another tab, or removed): drop what we held of it. */
  private forget(roomId: number): void {
    const c = this.c;
    c.roomsData.markLeft(roomId);
    c.messagesData.dropRoom(roomId);
    c.changes.forget(roomId);
    c.members.forget(roomId);
    if (this.currentId === roomId) {
      const next = this.defaultRoom();
      if (next !== null) this.select(next);
      else {
        this.currentId = null;
        writeRoomToHash(null);
      }
    }
  }

  // ---- actions (REST) -------------------------------------------------------------------------

  /** GET /api/rooms for the browse dialog. */
  async refreshDirectory(): Promise<Room[]> {
    const list = await this.c.api.rooms();
    this.c.roomsData.applyDirectory(list);
    this.c.changed();
    return list;
  }

  /** Mutes or unmutes a room (stored on the server; every tab gets the `mute` frame). */
  async setMuted(roomId: number, muted: boolean): Promise<void> {
    const c = this.c;
    this.muting.add(roomId);
    c.changed();
    try {
      const res = await c.api.setMuted(roomId, muted);
      c.roomsData.applyMute(res.room_id, res.muted);
    } finally {
      this.muting.delete(roomId);
      c.changed();
    }
  }

  async create(name: string, topic: string, isPrivate: boolean): Promise<Room> {
    const room = await this.c.api.createRoom(name, topic, isPrivate);
    this.c.roomsData.upsert({ ...room, joined: true });
    this.select(room.id);
    return room;
  }

  async join(roomId: number): Promise<Room> {
    this.pendingSelect = roomId;
    const room = await this.c.api.joinRoom(roomId);
    this.c.roomsData.upsert({ ...room, joined: true });
    this.select(room.id);
    return room;
  }

  async leave(roomId: number): Promise<void> {
    await this.c.api.leaveRoom(roomId);
    this.forget(roomId);
    this.c.changed();
  }
}

function readRoomFromHash(): number | null {
  const m = /^#room-(\d+)$/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

function writeRoomToHash(roomId: number | null): void {
  const hash = roomId === null ? "" : `#room-${roomId}`;
  if (location.hash !== hash) history.replaceState(null, "", hash || location.pathname);
}
