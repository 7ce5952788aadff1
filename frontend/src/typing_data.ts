/**
 * Typing state, both ways. Pure: every call takes `now` (ms).
 *
 * Incoming (`TypingStore`): who is typing in which room. A `typing` frame with active=true starts or
 * refreshes a state that expires locally after `expiryMs` without a refresh — a safety net for a lost
 * active=false; the server ends stale states too.
 *
 * Outgoing (`TypingSender`): turns composer activity into frames — active=true at most once per
 * `refreshMs` while the user types, active=false once when the composer is cleared, loses focus or the
 * message is sent. (Zulip's typing_status.ts follows the same shape.)
 */
import { msg, type Msg } from "./i18n/translate";
import type { User } from "./protocol";

interface Typer {
  user: User;
  expiresAt: number;
}

export class TypingStore {
  private readonly rooms = new Map<number, Map<number, Typer>>();
  private expiryMs: number;

  constructor(expiryMs: number) {
    this.expiryMs = expiryMs;
  }

  setExpiry(ms: number): void {
    this.expiryMs = ms;
  }

  clear(): void {
    this.rooms.clear();
  }

  apply(roomId: number, user: User, active: boolean, now: number): void {
    let room = this.rooms.get(roomId);
    if (active) {
      if (!room) {
        room = new Map();
        this.rooms.set(roomId, room);
      }
      room.set(user.id, { user, expiresAt: now + this.expiryMs });
    } else if (room) {
      room.delete(user.id);
      if (room.size === 0) this.rooms.delete(roomId);
    }
  }

  /** A user stopped typing everywhere (they sent a message in a room, left, or went offline). */
  stop(roomId: number, userId: number): void {
    this.rooms.get(roomId)?.delete(userId);
  }

  /** Users typing in a room now, by name. */
  typers(roomId: number, now: number): User[] {
    const room = this.rooms.get(roomId);
    if (!room) return [];
    return [...room.values()]
      .filter((t) => t.expiresAt > now)
      .map((t) => t.user)
      .sort((a, b) => a.username.localeCompare(b.username, undefined, { sensitivity: "base" }));
  }

  /** Drops expired states; true when anything changed. */
  sweep(now: number): boolean {
    let changed = false;
    for (const [roomId, room] of this.rooms) {
      for (const [userId, t] of room) {
        if (t.expiresAt <= now) {
          room.delete(userId);
          changed = true;
        }
      }
      if (room.size === 0) this.rooms.delete(roomId);
    }
    return changed;
  }

  /** The earliest expiry among current states, or null. */
  nextExpiry(): number | null {
    let next: number | null = null;
    for (const room of this.rooms.values()) {
      for (const t of room.values()) if (next === null || t.expiresAt < next) next = t.expiresAt;
    }
    return next;
  }
}

/** "Ana is typing…", "Ana and Bo are typing…", "Several people are typing…"; null for nobody. */
export function describeTypers(users: readonly User[]): Msg | null {
  if (users.length === 0) return null;
  if (users.length === 1) return msg("typing.one", { name: users[0].username });
  if (users.length === 2) return msg("typing.two", { first: users[0].username, second: users[1].username });
  return msg("typing.many");
}

export interface TypingOut {
  roomId: number;
  active: boolean;
}

export class TypingSender {
  private refreshMs: number;
  /** room we last told the server we are typing in, and when */
  private activeRoom: number | null = null;
  private lastSentAt = -Infinity;

  constructor(refreshMs: number) {
    this.refreshMs = refreshMs;
  }

  setRefresh(ms: number): void {
    this.refreshMs = ms;
  }

  /**
   * The composer of `roomId` changed; `hasText` says whether it holds anything. Returns the frames to send
   * now (possibly none): a stop for another room we were typing in, then a start/refresh or a stop.
   */
  input(roomId: number, hasText: boolean, now: number): TypingOut[] {
    const out: TypingOut[] = [];
    if (this.activeRoom !== null && this.activeRoom !== roomId) out.push(...this.stop());
    if (!hasText) {
      out.push(...this.stop());
      return out;
    }
    if (this.activeRoom !== roomId || now - this.lastSentAt >= this.refreshMs) {
      this.activeRoom = roomId;
      this.lastSentAt = now;
      out.push({ roomId, active: true });
    }
    return out;
  }

  /** Composer blurred, cleared, or message sent: one active=false if we had said true. */
  stop(): TypingOut[] {
    if (this.activeRoom === null) return [];
    const roomId = this.activeRoom;
    this.activeRoom = null;
    this.lastSentAt = -Infinity;
    return [{ roomId, active: false }];
  }

  /** The connection changed: the server forgot our state, so the next keystroke must say true again. */
  reset(): void {
    this.activeRoom = null;
    this.lastSentAt = -Infinity;
  }
}
