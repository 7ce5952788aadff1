/**
 * Per-room message logs and the outbox of pending sends. Pure state: no I/O, no timers, no DOM.
 *
 * Policy:
 *  - A room's messages are kept in a map keyed by seq, so a message that arrives twice (live and in a
 *    catch-up page) is stored once: the copy with the higher `change_seq` (a later edit, deletion or reaction
 *    change) wins. Sorted views are derived on demand and cached until the next change.
 *  - A room is "loaded" once its newest page has been fetched. Live messages for rooms that were never
 *    opened are still kept (they are contiguous from the hello's last_seq), but `resetUnloaded` drops them
 *    on every new connection so an unopened room never holds a block with a hole below it.
 *  - The catch-up cursor is the top of the contiguous run that starts at the oldest held seq: a hole
 *    above it (say, from a reconnect) is filled with `after=<cursor>` before anything else.
 *  - A pending send is "queued" (not on the wire), "sent" (waiting for its ack until `deadline`) or
 *    "failed". Any stored message of ours carrying the same client_id resolves it: an ack, or the same
 *    message seen in a catch-up page after the ack was lost.
 */
import { startOfLocalDay } from "./i18n/format";
import { msg, type Msg } from "./i18n/translate";
import type { Message, MessageFile, User } from "./protocol";

export { startOfLocalDay } from "./i18n/format";

export type PendingState = "queued" | "sent" | "failed";

export interface PendingSend {
  clientId: string;
  roomId: number;
  body: string;
  /** local time the user pressed send (ms) — used for display ordering and time labels */
  createdAt: number;
  state: PendingState;
  /** when state === "sent": local time after which it fails for lack of an ack */
  deadline: number | null;
  /** why it failed, for display */
  error: Msg | null;
  /** files sent with it (uploaded already; their ids go in `file_ids`) */
  files: MessageFile[];
}

interface RoomLog {
  bySeq: Map<number, Message>;
  sorted: Message[] | null;
  loaded: boolean;
  /** older pages exist below the oldest held seq */
  hasOlder: boolean;
}

export class MessageStore {
  private readonly rooms = new Map<number, RoomLog>();
  private readonly pending = new Map<string, PendingSend>();
  private selfId: number | null = null;

  setSelf(userId: number | null): void {
    this.selfId = userId;
  }

  private log(roomId: number): RoomLog {
    let log = this.rooms.get(roomId);
    if (!log) {
      log = { bySeq: new Map(), sorted: null, loaded: false, hasOlder: true };
      this.rooms.set(roomId, log);
    }
    return log;
  }

  /**
   * Adds messages (any order, duplicates allowed); a held one is replaced by a copy with a higher change_seq.
   * Returns the ones that were new.
   */
  insert(roomId: number, messages: readonly Message[]): Message[] {
    const log = this.log(roomId);
    const added: Message[] = [];
    for (const m of messages) {
      if (m.room_id !== roomId) continue;
      const held = log.bySeq.get(m.seq);
      if (!held) {
        log.bySeq.set(m.seq, m);
        added.push(m);
        log.sorted = null;
      } else if ((m.change_seq ?? 0) > (held.change_seq ?? 0)) {
        log.bySeq.set(m.seq, m);
        log.sorted = null;
      }
      if (this.selfId !== null && m.user.id === this.selfId && m.client_id) {
        this.pending.delete(m.client_id);
      }
    }
    return added;
  }

  /** The held message with this seq. */
  get(roomId: number, seq: number): Message | undefined {
    return this.rooms.get(roomId)?.bySeq.get(seq);
  }

  /** Puts a changed message in place of the held one (changes_data.applyChange decided it is newer). */
  replace(m: Message): void {
    const log = this.rooms.get(m.room_id);
    if (!log?.bySeq.has(m.seq)) return;
    log.bySeq.set(m.seq, m);
    log.sorted = null;
  }

  /** Stores the newest page of a room (no cursor) and marks it loaded. */
  applyNewestPage(roomId: number, messages: readonly Message[], hasMore: boolean): Message[] {
    const log = this.log(roomId);
    const prevOldest = this.oldestSeq(roomId);
    const added = this.insert(roomId, messages);
    // Only a page that reaches at least as low as what is held says anything about older messages.
    if (!log.loaded || prevOldest === 0 || (messages.length > 0 && messages[0].seq <= prevOldest)) {
      log.hasOlder = hasMore;
    }
    log.loaded = true;
    return added;
  }

