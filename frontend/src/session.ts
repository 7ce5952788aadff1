/**
 * The login session as the chat page sees it: logout, the session ending under us (close code 4401, or a 401
 * from /api/me after a refused handshake), and the password change.
 *
 * Password change ("session rotation"): the server ends every session of the user, this one included, so our
 * own socket is closed with 4401 — possibly before the HTTP answer arrives — and the answer carries a fresh
 * cookie. While the request is pending, a lost session (4401, or a 401 from /api/me) is held instead of
 * logging out; on success the socket reconnects with the new cookie; on failure a held loss is checked
 * with /api/me (a 403 means the password did not change, so a 4401 then was a real end).
 */
import { ApiError, describeError } from "./api";
import type { ChatClient } from "./client";
import type { Me } from "./protocol";

export type SessionEndReason = "logout" | "ended";

export class Session {
  private readonly c: ChatClient;
  /** a password change in flight: a session loss seen meanwhile is held here (see module comment) */
  private rotation: { lost: boolean } | null = null;
  /** bumped when the session cookie is replaced: answers to requests made with the old one are stale */
  private epoch = 0;

  constructor(c: ChatClient) {
    this.c = c;
  }

  /** A password change is pending: a session loss now is held, not acted on. */
  get rotating(): boolean {
    return this.rotation !== null;
  }

  async logout(): Promise<void> {
    try {
      await this.c.api.logout();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) {
        this.c.setNotice(describeError(err));
        throw err;
      }
    }
    this.end("logout");
  }

  /** Stops the client and tells the page (login screen); once. */
  end(reason: SessionEndReason): void {
    if (this.c.stopped) return;
    this.c.stop();
    this.c.onSessionEnded?.(reason);
  }

  /** A handshake that fails may be a 401 before the upgrade: ask /api/me whether we are still logged in. */
  async check(): Promise<void> {
    const epoch = this.epoch;
    try {
      await this.c.api.me();
    } catch (err) {
      // A 401 to a request sent with a cookie since replaced says nothing about the current one.
      if (err instanceof ApiError && err.status === 401 && epoch === this.epoch) this.lost();
    }
  }

  /** The server says our session is over: log out, unless a password change is rotating it right now. */
  lost(): void {
    if (this.rotation) this.rotation.lost = true;
    else this.end("ended");
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
      me = await this.c.api.changePassword(currentPassword, newPassword);
    } catch (err) {
      this.rotation = null;
      if (rotation.lost) void this.recheckAfterFailedRotation();
      throw err;
    }
    this.rotation = null;
    this.epoch++;
    this.c.me = { ...this.c.me, ...me };
    // The old socket belongs to the ended session (closed with 4401 now or soon): replace it, ignoring its close.
    if (!this.c.stopped) this.c.restartSocket();
    this.c.changed();
  }

  /** The password change failed but a session loss was held meanwhile: is the old session still alive? */
  private async recheckAfterFailedRotation(): Promise<void> {
    try {
      await this.c.api.me();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.end("ended");
        return;
      }
      // No answer: let the socket's own retries (and their session checks) decide.
    }
    if (!this.c.stopped) this.c.restartSocket();
  }
}
