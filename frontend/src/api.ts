/**
 * REST client for /api (docs/protocol.md "REST"). Same-origin, JSON in and out.
 *
 * Failures come in two kinds the views treat differently:
 *  - ApiError: the server answered with `{"error": {code, message, fields?}}` (or at least an HTTP error status);
 *  - NetworkError: no answer at all (server down, connection refused, offline).
 */
import type {
  ChangesResponse,
  DmOpenBody,
  MuteResponse,
  AdminInvite,
  AdminOnlineResponse,
  AdminRoom,
  AdminRoomsResponse,
  AdminSessionsResponse,
  AdminStats,
  AdminStatsResponse,
  AdminUser,
  AdminUserResponse,
  AdminUsersResponse,
  OnlineEntry,
  RemovedResponse,
  InviteCreatedResponse,
  InviteResponse,
  InvitesResponse,
  Me,
  Member,
  MemberResponse,
  MembersResponse,
  MessagesAroundResponse,
  MessagesResponse,
  PresenceEntry,
  PresenceResponse,
  RegistrationMode,
  RegistrationResponse,
  Room,
  RoomResponse,
  RoomsResponse,
  SearchResponse,
  SharedRoom,
  SharedRoomResponse,
  UserResponse,
} from "./protocol";
import { errorMsg } from "./i18n/errors";
import { msg, type Msg } from "./i18n/translate";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string[]>;
  /** `rate_limited`: how long to wait before trying again (ms), when the server says */
  readonly retryAfterMs: number | null;

  constructor(
    status: number,
    code: string,
    message: string,
    fields: Record<string, string[]> = {},
    retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.retryAfterMs = retryAfterMs;
  }
}

export class NetworkError extends Error {
  constructor(message = "Cannot reach the server. Check your connection and try again.") {
    super(message);
    this.name = "NetworkError";
  }
}

/** The most accounts the server gives in one page of GET /api/admin/users. */
export const ADMIN_PAGE_MAX = 200;

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

function parseErrorBody(status: number, body: unknown): ApiError {
  if (typeof body === "object" && body !== null && "error" in body) {
    const err = (body as { error: unknown }).error;
    if (typeof err === "object" && err !== null) {
      const e = err as { code?: unknown; message?: unknown; fields?: unknown; retry_after_ms?: unknown };
      const code = typeof e.code === "string" ? e.code : `http_${status}`;
      const message = typeof e.message === "string" ? e.message : `Request failed (${status})`;
      const fields: Record<string, string[]> = {};
      if (typeof e.fields === "object" && e.fields !== null) {
        for (const [k, v] of Object.entries(e.fields as Record<string, unknown>)) {
          if (Array.isArray(v)) fields[k] = v.map(String);
          else if (typeof v === "string") fields[k] = [v];
        }
      }
      const retry = typeof e.retry_after_ms === "number" && e.retry_after_ms >= 0 ? e.retry_after_ms : null;
      return new ApiError(status, code, message, fields, retry);
    }
  }
  // A 5xx without our envelope is a proxy's page (502 while the backend restarts, the dev server's proxy error):
  // to a user that is "server unreachable".
  if (status >= 500) {
    return new ApiError(status, "server_unavailable", "The server is not available right now. Try again shortly.");
  }
  return new ApiError(status, `http_${status}`, `Request failed (${status})`);
}

export class Api {
  private readonly fetchFn: FetchLike;
  private readonly base: string;

