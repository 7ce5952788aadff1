/**
 * Invites (docs/protocol.md "Registration and invites"): reading an invite link, and the admin's invite panel.
 * Data only: no DOM. The views (AuthScreen, InviteDialog) render what this holds.
 */
import type { Api } from "./api";
import { runBusy } from "./busy";
import { msg, type Msg } from "./i18n/translate";
import type { AdminInvite, RegistrationMode } from "./protocol";

/** What an invite token looks like (the server makes 32 URL-safe characters). */
const TOKEN_RE = /^[A-Za-z0-9_-]{16,64}$/;
const PATH_RE = /^\/invite\/([^/]+)\/?$/;

/** The invite token in a link the app was opened with, `/invite/TOKEN` or `/?invite=TOKEN`; null if none. */
export function inviteFromLocation(loc: { pathname: string; search: string }): string | null {
  const fromPath = PATH_RE.exec(loc.pathname);
  let raw: string | null;
  if (fromPath) {
    try {
      raw = decodeURIComponent(fromPath[1]);
    } catch {
      return null;
    }
  } else {
    raw = new URLSearchParams(loc.search).get("invite");
  }
  const token = raw?.trim() ?? "";
  return TOKEN_RE.test(token) ? token : null;
}

/** The link an admin sends: opening it shows registration with the invite filled in. */
export function inviteLink(origin: string, token: string): string {
  return `${origin.replace(/\/+$/, "")}/invite/${encodeURIComponent(token)}`;
}

/** What the login screen offers for creating an account. */
export type RegisterOffer = "form" | "invite-only" | "closed";

export function registerOffer(mode: RegistrationMode | null, invite: string | null): RegisterOffer {
  if (mode === "closed") return "closed";
  if (mode === "invite" && !invite) return "invite-only";
  // Unknown (the server did not say): offer the form; the server refuses if it must.
  return "form";
}

/** Choices for how long a new invite stays valid, in seconds (the server allows 1 s to 90 days). */
export const EXPIRY_CHOICES: readonly { label: Msg; seconds: number }[] = [
  { label: msg("invites.days", { count: 1 }), seconds: 86_400 },
  { label: msg("invites.days", { count: 7 }), seconds: 7 * 86_400 },
  { label: msg("invites.days", { count: 30 }), seconds: 30 * 86_400 },
];
export const DEFAULT_EXPIRY_S = 7 * 86_400;

export function describeInvite(invite: AdminInvite, now: number): Msg {
  const day = 86_400_000;
  switch (invite.state) {
    case "used":
      return invite.used_by ? msg("invites.usedBy", { name: invite.used_by.username }) : msg("invites.used");
    case "revoked":
      return msg("invites.revoked");
    case "expired":
      return msg("invites.expired");
    default: {
      const left = invite.expires_at - now;
      if (left >= 1.5 * day) return msg("invites.activeDays", { count: Math.round(left / day) });
      if (left >= 3_600_000) return msg("invites.activeHours", { count: Math.round(left / 3_600_000) });
      return msg("invites.activeSoon");
    }
  }
}

export interface Clipboard {
  writeText(text: string): Promise<void>;
}

/**
 * The admin's invite panel: the invites, the link just made (shown until the panel closes: the server never
 * shows a token again), and the last error. `onChange` fires after every change, for the view to re-render.
 */
export class InvitePanel {
  invites: AdminInvite[] = [];
  link: string | null = null;
  copied = false;
  busy = false;
  loaded = false;
  error: Msg | null = null;
  onChange: () => void = () => undefined;
  private readonly api: Api;
  private readonly origin: string;
  private readonly clipboard: Clipboard | null;

  constructor(api: Api, origin: string, clipboard: Clipboard | null) {
    this.api = api;
    this.origin = origin;
    this.clipboard = clipboard;
  }

  async load(): Promise<void> {
    await this.run(async () => {
      this.invites = await this.api.adminInvites();
      this.loaded = true;
    });
  }

  /** Make an invite and keep its link; true if it worked. */
  async create(expiresS: number = DEFAULT_EXPIRY_S): Promise<boolean> {
    if (this.busy) return false;
    return this.run(async () => {
      const made = await this.api.adminCreateInvite(expiresS);
      this.link = inviteLink(this.origin, made.token);
      this.copied = false;
      this.invites = [made.invite, ...this.invites.filter((i) => i.id !== made.invite.id)];
    });
  }

  async revoke(inviteId: number): Promise<boolean> {
    return this.run(async () => {
      const revoked = await this.api.adminRevokeInvite(inviteId);
      this.invites = this.invites.map((i) => (i.id === revoked.id ? revoked : i));
    });
  }

  /** Copy the link just made; false (and the view selects the text instead) when there is no clipboard. */
  async copy(): Promise<boolean> {
    if (!this.link || !this.clipboard) return false;
    try {
      await this.clipboard.writeText(this.link);
    } catch {
      return false;
    }
    this.copied = true;
    this.onChange();
    return true;
  }

  private run(work: () => Promise<void>): Promise<boolean> {
    return runBusy(this, () => this.onChange(), work);
  }
}
