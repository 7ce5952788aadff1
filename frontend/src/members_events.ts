/**
 * Room members: the `member.joined` / `member.left` frames and the member lists fetched over REST
 * (`GET /api/rooms/{id}/members`, which also carry each member's presence), and adding a member.
 *
 * Lists are held only for rooms that were opened. A presence change of someone who is not in the open room's
 * list means the list may be stale (a membership change we were not told about): it is fetched again, at
 * most once per MEMBERS_REFRESH_MIN_MS.
 */
import { describeError } from "./api";
import type { ChatClient } from "./client";
import type { Msg } from "./i18n/translate";
import { PRESENCE_WATCH_MAX } from "./protocol";
import type { Member, User } from "./protocol";
import { sortMembers } from "./presence_data";
import type { FrameOf } from "./server_events_dispatch";

/** A stale-looking member list is refetched at most this often (presence frames can come in bursts). */
const MEMBERS_REFRESH_MIN_MS = 5_000;

export class MembersEvents {
  private readonly c: ChatClient;
  /** members of rooms whose list was fetched, by room then user id */
  private readonly byRoom = new Map<number, Map<number, User>>();
  /** the open room's list is being fetched (not quietly) */
  loading = false;
  /** why the open room's list could not be fetched */
  error: Msg | null = null;
  private lastRefresh = -Infinity;

  constructor(c: ChatClient) {
    this.c = c;
  }

  // ---- frames ---------------------------------------------------------------------------------

  onJoined(f: FrameOf<"member.joined">): void {
    const m = this.byRoom.get(f.room_id);
    if (m) {
      m.set(f.user.id, f.user);
      // The newcomer's presence may be unknown to us: the member list carries it.
      if (f.room_id === this.c.rooms.currentId) void this.load(f.room_id, true);
    }
  }

  onLeft(f: FrameOf<"member.left">): void {
    this.byRoom.get(f.room_id)?.delete(f.user.id);
    this.c.typingData.stop(f.room_id, f.user.id);
  }

  // ---- lists ----------------------------------------------------------------------------------

  /** Members of a room, or null when its list was never fetched. */
  of(roomId: number): User[] | null {
    const m = this.byRoom.get(roomId);
    return m ? [...m.values()] : null;
  }

  /** Everyone this page knows of from member lists and DMs, the user left out, by username. */
  known(): User[] {
    const byId = new Map<number, User>();
    for (const m of this.byRoom.values()) for (const u of m.values()) byId.set(u.id, { id: u.id, username: u.username });
    for (const r of this.c.roomsData.joinedRooms()) for (const u of r.members ?? []) byId.set(u.id, u);
    byId.delete(this.c.me.id);
    return [...byId.values()].sort((a, b) => a.username.localeCompare(b.username, undefined, { sensitivity: "base" }));
  }

  /** We are out of the room: its list is no longer ours to keep. */
  forget(roomId: number): void {
    this.byRoom.delete(roomId);
  }

  async load(roomId: number, quiet: boolean): Promise<void> {
    const c = this.c;
    if (!quiet) {
      this.loading = true;
      this.error = null;
      c.changed();
    }
    const requestedAt = c.now();
    try {
      const list = await c.api.members(roomId);
      c.presenceData.applySnapshot(list, requestedAt, c.now());
      this.byRoom.set(roomId, new Map(list.map((m) => [m.id, { id: m.id, username: m.username }])));
      if (roomId === c.rooms.currentId) {
        this.error = null;
        this.watch(list);
      }
    } catch (err) {
      if (roomId === c.rooms.currentId && !quiet) this.error = describeError(err);
    } finally {
      if (roomId === c.rooms.currentId) this.loading = false;
      c.changed();
    }
  }

  /**
   * Ask for the presence of the members shown (a large room does not send its members' presence on its own;
   * docs/protocol.md "Large rooms"). The list is sorted online-first, so the first PRESENCE_WATCH_MAX are the
   * ones on screen; a new connection watches nothing, and the list is loaded again after every `hello`.
   */
  private watch(list: readonly Member[]): void {
    const c = this.c;
    const ids = sortMembers(list.filter((m) => m.id !== c.me.id))
      .slice(0, PRESENCE_WATCH_MAX)
      .map((m) => m.id);
    // Alone in the room: nothing to watch (what an earlier room's watch still asks for is harmless).
    if (ids.length > 0) c.sendFrame({ type: "presence.watch", user_ids: ids });
  }

  /** Someone changed status: refetch the open room's list if they are not in it (see module comment). */
  maybeRefresh(userId: number): void {
    const c = this.c;
    const id = c.rooms.currentId;
    if (id === null || userId === c.me.id) return;
    const list = this.byRoom.get(id);
    if (!list || list.has(userId)) return;
    const now = c.now();
    if (now - this.lastRefresh < MEMBERS_REFRESH_MIN_MS) return;
    this.lastRefresh = now;
    void this.load(id, true);
  }

  /** POST /api/rooms/{id}/members. Throws the ApiError for the form to show. */
  async add(roomId: number, username: string): Promise<void> {
    const c = this.c;
    const member = await c.api.addMember(roomId, username);
    c.presenceData.applySnapshot([member], c.now(), c.now());
    let m = this.byRoom.get(roomId);
    if (!m) {
      m = new Map();
      this.byRoom.set(roomId, m);
    }
    m.set(member.id, { id: member.id, username: member.username });
    c.changed();
  }
}