  constructor(fetchFn: FetchLike = (input, init) => fetch(input, init), base = "/api") {
    this.fetchFn = fetchFn;
    this.base = base;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = {
      method,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    };
    if (body !== undefined) {
      init.headers = { Accept: "application/json", "Content-Type": "application/json" };
      init.body = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await this.fetchFn(this.base + path, init);
    } catch {
      throw new NetworkError();
    }
    if (res.status === 204) return undefined as T;
    let parsed: unknown = undefined;
    const text = await res.text().catch(() => "");
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!res.ok) throw parseErrorBody(res.status, parsed);
    return parsed as T;
  }

  // ---- auth ----
  async me(): Promise<Me> {
    return (await this.request<UserResponse>("GET", "/me")).user;
  }
  /** Who may register here: the login screen offers registration (with or without an invite) accordingly. */
  async registration(): Promise<RegistrationMode> {
    return (await this.request<RegistrationResponse>("GET", "/auth/registration")).registration;
  }
  async register(username: string, password: string, invite: string | null = null): Promise<Me> {
    const body = invite ? { username, password, invite } : { username, password };
    return (await this.request<UserResponse>("POST", "/auth/register", body)).user;
  }
  async login(username: string, password: string): Promise<Me> {
    return (await this.request<UserResponse>("POST", "/auth/login", { username, password })).user;
  }
  async logout(): Promise<void> {
    await this.request<void>("POST", "/auth/logout");
  }
  /** Ends every session of the user (this one too) and answers with a fresh session cookie. */
  async changePassword(currentPassword: string, newPassword: string): Promise<Me> {
    return (
      await this.request<UserResponse>("POST", "/auth/password", {
        current_password: currentPassword,
        new_password: newPassword,
      })
    ).user;
  }

  // ---- rooms ----
  async rooms(): Promise<Room[]> {
    return (await this.request<RoomsResponse>("GET", "/rooms")).rooms;
  }
  async createRoom(name: string, topic: string, isPrivate: boolean): Promise<Room> {
    return (await this.request<RoomResponse>("POST", "/rooms", { name, topic, private: isPrivate })).room;
  }
  async joinRoom(roomId: number): Promise<Room> {
    return (await this.request<RoomResponse>("POST", `/rooms/${roomId}/join`)).room;
  }
  async leaveRoom(roomId: number): Promise<void> {
    await this.request<void>("POST", `/rooms/${roomId}/leave`);
  }
  async members(roomId: number): Promise<Member[]> {
    return (await this.request<MembersResponse>("GET", `/rooms/${roomId}/members`)).members;
  }
  async addMember(roomId: number, username: string): Promise<Member> {
    return (await this.request<MemberResponse>("POST", `/rooms/${roomId}/members`, { username })).member;
  }

  // ---- messages ----
  async messages(
    roomId: number,
    cursor: { before?: number; after?: number; limit?: number } = {},
  ): Promise<MessagesResponse> {
    const q = new URLSearchParams();
    if (cursor.before !== undefined) q.set("before", String(cursor.before));
    if (cursor.after !== undefined) q.set("after", String(cursor.after));
    if (cursor.limit !== undefined) q.set("limit", String(cursor.limit));
    const qs = q.toString();
    return this.request<MessagesResponse>("GET", `/rooms/${roomId}/messages${qs ? `?${qs}` : ""}`);
  }

  /** Up to `limit` messages centred on `seq` (a search result's neighbours). */
  async messagesAround(roomId: number, seq: number, limit: number): Promise<MessagesAroundResponse> {
    return this.request<MessagesAroundResponse>("GET", `/rooms/${roomId}/messages?around=${seq}&limit=${limit}`);
  }

  /** Messages matching `q` (which may hold `from:name` and `in:room`), newest first; `before`: the next page. */
  async search(q: string, opts: { roomId?: number; before?: number; limit?: number } = {}): Promise<SearchResponse> {
    const p = new URLSearchParams({ q });
    if (opts.roomId !== undefined) p.set("room_id", String(opts.roomId));
    if (opts.before !== undefined) p.set("before", String(opts.before));
    if (opts.limit !== undefined) p.set("limit", String(opts.limit));
    return this.request<SearchResponse>("GET", `/search?${p.toString()}`);
  }

  /** A page of changes after the cursor `since` (docs/protocol.md "Changes"). */
  async changes(roomId: number, since: number, limit: number): Promise<ChangesResponse> {
    return this.request<ChangesResponse>("GET", `/rooms/${roomId}/changes?since=${since}&limit=${limit}`);
  }
  /** The DM of the caller and these people: made on first use, the same room afterwards. */
  async openDm(usernames: string[]): Promise<Room> {
    const body: DmOpenBody = { usernames };
    return (await this.request<RoomResponse>("POST", "/dms", body)).room;
  }
  async setMuted(roomId: number, muted: boolean): Promise<MuteResponse> {
    return this.request<MuteResponse>("PUT", `/rooms/${roomId}/mute`, { muted });
  }

  async presence(): Promise<PresenceEntry[]> {
    return (await this.request<PresenceResponse>("GET", "/presence")).presence;
  }

  // ---- admin (403 forbidden for everyone but administrators) ----
  /** Every account, page after page (the members panel's "disabled" marks). */
  async adminUsers(): Promise<AdminUser[]> {
    const all: AdminUser[] = [];
    for (;;) {
      const page = await this.adminSearchUsers("", all.length, ADMIN_PAGE_MAX);
      all.push(...page.users);
      if (page.users.length < ADMIN_PAGE_MAX || all.length >= page.total) return all;
    }
  }
  /** One page of the accounts whose username contains `q` (any case), and how many match in all. */
  async adminSearchUsers(q: string, offset: number, limit: number): Promise<AdminUsersResponse> {
    const query = new URLSearchParams({ q, offset: String(offset), limit: String(limit) });
    return this.request<AdminUsersResponse>("GET", `/admin/users?${query.toString()}`);
  }
  async adminSetAdmin(userId: number, isAdmin: boolean): Promise<AdminUser> {
    return (await this.request<AdminUserResponse>("PUT", `/admin/users/${userId}/admin`, { is_admin: isAdmin })).user;
  }
  /** Logs the user out everywhere; the answer says how many sessions ended. */
  async adminEndSessions(userId: number): Promise<AdminSessionsResponse> {
    return this.request<AdminSessionsResponse>("DELETE", `/admin/users/${userId}/sessions`);
  }
  async adminRooms(): Promise<AdminRoom[]> {
    return (await this.request<AdminRoomsResponse>("GET", "/admin/rooms")).rooms;
  }
  async adminRenameRoom(roomId: number, name: string): Promise<SharedRoom> {
    return (await this.request<SharedRoomResponse>("PATCH", `/admin/rooms/${roomId}`, { name })).room;
  }
  async adminRoomMembers(roomId: number): Promise<Member[]> {
    return (await this.request<MembersResponse>("GET", `/admin/rooms/${roomId}/members`)).members;
  }
  async adminRemoveMember(roomId: number, userId: number): Promise<boolean> {
    return (await this.request<RemovedResponse>("DELETE", `/admin/rooms/${roomId}/members/${userId}`)).removed;
  }
  async adminOnline(): Promise<OnlineEntry[]> {
    return (await this.request<AdminOnlineResponse>("GET", "/admin/online")).online;
  }
  async adminStats(): Promise<AdminStats> {
    return (await this.request<AdminStatsResponse>("GET", "/admin/stats")).stats;
  }
  async adminSetDisabled(userId: number, disabled: boolean): Promise<AdminUser> {
    const action = disabled ? "disable" : "enable";
    return (await this.request<AdminUserResponse>("POST", `/admin/users/${userId}/${action}`)).user;
  }
  async adminSetArchived(roomId: number, archived: boolean): Promise<SharedRoom> {
    const action = archived ? "archive" : "unarchive";
    return (await this.request<SharedRoomResponse>("POST", `/admin/rooms/${roomId}/${action}`)).room;
  }
  async adminInvites(): Promise<AdminInvite[]> {
    return (await this.request<InvitesResponse>("GET", "/admin/invites")).invites;
  }
  /** A new invite and its token: the only time the server shows the token. */
  async adminCreateInvite(expiresS: number): Promise<InviteCreatedResponse> {
    return this.request<InviteCreatedResponse>("POST", "/admin/invites", { expires_s: expiresS });
  }
  async adminRevokeInvite(inviteId: number): Promise<AdminInvite> {
    return (await this.request<InviteResponse>("DELETE", `/admin/invites/${inviteId}`)).invite;
  }
}

/**
 * What to show for an error, in the user's language (the view translates the Msg): a server error by its stable
 * code (i18n/errors.ts), no answer at all as "cannot reach the server", anything else as unexpected.
 */
export function describeError(err: unknown): Msg {
  if (err instanceof NetworkError) return msg("error.network");
  if (err instanceof ApiError && err.code === "rate_limited" && err.retryAfterMs !== null) {
    return msg("error.rate_limitedWait", { count: Math.max(1, Math.ceil(err.retryAfterMs / 1000)) });
  }
  if (err instanceof ApiError) return errorMsg(err.code, err.status);
  return msg("error.unexpected", { detail: err instanceof Error ? err.message : String(err) });
}
