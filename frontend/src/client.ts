/**
 * The chat session controller: owns the socket, the clock and the pure state modules, hands every server frame
 * to the module of its noun (server_events_dispatch.ts), and tells the views when something changed. It holds
 * no DOM and no Preact, and decides nothing about rooms, messages, members, presence, typing, reading, admin
 * or the session itself: those live in their own modules, reached as `client.<noun>`:
 *
 *   rooms     rooms_events.ts      room.* frames; the open room; directory, create, join, leave
 *   messages  messages_events.ts   message.ack/new, error frames; the outbox (send, retry, discard)
 *   changes   changes_events.ts    message.updated/deleted and reactions frames, the change cursor and its
 *                                  catch-up; the user's edits, deletions and reactions
 *   dms       dms_events.ts        opening a direct conversation
 *   history   messages_history.ts  history pages over REST: newest page, older pages, catch-up after a hole
 *   members   members_events.ts    member.* frames; member lists, add a member
 *   presence  presence_events.ts   presence frames; our own online/idle reporting
 *   typing    typing_events.ts     typing frames; our own typing frames from the composer
 *   unread    unread_events.ts     read frames as the user sees the newest messages; unread totals
 *   notify    notify_events.ts     browser notifications for DMs and mentions while the page is hidden
 *   admin     admin_events.ts      account list for the "disabled" marks; archive, disable; what the Admin
 *                                  page (admin_data.ts) changed (admins)
 *   files     files_events.ts      uploads to the open room (progress, cancel) and sending them with a message
 *   search    search_events.ts     message search (pages of results) and opening a result in its room
 *   session   session.ts           logout, session end (4401), password change (session rotation)
 *
 * Their state is in the `*Data` stores (rooms_data, messages_data, presence_data, typing_data); the other pure
 * modules (changes_data, dms_data, mentions_data, reactions_data, reads_data, notify_data) hold their rules.
 *
 * Flow on every `hello` (first connect and each reconnect), `onHello` below:
 *  1. replace joined rooms, presence and config from the frame; forget remote typing states;
 *  2. re-report our own idle status if we are idle (the server assumes a new connection is online);
 *  3. re-send every queued send with its original client_id (the server dedupes);
 *  4. for each joined room whose history we hold, fetch `after=<contiguous top>` while has_more, so nothing
 *     is lost; seq-keyed storage means nothing shows twice;
 *  5. the same rooms fetch the changes after their change cursor (edits, deletions, reactions made meanwhile);
 *  6. the read markers of the hello are what the server has: the open room is marked read again if needed.
 *
 * Timers: one 1-second sweep (ack deadlines, typing expiry, idle detection) instead of a timer per thing.
 */
import type { Api } from "./api";
import type { Msg } from "./i18n/translate";
import { AdminEvents } from "./admin_events";
import { MembersEvents } from "./members_events";
import { MessagesEvents } from "./messages_events";
import { MessagesHistory } from "./messages_history";
import { MessageStore } from "./messages_data";
import { PresenceEvents } from "./presence_events";
import { PresenceStore } from "./presence_data";
import { DEFAULT_CONFIG, type ClientFrame, type Config, type HelloFrame, type Me, type ServerFrame } from "./protocol";
import { RoomsEvents } from "./rooms_events";
import { RoomStore } from "./rooms_data";
import { ChangesEvents } from "./changes_events";
import { DmsEvents } from "./dms_events";
import { NotifyEvents, browserNotifier, type Notifier } from "./notify_events";
import { FilesEvents, type Uploader } from "./files_events";
import { dispatchServerFrame, serverFrameHandlers, type ServerFrameHandlers } from "./server_events_dispatch";
import { SearchEvents } from "./search_events";
import { Session, type SessionEndReason } from "./session";
import { ChatSocket, socketUrl, type ConnInfo, type WebSocketLike } from "./socket";
import { TypingEvents } from "./typing_events";
import { TypingStore } from "./typing_data";
import { UnreadEvents } from "./unread_events";
import { uuid7 } from "./uuid7";

export type { SessionEndReason } from "./session";

/** How often deadlines are checked; one second is below anything a person notices. */
const SWEEP_MS = 1_000;
/** "last seen 5 min ago" labels are redrawn this often even when nothing else changed. */
const LABELS_TICK_MS = 30_000;

export interface ClientDeps {
  api: Api;
  now?: () => number;
  uuid?: () => string;
  notifier?: Notifier;
  createSocket?: (url: string) => WebSocketLike;
  wsUrl?: () => string;
  isHidden?: () => boolean;
  uploader?: Uploader;
}

export class ChatClient {
  readonly api: Api;
  readonly now: () => number;
  readonly uuid: () => string;
  readonly isHidden: () => boolean;

  // ---- pure state (the *_data modules) ----
  readonly roomsData: RoomStore;
  readonly messagesData = new MessageStore();
  readonly presenceData = new PresenceStore();
  readonly typingData: TypingStore;

  // ---- frames and actions, one module per noun ----
  readonly rooms: RoomsEvents;
  readonly messages: MessagesEvents;
  readonly changes: ChangesEvents;
  readonly dms: DmsEvents;
  readonly notify: NotifyEvents;
  readonly history: MessagesHistory;
  readonly members: MembersEvents;
  readonly presence: PresenceEvents;
  readonly typing: TypingEvents;
  readonly unread: UnreadEvents;
  readonly admin: AdminEvents;
  readonly search: SearchEvents;
  readonly files: FilesEvents;
  readonly session: Session;

