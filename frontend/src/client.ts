/**
 * The chat session controller: wires the REST client, the socket and the pure state modules together,
 * and tells the views when something changed. It holds no DOM and no Preact.
 *
 * Flow on every `hello` (first connect and each reconnect):
 *  1. replace joined rooms, presence and config from the frame; forget remote typing states;
 *  2. re-report our own idle status if we are idle (the server assumes a new connection is online);
 *  3. re-send every queued send with its original client_id (the server dedupes);
 *  4. for each joined room whose history we hold, fetch `after=<contiguous top>` while has_more, so nothing
 *     is lost; seq-keyed storage means nothing shows twice.
 *
 * Timers: one 1-second sweep (ack deadlines, typing expiry, idle detection) instead of a timer per thing.
 *
 * Password change ("session rotation"): the server ends every session of the user, this one included, so our
 * own socket is closed with 4401 — possibly before the HTTP answer arrives — and the answer carries a fresh
 * cookie. While the request is pending, a lost session (4401, or a 401 from /api/me) is held instead of
 * logging out; on success the socket reconnects with the new cookie; on failure a held loss is checked
 * with /api/me (a 403 means the password did not change, so a 4401 then was a real end).
 */
import { Api, ApiError, NetworkError, describeError } from "./api";
import { MessageStore } from "./messages_data";
import { ActivityTracker, PresenceStore } from "./presence_data";
import {
  DEFAULT_CONFIG,
  HISTORY_PAGE,
  type AdminUser,
  type Config,
  type Me,
  type Message,
  type Room,
  type ServerFrame,
  type User,
} from "./protocol";
import { RoomStore, type KeyValueStorage } from "./rooms_data";
import { ChatSocket, socketUrl, type ConnInfo, type WebSocketLike } from "./socket";
import { TypingSender, TypingStore } from "./typing_data";

/** A send with no ack after this long is shown as failed with a Retry button. */
export const ACK_TIMEOUT_MS = 10_000;
/** How often deadlines are checked; one second is below anything a person notices. */
const SWEEP_MS = 1_000;
/** Catch-up pages use the largest page the server allows, to close a hole in as few requests as possible. */
const CATCH_UP_PAGE = 100;
/** A stale-looking member list is refetched at most this often (presence frames can come in bursts). */
const MEMBERS_REFRESH_MIN_MS = 5_000;
/** After a failed older-history fetch, wait this long before the scroll position may trigger another. */
const OLDER_RETRY_MS = 5_000;

export interface ClientDeps {
  api: Api;
  now?: () => number;
  uuid?: () => string;
  storage?: KeyValueStorage | null;
  createSocket?: (url: string) => WebSocketLike;
  wsUrl?: () => string;
  isHidden?: () => boolean;
}

export type SessionEndReason = "logout" | "ended";

export class ChatClient {
  readonly api: Api;
  readonly rooms: RoomStore;
  readonly messages = new MessageStore();
  readonly presence = new PresenceStore();
  readonly typing: TypingStore;
  private readonly typingOut: TypingSender;
  private readonly activity: ActivityTracker;
  private readonly socket: ChatSocket;
  private readonly now: () => number;
  private readonly uuid: () => string;
  private readonly isHidden: () => boolean;

  me: Me;
  config: Config = { ...DEFAULT_CONFIG };
  conn: ConnInfo;
  currentRoomId: number | null = null;
  /** members of rooms whose list was fetched, by room then user id */
  private readonly members = new Map<number, Map<number, User>>();
  membersLoading = false;
  membersError: string | null = null;
  loadingInitial = new Set<number>();
  loadingOlder = new Set<number>();
  historyError: string | null = null;
  /** a short-lived message for the user (an error frame without client_id, a failed action) */
  notice: string | null = null;
  /** "info" for a confirmation (password changed), "error" for everything else */
  noticeKind: "error" | "info" = "error";
  /** the message view shows the bottom of the current room */
  private atBottom = true;
  /** our status as the server knows it for this connection */
  private reportedStatus: "online" | "idle" = "online";
  private readonly syncing = new Set<number>();
  private readonly resync = new Set<number>();
  private helloSeen = false;
  private sweepHandle: ReturnType<typeof setInterval> | null = null;
  private lastLabelsTick = 0;
  private lastMembersRefresh = -Infinity;
  private olderFailedAt = new Map<number, number>();
  private readonly listeners = new Set<() => void>();
  private stopped = false;
  onSessionEnded: ((reason: SessionEndReason) => void) | null = null;
  /** a password change in flight: a session loss seen meanwhile is held here (see module comment) */
  private rotation: { lost: boolean } | null = null;
  /** bumped when the session cookie is replaced: answers to requests made with the old one are stale */
  private sessionEpoch = 0;
  /** admins only: every account by id (GET /api/admin/users), for the disabled flags */
  private adminAccounts: Map<number, AdminUser> | null = null;
  /** called when a room the user asked to open should get focus (after create/join) */
  private pendingSelect: number | null = null;

