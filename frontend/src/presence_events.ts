/**
 * Presence: the `presence` and `presence.batch` frames and the `hello` snapshot (into presence_data.ts), and our own status —
 * online while the user is active on a visible page, idle when it is hidden or after `idle_after_ms`
 * without input — reported with `presence.set` only when it changes, and again after every `hello`
 * (a new connection starts online on the server).
 */
import type { ChatClient } from "./client";
import type { Config, PresenceEntry } from "./protocol";
import { ActivityTracker } from "./presence_data";
import type { FrameOf } from "./server_events_dispatch";

export class PresenceEvents {
  private readonly c: ChatClient;
  private readonly activity: ActivityTracker;
  /** our status as the server knows it for this connection */
  private reportedStatus: "online" | "idle" = "online";

  constructor(c: ChatClient) {
    this.c = c;
    this.activity = new ActivityTracker(c.config.idle_after_ms, c.now(), c.isHidden());
  }

  onPresence(f: FrameOf<"presence">): void {
    this.c.presenceData.applyFrame(f.user, f.status, f.last_seen, f.at, this.c.now());
    this.c.members.maybeRefresh(f.user.id);
  }

  /** Several changes at once (one interval's, or the answer to `presence.watch`): each as a `presence` frame. */
  onBatch(f: FrameOf<"presence.batch">): void {
    const now = this.c.now();
    for (const change of f.changes) {
      this.c.presenceData.applyFrame(change.user, change.status, change.last_seen, change.at, now);
    }
    for (const change of f.changes) this.c.members.maybeRefresh(change.user.id);
  }

  /** `hello`: the snapshot replaces what we knew; the new connection is told our status if it is not online. */
  hello(entries: readonly PresenceEntry[], config: Config): void {
    this.activity.setIdleAfter(config.idle_after_ms);
    this.c.presenceData.applyHello(entries, this.c.now());
    this.reportedStatus = "online";
    this.report();
  }

  get ownStatus(): "online" | "idle" {
    return this.activity.status;
  }

  /** Any keyboard/pointer input on the page. */
  userActivity(): void {
    if (this.activity.input(this.c.now())) this.report();
  }

  /** The page was hidden or shown. */
  visibility(hidden: boolean): void {
    if (this.activity.visibility(hidden, this.c.now())) this.report();
  }

  /** The periodic sweep: true when we just went idle. */
  tick(now: number): boolean {
    if (!this.activity.tick(now)) return false;
    this.report();
    return true;
  }

  private report(): void {
    const status = this.activity.status;
    if (status === this.reportedStatus) return;
    if (this.c.sendFrame({ type: "presence.set", status })) this.reportedStatus = status;
  }
}