  me: Me;
  config: Config = { ...DEFAULT_CONFIG };
  conn: ConnInfo;
  /** a short-lived message for the user (an error frame without client_id, a failed action) */
  notice: Msg | null = null;
  /** "info" for a confirmation (password changed), "error" for everything else */
  noticeKind: "error" | "info" = "error";
  onSessionEnded: ((reason: SessionEndReason) => void) | null = null;

  private readonly socket: ChatSocket;
  private readonly handlers: ServerFrameHandlers;
  private readonly listeners = new Set<() => void>();
  private helloSeen = false;
  private sweepHandle: ReturnType<typeof setInterval> | null = null;
  private lastLabelsTick = 0;
  private halted = false;

  constructor(me: Me, deps: ClientDeps) {
    this.me = me;
    this.api = deps.api;
    this.now = deps.now ?? (() => Date.now());
    this.uuid = deps.uuid ?? (() => uuid7(this.now()));
    this.isHidden = deps.isHidden ?? (() => document.visibilityState === "hidden");
    this.roomsData = new RoomStore();
    this.roomsData.setUser(me.id);
    this.messagesData.setSelf(me.id);
    this.typingData = new TypingStore(this.config.typing_expiry_ms);
    this.rooms = new RoomsEvents(this);
    this.messages = new MessagesEvents(this);
    this.changes = new ChangesEvents(this);
    this.dms = new DmsEvents(this);
    this.notify = new NotifyEvents(this, deps.notifier ?? browserNotifier());
    this.history = new MessagesHistory(this);
    this.members = new MembersEvents(this);
    this.presence = new PresenceEvents(this);
    this.typing = new TypingEvents(this);
    this.unread = new UnreadEvents(this);
    this.admin = new AdminEvents(this);
    this.search = new SearchEvents(this);
    this.files = new FilesEvents(this, deps.uploader);
    this.session = new Session(this);
    this.handlers = serverFrameHandlers(this);
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

  /** Tells the views to re-render. */
  changed(): void {
    for (const fn of this.listeners) fn();
  }

  start(): void {
    this.halted = false;
    this.socket.start();
    this.sweepHandle = setInterval(() => this.sweep(), SWEEP_MS);
  }

  stop(): void {
    this.halted = true;
    this.socket.stop();
    if (this.sweepHandle !== null) clearInterval(this.sweepHandle);
    this.sweepHandle = null;
  }

  /** stop() was called (logout, session over, the chat screen went away). */
  get stopped(): boolean {
    return this.halted;
  }

  /** The browser says the network is back: don't wait out the backoff. */
  reconnectNow(): void {
    this.socket.reconnectNow();
  }

  /** Drops the socket without reporting its close and connects afresh (the session cookie was replaced). */
  restartSocket(): void {
    this.socket.restart();
  }

  /** Writes a frame if the connection is open; says whether it did. */
  sendFrame(frame: ClientFrame): boolean {
    return this.socket.send(frame);
  }

  setNotice(text: Msg | null, kind: "error" | "info" = "error"): void {
    this.notice = text;
    this.noticeKind = kind;
    this.changed();
  }

  private sweep(): void {
    const now = this.now();
    let dirty = false;
    if (this.messagesData.expire(now).length) dirty = true;
    if (this.typingData.sweep(now)) dirty = true;
    if (this.presence.tick(now)) dirty = true;
    this.unread.sweep(now);
    if (now - this.lastLabelsTick >= LABELS_TICK_MS) {
      this.lastLabelsTick = now;
      dirty = true;
    }
    if (dirty) this.changed();
  }

  /** The page was hidden or shown. */
  visibilityChanged(): void {
    const hidden = this.isHidden();
    this.presence.visibility(hidden);
    if (hidden) this.typing.stop();
    else this.unread.maybeMarkRead();
    this.changed();
  }

  // ---- socket events --------------------------------------------------------------------------

  private onConnState(info: ConnInfo): void {
    const wasOpen = this.conn.state === "open";
    this.conn = info;
    if (info.state === "ended" && !this.session.rotating) {
      this.session.end("ended");
      return;
    }
    if (wasOpen && info.state !== "open") {
      // Sends on the dead connection were maybe never received: resend them after the next hello.
      this.messages.connectionLost();
      this.typing.connectionLost();
    }
    if (info.state === "ended") this.session.lost();
    if (info.state === "reconnecting" && info.failedBeforeHello) void this.session.check();
    this.changed();
  }

  private onFrame(f: ServerFrame): void {
    dispatchServerFrame(this.handlers, f);
    this.changed();
  }

  /** `hello`: the connection's start, so every noun takes its part, in the order of the module comment. */
  onHello(f: HelloFrame): void {
    const first = !this.helloSeen;
    this.helloSeen = true;
    this.me = f.user;
    this.config = { ...DEFAULT_CONFIG, ...f.config };
    this.typing.hello(this.config);
    this.messagesData.resetUnloaded();
    this.rooms.hello(f.rooms);
    this.unread.hello(f.rooms);
    this.presence.hello(f.presence, this.config);
    this.admin.hello(f.user);
    this.messages.flushQueue();
    this.rooms.openAfterHello(first);
    this.history.hello();
    this.changes.hello(f.rooms);
    this.unread.maybeMarkRead();
  }
}