  constructor(me: Me, deps: ClientDeps) {
    this.me = me;
    this.api = deps.api;
    this.now = deps.now ?? (() => Date.now());
    this.uuid = deps.uuid ?? (() => crypto.randomUUID());
    this.isHidden = deps.isHidden ?? (() => document.visibilityState === "hidden");
    this.rooms = new RoomStore(deps.storage ?? null);
    this.rooms.setUser(me.id);
    this.messages.setSelf(me.id);
    this.typing = new TypingStore(this.config.typing_expiry_ms);
    this.typingOut = new TypingSender(this.config.typing_refresh_ms);
    this.activity = new ActivityTracker(this.config.idle_after_ms, this.now(), this.isHidden());
    this.socket = new ChatSocket({
      url: deps.wsUrl ?? (() => socketUrl(location)),
      onFrame: (f) => this.onFrame(f),
      onState: (info) => this.onConnState(info),
      ...(deps.createSocket ? { createSocket: deps.createSocket } : {}),
    });
    this.conn = this.socket.connInfo;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  start(): void {
    this.stopped = false;
    this.socket.start();
    this.sweepHandle = setInterval(() => this.sweep(), SWEEP_MS);
  }

  stop(): void {
    this.stopped = true;
    this.socket.stop();
    if (this.sweepHandle !== null) clearInterval(this.sweepHandle);
    this.sweepHandle = null;
  }

  /** The browser says the network is back: don't wait out the backoff. */
  reconnectNow(): void {
    this.socket.reconnectNow();
  }

  async logout(): Promise<void> {
    try {
      await this.api.logout();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) {
        this.setNotice(describeError(err));
        throw err;
      }
    }
    this.endSession("logout");
  }

  private endSession(reason: SessionEndReason): void {
    if (this.stopped) return;
    this.stop();
    this.onSessionEnded?.(reason);
  }

  private sweep(): void {
    const now = this.now();
    let dirty = false;
    if (this.messages.expire(now).length) dirty = true;
    if (this.typing.sweep(now)) dirty = true;
    const st = this.activity.tick(now);
    if (st) {
      this.reportStatus();
      dirty = true;
    }
    // "last seen 5 min ago" labels move on by themselves.
    if (now - this.lastLabelsTick >= 30_000) {
      this.lastLabelsTick = now;
      dirty = true;
    }
    if (dirty) this.changed();
  }

  setNotice(text: string | null, kind: "error" | "info" = "error"): void {
    this.notice = text;
    this.noticeKind = kind;
    this.changed();
  }

  // ---- socket events --------------------------------------------------------------------------

  private onConnState(info: ConnInfo): void {
    const wasOpen = this.conn.state === "open";
    this.conn = info;
    if (info.state === "ended" && !this.rotation) {
      this.endSession("ended");
      return;
    }
    if (wasOpen && info.state !== "open") {
      // Sends on the dead connection were maybe never received: resend them after the next hello.
      this.messages.requeueInFlight();
      this.typing.clear();
      this.typingOut.reset();
    }
    if (info.state === "ended") this.sessionLost();
    if (info.state === "reconnecting" && info.failedBeforeHello) void this.checkSession();
    this.changed();
  }

  /** A handshake that fails may be a 401 before the upgrade: ask /api/me whether we are still logged in. */
  private async checkSession(): Promise<void> {
    const epoch = this.sessionEpoch;
    try {
      await this.api.me();
    } catch (err) {
      // A 401 to a request sent with a cookie since replaced says nothing about the current one.
      if (err instanceof ApiError && err.status === 401 && epoch === this.sessionEpoch) this.sessionLost();
    }
  }

  /** The server says our session is over: log out, unless a password change is rotating it right now. */
  private sessionLost(): void {
    if (this.rotation) this.rotation.lost = true;
    else this.endSession("ended");
  }

