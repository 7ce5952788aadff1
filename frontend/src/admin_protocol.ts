/** Wire types of the admin API and of invites (docs/protocol.md "Admin API", "Invites"). */
import type { Status, User } from "./protocol";

/** Admin API (docs/protocol.md "Admin API"): an account as administrators see it. */
export interface AdminUser extends User {
  is_admin: boolean;
  disabled: boolean;
  created_at: number;
  last_seen: number | null;
  /** as the answering server process sees it */
  status: Status;
}
export interface AdminUserResponse {
  user: AdminUser;
}
export interface AdminUsersResponse {
  users: AdminUser[];
  /** how many accounts match the search in all */
  total: number;
}
/** PUT/DELETE on an account: DELETE /api/admin/users/{id}/sessions also says how many sessions it ended */
export interface AdminSessionsResponse {
  user: AdminUser;
  ended: number;
}
/** GET /api/admin/rooms: a room (never a DM) as administrators see it */
export interface AdminRoom {
  id: number;
  name: string;
  topic: string;
  private: boolean;
  archived: boolean;
  last_seq: number;
  created_at: number;
  member_count: number;
}
export interface AdminRoomsResponse {
  rooms: AdminRoom[];
}
/** GET /api/admin/online: present on any server process; `connections` counts those to the answering one */
export interface OnlineEntry {
  user: User;
  status: "online" | "idle";
  connections: number;
}
export interface AdminOnlineResponse {
  online: OnlineEntry[];
}
/** GET /api/admin/stats */
export interface AdminStats {
  users: number;
  disabled_users: number;
  admins: number;
  rooms: number;
  archived_rooms: number;
  messages: number;
  sessions: number;
  database_bytes: number;
  database: string;
  online: number;
  connections: number;
}
export interface AdminStatsResponse {
  stats: AdminStats;
}
export interface RemovedResponse {
  removed: boolean;
}

/** Who may register (`GET /api/auth/registration`, the server's REGISTRATION setting). */
export type RegistrationMode = "open" | "invite" | "closed";
export interface RegistrationResponse {
  registration: RegistrationMode;
}
export type InviteState = "active" | "used" | "revoked" | "expired";
/** An invite as admins see it: never its token, which the server shows only once, when it is made. */
export interface AdminInvite {
  id: number;
  state: InviteState;
  created_at: number;
  expires_at: number;
  created_by: User | null;
  used_at: number | null;
  used_by: User | null;
  revoked_at: number | null;
}
export interface InviteCreatedResponse {
  invite: AdminInvite;
  token: string;
}
export interface InviteResponse {
  invite: AdminInvite;
}
export interface InvitesResponse {
  invites: AdminInvite[];
}
