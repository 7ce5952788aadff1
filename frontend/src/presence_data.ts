/**
 * Who is online, idle or offline, and the client's own activity reporting. Pure state: callers pass `now`.
 *
 * Incoming: statuses come from three places — the `hello` snapshot, live `presence` frames, and member
 * lists fetched over REST. Frames carry the server's time of the change (`at`) and an older frame never
 * overwrites a newer one. A REST snapshot overwrites only entries not updated since the request was made
 * (`requestedAt`, local time), so a slow response cannot undo a live frame that overtook it.
 *
 * Outgoing: `ActivityTracker` turns input and visibility into online/idle and says when the reported
 * status must change, so `presence.set` goes out only on change.
 */
import type { Member, PresenceEntry, Status, User } from "./protocol";

export interface PresenceInfo {
  status: Status;
  lastSeen: number | null;
  /** server time of the change, when known */
  at: number | null;
  /** local time this entry was last written */
  updatedLocal: number;
}

export class PresenceStore {
  private readonly byUser = new Map<number, PresenceInfo>();

  clear(): void {
    this.byUser.clear();
  }

  /** `hello`: the listed users are online/idle; everyone else we know of is offline now. */
  applyHello(entries: readonly PresenceEntry[], now: number): void {
    const listed = new Set<number>();
    for (const e of entries) {
      listed.add(e.user.id);
      this.byUser.set(e.user.id, { status: e.status, lastSeen: e.last_seen, at: null, updatedLocal: now });
    }
    for (const [id, info] of this.byUser) {
      if (!listed.has(id) && info.status !== "offline") {
        this.byUser.set(id, { ...info, status: "offline", at: null, updatedLocal: now });
      }
    }
  }

  /** A live `presence` frame. Returns false when it was older than what is known. */
  applyFrame(user: User, status: Status, lastSeen: number | null, at: number, now: number): boolean {
    const prev = this.byUser.get(user.id);
    if (prev && prev.at !== null && at < prev.at) return false;
    this.byUser.set(user.id, { status, lastSeen, at, updatedLocal: now });
    return true;
  }

  /** A REST member list (or presence list) requested at local time `requestedAt`. */
  applySnapshot(members: readonly Pick<Member, "id" | "status" | "last_seen">[], requestedAt: number, now: number): void {
    for (const m of members) {
      const prev = this.byUser.get(m.id);
      if (prev && prev.updatedLocal > requestedAt) continue;
      this.byUser.set(m.id, { status: m.status, lastSeen: m.last_seen, at: prev?.at ?? null, updatedLocal: now });
    }
  }

  get(userId: number): PresenceInfo | undefined {
    return this.byUser.get(userId);
  }

  status(userId: number): Status {
    return this.byUser.get(userId)?.status ?? "offline";
  }
}

const STATUS_RANK: Record<Status, number> = { online: 0, idle: 1, offline: 2 };

/** Member list order: online, then idle, then offline; by name within each. */
export function sortMembers<T extends { username: string; status: Status }>(members: readonly T[]): T[] {
  return [...members].sort(
    (a, b) =>
      STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
      a.username.localeCompare(b.username, undefined, { sensitivity: "base" }),
  );
}

/** What the interface shows: the known status, or "unknown" while we are not connected (it may be stale). */
export type ShownStatus = Status | "unknown";

export function shownStatus(status: Status, connected: boolean): ShownStatus {
  return connected ? status : "unknown";
}

export type ActivityStatus = "online" | "idle";

/**
 * The client's own status: idle when the page is hidden or after `idleAfterMs` without input; online on
 * input (or the page becoming visible, which is the user coming back). Every method returns the status to
 * report when it changed, else null.
 */
export class ActivityTracker {
  private idleAfterMs: number;
  private lastInput: number;
  private hidden: boolean;
  private current: ActivityStatus;

  constructor(idleAfterMs: number, now: number, hidden = false) {
    this.idleAfterMs = idleAfterMs;
    this.lastInput = now;
    this.hidden = hidden;
    this.current = hidden ? "idle" : "online";
  }

  setIdleAfter(ms: number): void {
    this.idleAfterMs = ms;
  }

  get status(): ActivityStatus {
    return this.current;
  }

  private set(next: ActivityStatus): ActivityStatus | null {
    if (next === this.current) return null;
    this.current = next;
    return next;
  }

  input(now: number): ActivityStatus | null {
    this.lastInput = now;
    return this.hidden ? null : this.set("online");
  }

  visibility(hidden: boolean, now: number): ActivityStatus | null {
    this.hidden = hidden;
    if (hidden) return this.set("idle");
    return this.input(now);
  }

  /** Periodic check: idle after the quiet period. */
  tick(now: number): ActivityStatus | null {
    if (!this.hidden && now - this.lastInput >= this.idleAfterMs) return this.set("idle");
    return null;
  }
}
