/**
 * Administration (docs/protocol.md "Admin API"), for admins only: the account list behind the members panel's
 * "disabled" marks (fetched quietly on every `hello`), archiving rooms and disabling accounts from the chat
 * screen, and keeping those in step with what the Admin page (admin_data.ts) changes. Everyone else never asks
 * the admin API.
 */
import type { ChatClient } from "./client";
import type { AdminUser, Me, SharedRoom } from "./protocol";

export class AdminEvents {
  private readonly c: ChatClient;
  /** every account by id (GET /api/admin/users), for the disabled flags */
  private accounts: Map<number, AdminUser> | null = null;

  constructor(c: ChatClient) {
    this.c = c;
  }

  get isAdmin(): boolean {
    return this.c.me.is_admin;
  }

  /** `hello`: an admin (re)loads the accounts; a user who is no longer one forgets them. */
  hello(me: Me): void {
    if (me.is_admin) void this.loadAccounts();
    else this.accounts = null;
  }

  /** GET /api/admin/users, quietly: without it the member list only lacks the "disabled" marks. */
  async loadAccounts(): Promise<void> {
    try {
      const list = await this.c.api.adminUsers();
      this.accounts = new Map(list.map((u) => [u.id, u]));
      this.c.changed();
    } catch {
      // Not an admin any more, or the server is away: the next hello tries again.
    }
  }

  /** Known to be disabled (false when unknown). */
  isDisabled(userId: number): boolean {
    return this.accounts?.get(userId)?.disabled ?? false;
  }

  /** Archive or unarchive a room. Members, this page included, also get `room.updated`. */
  async setRoomArchived(roomId: number, archived: boolean): Promise<SharedRoom> {
    const room = await this.c.api.adminSetArchived(roomId, archived);
    // `joined` in the answer is the caller's membership; upsert never un-joins, so a joined room stays joined.
    this.c.roomsData.updateShared(room);
    this.c.changed();
    return room;
  }

  /** An account the Admin page changed: keep its "disabled" mark in step. */
  remember(user: AdminUser): void {
    if (!this.accounts) this.accounts = new Map();
    this.accounts.set(user.id, user);
    this.c.changed();
  }

  /** A room the Admin page archived or renamed: its members (this page, if one) also get `room.updated`. */
  roomChanged(room: SharedRoom): void {
    // Only rooms this page knows: one it never saw is not added by an admin action.
    if (!this.c.roomsData.get(room.id)) return;
    this.c.roomsData.updateShared(room);
    this.c.changed();
  }

  /** Disable (every session ends at once) or enable an account. */
  async setUserDisabled(userId: number, disabled: boolean): Promise<AdminUser> {
    const user = await this.c.api.adminSetDisabled(userId, disabled);
    if (!this.accounts) this.accounts = new Map();
    this.accounts.set(user.id, user);
    this.c.changed();
    return user;
  }
}
