/**
 * Read state, pure: the server's counts (Room.unread / mentions / last_read_seq) kept current between hellos,
 * where the first unread message is, and when a `read` frame may go out. No I/O, no timers: time is passed in.
 *
 * Policy (docs/protocol.md "Read state"): a Room's counts cover the seqs up to its `last_seq`; a message that
 * arrives later with a seq above both that and the marker, by someone else and not deleted, adds one to
 * `unread` (and to `mentions` if it names the reader). A `read` frame moves the marker forward only; at or past
 * the newest seq both counts become 0, below it they are recounted from the messages held (or, for a room whose
 * history is not held, capped by the seqs left: the next hello brings the exact numbers).
 */
import type { Message, Room } from "./protocol";

export interface ReadCounts {
  last_read_seq: number;
  unread: number;
  mentions: number;
}

/** Whether a message counts as unread for `meId` once it is after the marker. */
export function countsAsUnread(m: Message, meId: number): boolean {
  return m.user.id !== meId && !m.deleted;
}

export function mentionsUser(m: Message, meId: number): boolean {
  return (m.mentions ?? []).includes(meId);
}

/** The counts after a live message above everything the counts covered (see module policy). */
export function countNew(counts: ReadCounts, m: Message, meId: number): ReadCounts {
  if (m.seq <= counts.last_read_seq || !countsAsUnread(m, meId)) return counts;
  return { ...counts, unread: counts.unread + 1, mentions: counts.mentions + (mentionsUser(m, meId) ? 1 : 0) };
}

/**
 * The counts after the marker moved to `seq` (a `read` frame). `held` are the room's messages this client has
 * (oldest first; may be empty), `latest` the newest seq known.
 */
export function applyReadMarker(counts: ReadCounts, seq: number, latest: number, held: readonly Message[], meId: number): ReadCounts {
  if (seq <= counts.last_read_seq) return counts;
  if (seq >= latest) return { last_read_seq: seq, unread: 0, mentions: 0 };
  const oldestHeld = held.length ? held[0].seq : Infinity;
  if (oldestHeld <= seq + 1) {
    let unread = 0;
    let mentions = 0;
    for (const m of held) {
      if (m.seq <= seq || !countsAsUnread(m, meId)) continue;
      unread++;
      if (mentionsUser(m, meId)) mentions++;
    }
    return { last_read_seq: seq, unread, mentions };
  }
  const left = latest - seq;
  return { last_read_seq: seq, unread: Math.min(counts.unread, left), mentions: Math.min(counts.mentions, left) };
}

/** The seq of the first unread message (for the "new messages" line), or null when nothing is unread. */
export function firstUnreadSeq(messages: readonly Message[], marker: number, meId: number): number | null {
  for (const m of messages) if (m.seq > marker && countsAsUnread(m, meId)) return m.seq;
  return null;
}

/** Unread messages over the rooms, muted rooms left out (their badge is silenced). */
export function totalUnread(rooms: readonly Room[]): number {
  let n = 0;
  for (const r of rooms) if (!r.muted) n += r.unread;
  return n;
}

/** A `read` frame at most this often per room: the server's budget for read/typing/presence frames is 2 per second. */
export const READ_SEND_INTERVAL_MS = 1_000;

/**
 * When `read` frames go out: at once when the room's last one is older than READ_SEND_INTERVAL_MS, else the
 * latest seq waits for `due` (a later seq replaces a waiting one: it covers it). Never a seq the server
 * already has from this page.
 */
export class ReadThrottle {
  private readonly sentSeq = new Map<number, number>();
  private readonly sentAt = new Map<number, number>();
  private readonly waiting = new Map<number, number>();

  /** The reader has seen the room up to `seq`: true to send now (and it counts as sent), false if it waits. */
  want(roomId: number, seq: number, now: number): boolean {
    if (seq <= (this.sentSeq.get(roomId) ?? 0)) return false;
    const at = this.sentAt.get(roomId);
    if (at === undefined || now - at >= READ_SEND_INTERVAL_MS) {
      this.sent(roomId, seq, now);
      return true;
    }
    this.waiting.set(roomId, Math.max(seq, this.waiting.get(roomId) ?? 0));
    return false;
  }

  /** Waiting reads whose interval is over, as [roomId, seq]; they count as sent. */
  due(now: number): [number, number][] {
    const out: [number, number][] = [];
    for (const [roomId, seq] of this.waiting) {
      if (now - (this.sentAt.get(roomId) ?? -Infinity) < READ_SEND_INTERVAL_MS) continue;
      this.waiting.delete(roomId);
      if (seq > (this.sentSeq.get(roomId) ?? 0)) {
        this.sent(roomId, seq, now);
        out.push([roomId, seq]);
      }
    }
    return out;
  }

  /** The server told us the marker (hello or a `read` frame): nothing at or below it needs sending. */
  known(roomId: number, seq: number): void {
    if (seq > (this.sentSeq.get(roomId) ?? 0)) this.sentSeq.set(roomId, seq);
  }

  /** A new connection: what the old one sent may not have arrived; the next hello says what did. */
  reset(): void {
    this.sentSeq.clear();
    this.sentAt.clear();
    this.waiting.clear();
  }

  private sent(roomId: number, seq: number, now: number): void {
    this.sentSeq.set(roomId, seq);
    this.sentAt.set(roomId, now);
  }
}