  /** Stores a page fetched with before=<oldest>. */
  applyOlderPage(roomId: number, messages: readonly Message[], hasMore: boolean): Message[] {
    const log = this.log(roomId);
    const added = this.insert(roomId, messages);
    log.hasOlder = hasMore;
    return added;
  }

  /**
   * Stores a page fetched with around=<seq> (a search result and its neighbours) and marks the room loaded. What
   * lies between it and newer held messages is a hole above the contiguous run, closed by the catch-up.
   */
  applyAroundPage(roomId: number, messages: readonly Message[], hasMoreBefore: boolean): Message[] {
    const log = this.log(roomId);
    const prevOldest = this.oldestSeq(roomId);
    const added = this.insert(roomId, messages);
    if (!log.loaded || prevOldest === 0 || (messages.length > 0 && messages[0].seq <= prevOldest)) {
      log.hasOlder = hasMoreBefore;
    }
    log.loaded = true;
    return added;
  }

  isLoaded(roomId: number): boolean {
    return this.rooms.get(roomId)?.loaded ?? false;
  }

  hasOlder(roomId: number): boolean {
    const log = this.rooms.get(roomId);
    return log ? log.hasOlder : true;
  }

  /** Messages of a room, oldest first. */
  list(roomId: number): readonly Message[] {
    const log = this.rooms.get(roomId);
    if (!log) return [];
    if (!log.sorted) log.sorted = [...log.bySeq.values()].sort((a, b) => a.seq - b.seq);
    return log.sorted;
  }

  has(roomId: number, seq: number): boolean {
    return this.rooms.get(roomId)?.bySeq.has(seq) ?? false;
  }

  /** Lowest held seq (the `before=` cursor for older pages), or 0 when nothing is held. */
  oldestSeq(roomId: number): number {
    const list = this.list(roomId);
    return list.length ? list[0].seq : 0;
  }

  /** Highest held seq, or 0. */
  newestSeq(roomId: number): number {
    const list = this.list(roomId);
    return list.length ? list[list.length - 1].seq : 0;
  }

  /**
   * The catch-up cursor: the top of the contiguous run starting at the oldest held seq (0 when nothing
   * is held). Fetching `after=` this value until `has_more` is false closes any hole.
   */
  contiguousTop(roomId: number): number {
    const list = this.list(roomId);
    if (!list.length) return 0;
    let top = list[0].seq;
    for (let i = 1; i < list.length; i++) {
      if (list[i].seq !== top + 1) break;
      top = list[i].seq;
    }
    return top;
  }

  /** Forgets everything held for a room (left the room, or a fresh start). */
  dropRoom(roomId: number): void {
    this.rooms.delete(roomId);
    for (const [id, p] of this.pending) if (p.roomId === roomId) this.pending.delete(id);
  }

  /** On a new connection: rooms never opened forget their live messages (see module policy). */
  resetUnloaded(): void {
    for (const [id, log] of this.rooms) if (!log.loaded) this.rooms.delete(id);
  }

  // ---- outbox ---------------------------------------------------------------------------------

  addPending(roomId: number, clientId: string, body: string, now: number, files: MessageFile[] = []): PendingSend {
    const p: PendingSend = { clientId, roomId, body, createdAt: now, state: "queued", deadline: null, error: null, files };
    this.pending.set(clientId, p);
    return p;
  }

  getPending(clientId: string): PendingSend | undefined {
    return this.pending.get(clientId);
  }

  /** Pending sends of a room in the order the user made them. */
  pendingFor(roomId: number): PendingSend[] {
    return [...this.pending.values()].filter((p) => p.roomId === roomId);
  }

  allPending(): PendingSend[] {
    return [...this.pending.values()];
  }

  /** The frame went out on the wire now; it fails if no ack by now + timeoutMs. */
  markSent(clientId: string, now: number, timeoutMs: number): void {
    const p = this.pending.get(clientId);
    if (!p) return;
    p.state = "sent";
    p.deadline = now + timeoutMs;
    p.error = null;
  }