  /**
   * POST /api/auth/password. Every session of the user ends (other tabs and devices go to the login screen);
   * this page keeps going on the fresh cookie the answer sets. Throws the ApiError for the dialog to show.
   */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    if (this.rotation) throw new Error("A password change is already in progress.");
    const rotation = { lost: false };
    this.rotation = rotation;
    let me: Me;
    try {
      me = await this.api.changePassword(currentPassword, newPassword);
    } catch (err) {
      this.rotation = null;
      if (rotation.lost) void this.recheckAfterFailedRotation();
      throw err;
    }
    this.rotation = null;
    this.sessionEpoch++;
    this.me = { ...this.me, ...me };
    // The old socket belongs to the ended session (closed with 4401 now or soon): replace it, ignoring its close.
    if (!this.stopped) this.socket.restart();
    this.changed();
  }

  /** The password change failed but a session loss was held meanwhile: is the old session still alive? */
  private async recheckAfterFailedRotation(): Promise<void> {
    try {
      await this.api.me();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.endSession("ended");
        return;
      }
      // No answer: let the socket's own retries (and their session checks) decide.
    }
    if (!this.stopped) this.socket.restart();
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case "hello":
        this.onHello(f.user, f.rooms, f.presence, f.config);
        break;
      case "message.ack":
        this.onMessage(f.message);
        break;
      case "message.new":
        this.onMessage(f.message);
        break;
      case "room.joined":
        this.rooms.upsert({ ...f.room, joined: true });
        if (this.pendingSelect === f.room.id || this.currentRoomId === null) this.selectRoom(f.room.id);
        break;
      case "room.left":
        this.forgetRoom(f.room_id);
        break;
      case "room.updated":
        this.rooms.upsert(f.room);
        break;
      case "member.joined": {
        const m = this.members.get(f.room_id);
        if (m) {
          m.set(f.user.id, f.user);
          // The newcomer's presence may be unknown to us: the member list carries it.
          if (f.room_id === this.currentRoomId) void this.loadMembers(f.room_id, true);
        }
        break;
      }
      case "member.left":
        this.members.get(f.room_id)?.delete(f.user.id);
        this.typing.stop(f.room_id, f.user.id);
        break;
      case "presence":
        this.presence.applyFrame(f.user, f.status, f.last_seen, f.at, this.now());
        this.maybeRefreshMembers(f.user.id);
        break;
      case "typing":
        if (f.user.id !== this.me.id) this.typing.apply(f.room_id, f.user, f.active, this.now());
        break;
      case "error":
        if (f.client_id && this.messages.markFailed(f.client_id, socketErrorText(f.code, f.message))) break;
        this.notice = socketErrorText(f.code, f.message);
        this.noticeKind = "error";
        break;
    }
    this.changed();
  }

  private onHello(me: Me, rooms: Room[], presence: Parameters<PresenceStore["applyHello"]>[0], config: Config): void {
    const first = !this.helloSeen;
    this.helloSeen = true;
    this.me = me;
    this.config = { ...DEFAULT_CONFIG, ...config };
    this.typing.setExpiry(this.config.typing_expiry_ms);
    this.typingOut.setRefresh(this.config.typing_refresh_ms);
    this.activity.setIdleAfter(this.config.idle_after_ms);
    this.typing.clear();
    this.typingOut.reset();

    this.messages.resetUnloaded();
    const before = new Set(this.rooms.joinedRooms().map((r) => r.id));
    this.rooms.applyHello(rooms);
    for (const id of before) if (!this.rooms.isJoined(id)) this.messages.dropRoom(id);
    this.presence.applyHello(presence, this.now());

    this.reportedStatus = "online";
    this.reportStatus();
    if (me.is_admin) void this.loadAdminAccounts();
    else this.adminAccounts = null;

    this.flushQueue();

    if (this.currentRoomId === null || !this.rooms.isJoined(this.currentRoomId)) {
      const wanted = first ? readRoomFromHash() : null;
      const target = wanted !== null && this.rooms.isJoined(wanted) ? wanted : this.defaultRoom();
      if (target !== null) this.selectRoom(target);
      else this.currentRoomId = null;
    } else {
      if (!this.messages.isLoaded(this.currentRoomId)) void this.loadInitial(this.currentRoomId);
      void this.loadMembers(this.currentRoomId, true);
    }
    for (const r of this.rooms.joinedRooms()) {
      if (this.messages.isLoaded(r.id)) void this.syncRoom(r.id);
    }
  }

  private defaultRoom(): number | null {
    const joined = this.rooms.joinedRooms();
    if (!joined.length) return null;
    return (joined.find((r) => r.name.toLowerCase() === "general") ?? joined[0]).id;
  }

  private onMessage(m: Message): void {
    this.rooms.bumpLatest(m.room_id, m.seq);
    this.messages.insert(m.room_id, [m]);
    this.typing.stop(m.room_id, m.user.id);
    if (m.user.id === this.me.id) this.rooms.ownMessage(m.room_id, m.seq);
    if (m.room_id === this.currentRoomId) this.maybeMarkRead();
    if (this.messages.isLoaded(m.room_id) && this.messages.contiguousTop(m.room_id) < m.seq) {
      void this.syncRoom(m.room_id);
    }
  }

  private forgetRoom(roomId: number): void {
    this.rooms.markLeft(roomId);
    this.messages.dropRoom(roomId);
    this.members.delete(roomId);
    if (this.currentRoomId === roomId) {
      const next = this.defaultRoom();
      if (next !== null) this.selectRoom(next);
      else {
        this.currentRoomId = null;
        writeRoomToHash(null);
      }
    }
  }

  // ---- history --------------------------------------------------------------------------------

  /** Newest page of a room, then any hole above it is closed by syncRoom. */
  async loadInitial(roomId: number): Promise<void> {
    if (this.loadingInitial.has(roomId)) return;
    this.loadingInitial.add(roomId);
    this.historyError = null;
    this.changed();
    try {
      const page = await this.api.messages(roomId, { limit: HISTORY_PAGE });
      this.messages.applyNewestPage(roomId, page.messages, page.has_more);
      const last = page.messages[page.messages.length - 1];
      if (last) this.rooms.bumpLatest(roomId, last.seq);
      if (roomId === this.currentRoomId) this.maybeMarkRead();
    } catch (err) {
      if (roomId === this.currentRoomId) this.historyError = describeError(err);
    } finally {
      this.loadingInitial.delete(roomId);
      this.changed();
    }
    if (this.messages.isLoaded(roomId)) await this.syncRoom(roomId);
  }

  /** Older page below the oldest held message (scrolling up). */
  async loadOlder(roomId: number): Promise<boolean> {
    if (this.loadingOlder.has(roomId) || !this.messages.isLoaded(roomId) || !this.messages.hasOlder(roomId)) {
      return false;
    }
    const before = this.messages.oldestSeq(roomId);
    if (before <= 1) return false;
    const failedAt = this.olderFailedAt.get(roomId);
    if (failedAt !== undefined && this.now() - failedAt < OLDER_RETRY_MS) return false;
    this.loadingOlder.add(roomId);
    this.changed();
    try {
      const page = await this.api.messages(roomId, { before, limit: HISTORY_PAGE });
      this.messages.applyOlderPage(roomId, page.messages, page.has_more);
      return page.messages.length > 0;
    } catch (err) {
      this.olderFailedAt.set(roomId, this.now());
      this.setNotice(describeError(err));
      return false;
    } finally {
      this.loadingOlder.delete(roomId);
      this.changed();
    }
  }

  /** Catch-up: fetch after the contiguous top while there is more (see module comment). */
  async syncRoom(roomId: number): Promise<void> {
    if (this.syncing.has(roomId)) {
      this.resync.add(roomId);
      return;
    }
    this.syncing.add(roomId);
    try {
      do {
        this.resync.delete(roomId);
        for (let guard = 0; guard < 10_000; guard++) {
          if (!this.rooms.isJoined(roomId) && roomId !== this.currentRoomId) return;
          const top = this.messages.contiguousTop(roomId);
          const latest = Math.max(this.rooms.latestSeq(roomId), this.messages.newestSeq(roomId));
          if (top === 0 || top >= latest) break;
          const page = await this.api.messages(roomId, { after: top, limit: CATCH_UP_PAGE });
          this.messages.insert(roomId, page.messages);
          for (const m of page.messages) {
            this.rooms.bumpLatest(roomId, m.seq);
            if (m.user.id === this.me.id) this.rooms.ownMessage(roomId, m.seq);
          }
          if (roomId === this.currentRoomId) this.maybeMarkRead();
          this.changed();
          if (!page.has_more || page.messages.length === 0) break;
        }
      } while (this.resync.has(roomId));
    } catch {
      // The next hello (or the next live message above the hole) tries again.
    } finally {
      this.syncing.delete(roomId);
    }
  }

  // ---- rooms ----------------------------------------------------------------------------------

  selectRoom(roomId: number): void {
    this.pendingSelect = null;
    if (this.currentRoomId !== roomId) {
      const out = this.typingOut.stop();
      this.sendTyping(out);
    }
    this.currentRoomId = roomId;
    this.atBottom = true;
    this.historyError = null;
    writeRoomToHash(roomId);
    if (!this.messages.isLoaded(roomId)) void this.loadInitial(roomId);
    else void this.syncRoom(roomId);
    void this.loadMembers(roomId, false);
    this.maybeMarkRead();
    this.changed();
  }

  currentRoom(): Room | undefined {
    return this.currentRoomId === null ? undefined : this.rooms.get(this.currentRoomId);
  }

  async loadMembers(roomId: number, quiet: boolean): Promise<void> {
    if (!quiet) {
      this.membersLoading = true;
      this.membersError = null;
      this.changed();
    }
    const requestedAt = this.now();
    try {
      const list = await this.api.members(roomId);
      this.presence.applySnapshot(list, requestedAt, this.now());
      this.members.set(roomId, new Map(list.map((m) => [m.id, { id: m.id, username: m.username }])));
      if (roomId === this.currentRoomId) this.membersError = null;
    } catch (err) {
      if (roomId === this.currentRoomId && !quiet) this.membersError = describeError(err);
    } finally {
      if (roomId === this.currentRoomId) this.membersLoading = false;
      this.changed();
    }
  }

  /**
   * Someone we share a room with changed status but is not in the current room's list we hold: the list may
   * be stale (a membership change we were not told about), so fetch it again — at most once per interval.
   */
  private maybeRefreshMembers(userId: number): void {
    const id = this.currentRoomId;
    if (id === null || userId === this.me.id) return;
    const list = this.members.get(id);
    if (!list || list.has(userId)) return;
    const now = this.now();
    if (now - this.lastMembersRefresh < MEMBERS_REFRESH_MIN_MS) return;
    this.lastMembersRefresh = now;
    void this.loadMembers(id, true);
  }

  membersOf(roomId: number): User[] | null {
    const m = this.members.get(roomId);
    return m ? [...m.values()] : null;
  }

  /** GET /api/rooms for the browse dialog. */
  async refreshDirectory(): Promise<Room[]> {
    const list = await this.api.rooms();
    this.rooms.applyDirectory(list);
    this.changed();
    return list;
  }

  async createRoom(name: string, topic: string, isPrivate: boolean): Promise<Room> {
    const room = await this.api.createRoom(name, topic, isPrivate);
    this.rooms.upsert({ ...room, joined: true });
    this.selectRoom(room.id);
    return room;
  }

  async joinRoom(roomId: number): Promise<Room> {
    this.pendingSelect = roomId;
    const room = await this.api.joinRoom(roomId);
    this.rooms.upsert({ ...room, joined: true });
    this.selectRoom(room.id);
    return room;
  }

  async leaveRoom(roomId: number): Promise<void> {
    await this.api.leaveRoom(roomId);
    this.forgetRoom(roomId);
    this.changed();
  }

  async addMember(roomId: number, username: string): Promise<void> {
    const member = await this.api.addMember(roomId, username);
    this.presence.applySnapshot([member], this.now(), this.now());
    let m = this.members.get(roomId);
    if (!m) {
      m = new Map();
      this.members.set(roomId, m);
    }
    m.set(member.id, { id: member.id, username: member.username });
    this.changed();
  }

  // ---- admin ----------------------------------------------------------------------------------

  get isAdmin(): boolean {
    return this.me.is_admin;
  }

  /** GET /api/admin/users, quietly: without it the member list only lacks the "disabled" marks. */
  async loadAdminAccounts(): Promise<void> {
    try {
      const list = await this.api.adminUsers();
      this.adminAccounts = new Map(list.map((u) => [u.id, u]));
      this.changed();
    } catch {
      // Not an admin any more, or the server is away: the next hello tries again.
    }
  }

  /** Known to be disabled (admins only; false when unknown). */
  isDisabled(userId: number): boolean {
    return this.adminAccounts?.get(userId)?.disabled ?? false;
  }

  /** Archive or unarchive a room (admins). Members, this page included, also get `room.updated`. */
  async setRoomArchived(roomId: number, archived: boolean): Promise<Room> {
    const room = await this.api.adminSetArchived(roomId, archived);
    // `joined` in the answer is the caller's membership; upsert never un-joins, so a joined room stays joined.
    this.rooms.upsert(room);
    this.changed();
    return room;
  }

  /** Disable (every session ends at once) or enable an account (admins). */
  async setUserDisabled(userId: number, disabled: boolean): Promise<AdminUser> {
    const user = await this.api.adminSetDisabled(userId, disabled);
    if (!this.adminAccounts) this.adminAccounts = new Map();
    this.adminAccounts.set(user.id, user);
    this.changed();
    return user;
  }

  // ---- reading --------------------------------------------------------------------------------

  /** The message view reports whether its bottom is visible. */
  setAtBottom(atBottom: boolean): void {
    this.atBottom = atBottom;
    if (atBottom) this.maybeMarkRead();
  }

  private maybeMarkRead(): void {
    const id = this.currentRoomId;
    if (id === null || !this.atBottom || this.isHidden()) return;
    if (this.rooms.unread(id) > 0) {
      this.rooms.markRead(id);
      this.changed();
    }
  }

  totalUnread(): number {
    let n = 0;
    for (const r of this.rooms.joinedRooms()) n += this.rooms.unread(r.id);
    return n;
  }

  // ---- sending --------------------------------------------------------------------------------

  /** Length as the server counts it (code points), for the composer's limit. */
  static bodyLength(text: string): number {
    let n = 0;
    for (const _ of text.trim()) n++;
    return n;
  }

  /** Returns an error text when the message cannot be sent, else null. */
  send(text: string): string | null {
    const roomId = this.currentRoomId;
    if (roomId === null) return "Pick a room first.";
    const body = text.trim();
    if (!body) return "Message is empty.";
    const len = ChatClient.bodyLength(body);
    if (len > this.config.max_body_chars) {
      return `Message is too long (${len} / ${this.config.max_body_chars} characters).`;
    }
    const room = this.rooms.get(roomId);
    if (room?.archived) return "This room is archived (read-only).";
    this.sendTyping(this.typingOut.stop());
    const p = this.messages.addPending(roomId, this.uuid(), body, this.now());
    this.transmit(p.clientId);
    this.atBottom = true;
    this.changed();
    return null;
  }

  retry(clientId: string): void {
    const p = this.messages.markRetry(clientId);
    if (p) this.transmit(p.clientId);
    this.changed();
  }

  discard(clientId: string): void {
    this.messages.discardPending(clientId);
    this.changed();
  }

  private transmit(clientId: string): void {
    const p = this.messages.getPending(clientId);
    if (!p || p.state !== "queued") return;
    const ok = this.socket.send({ type: "message.send", room_id: p.roomId, body: p.body, client_id: p.clientId });
    if (ok) this.messages.markSent(p.clientId, this.now(), ACK_TIMEOUT_MS);
  }

  private flushQueue(): void {
    for (const p of this.messages.queued()) {
      if (!this.rooms.isJoined(p.roomId)) {
        this.messages.markFailed(p.clientId, "You are no longer a member of this room.");
        continue;
      }
      this.transmit(p.clientId);
    }
  }

  // ---- typing and activity --------------------------------------------------------------------

  composerInput(text: string): void {
    this.userActivity();
    if (this.currentRoomId === null) return;
    this.sendTyping(this.typingOut.input(this.currentRoomId, text.trim().length > 0, this.now()));
  }

  composerBlur(): void {
    this.sendTyping(this.typingOut.stop());
  }

  private sendTyping(frames: { roomId: number; active: boolean }[]): void {
    for (const f of frames) this.socket.send({ type: "typing", room_id: f.roomId, active: f.active });
  }

  /** Any keyboard/pointer input on the page. */
  userActivity(): void {
    if (this.activity.input(this.now())) this.reportStatus();
  }

  visibilityChanged(): void {
    const hidden = this.isHidden();
    if (this.activity.visibility(hidden, this.now())) this.reportStatus();
    if (hidden) this.sendTyping(this.typingOut.stop());
    else this.maybeMarkRead();
    this.changed();
  }

  get ownStatus(): "online" | "idle" {
    return this.activity.status;
  }

  private reportStatus(): void {
    const status = this.activity.status;
    if (status === this.reportedStatus) return;
    if (this.socket.send({ type: "presence.set", status })) this.reportedStatus = status;
  }
}

function socketErrorText(code: string, message: string): string {
  switch (code) {
    case "rate_limited":
      return "You are sending too fast. Wait a moment and retry.";
    case "body_too_long":
      return "Message is too long.";
    case "body_empty":
      return "Message is empty.";
    case "not_a_member":
      return "You are not a member of this room.";
    case "room_archived":
      return "This room is archived (read-only).";
    case "room_not_found":
      return "This room no longer exists.";
    default:
      return message || code;
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

export { NetworkError };