  markFailed(clientId: string, error: Msg): boolean {
    const p = this.pending.get(clientId);
    if (!p) return false;
    p.state = "failed";
    p.deadline = null;
    p.error = error;
    return true;
  }

  /** User pressed Retry: back to queued (the same client_id goes out again; the server dedupes). */
  markRetry(clientId: string): PendingSend | undefined {
    const p = this.pending.get(clientId);
    if (!p) return undefined;
    p.state = "queued";
    p.deadline = null;
    p.error = null;
    return p;
  }

  /** The socket dropped: sends that were on the wire without an ack go back to the queue. */
  requeueInFlight(): void {
    for (const p of this.pending.values()) {
      if (p.state === "sent") {
        p.state = "queued";
        p.deadline = null;
      }
    }
  }

  /** Sends waiting to go out (in order). */
  queued(): PendingSend[] {
    return [...this.pending.values()].filter((p) => p.state === "queued");
  }

  /** Marks sent-but-unacked sends past their deadline as failed; returns their client ids. */
  expire(now: number, reason: Msg = msg("messages.noAck")): string[] {
    const failed: string[] = [];
    for (const p of this.pending.values()) {
      if (p.state === "sent" && p.deadline !== null && now >= p.deadline) {
        p.state = "failed";
        p.deadline = null;
        p.error = reason;
        failed.push(p.clientId);
      }
    }
    return failed;
  }

  discardPending(clientId: string): void {
    this.pending.delete(clientId);
  }
}

// ---- rows for display: day separators and grouping --------------------------------------------

/** Messages from one author closer than this are drawn as one group (header shown once). */
export const GROUP_WINDOW_MS = 5 * 60_000;

export interface DayRow {
  kind: "day";
  key: string;
  /** local midnight of that day (ms) */
  day: number;
}
export interface MessageRow {
  kind: "message";
  key: string;
  message: Message;
  /** continues the previous row's group: same author, same day, within GROUP_WINDOW_MS */
  grouped: boolean;
}
export interface PendingRow {
  kind: "pending";
  key: string;
  pending: PendingSend;
  grouped: boolean;
}
export type Row = DayRow | MessageRow | PendingRow;

/**
 * Turns a room's messages (oldest first) and its pending sends into display rows with day separators
 * and grouping flags. `self` is the author of the pending sends.
 */
export function buildRows(messages: readonly Message[], pending: readonly PendingSend[], self: User | null): Row[] {
  const rows: Row[] = [];
  let prevDay = -1;
  let prevAuthor = -1;
  let prevTime = -Infinity;
  const push = (time: number, authorId: number, make: (grouped: boolean) => Row) => {
    const day = startOfLocalDay(time);
    if (day !== prevDay) {
      rows.push({ kind: "day", key: `day-${day}`, day });
      prevDay = day;
      prevAuthor = -1;
    }
    const grouped = authorId === prevAuthor && time - prevTime >= 0 && time - prevTime < GROUP_WINDOW_MS;
    rows.push(make(grouped));
    prevAuthor = authorId;
    prevTime = time;
  };
  for (const m of messages) {
    push(m.created_at, m.user.id, (grouped) => ({ kind: "message", key: `m-${m.seq}`, message: m, grouped }));
  }
  const selfId = self?.id ?? 0;
  for (const p of pending) {
    // A pending send is shown after everything confirmed; its time is never earlier than the last row's.
    const time = Math.max(p.createdAt, prevTime === -Infinity ? p.createdAt : prevTime);
    push(time, selfId, (grouped) => ({ kind: "pending", key: `p-${p.clientId}`, pending: p, grouped }));
  }
  return rows;
}

/** The rows of one local day: what the message view draws under one day heading. */
export interface DayGroup {
  key: string;
  /** local midnight of that day (ms) */
  day: number;
  rows: (MessageRow | PendingRow)[];
}

/**
 * Folds display rows into days, so the view can give each day a heading and its own list (a list holds only
 * list items: the day label is not one of them).
 */
export function groupByDay(rows: readonly Row[]): DayGroup[] {
  const days: DayGroup[] = [];
  for (const row of rows) {
    if (row.kind === "day") days.push({ key: row.key, day: row.day, rows: [] });
    else if (days.length) days[days.length - 1].rows.push(row);
  }
  return days;
}
