/**
 * The Admin page's state (docs/protocol.md "Admin API"): users (a search, one page at a time), rooms and the
 * members of the one opened, who is online, the server's totals; the last error and the last confirmation.
 * Data only: no DOM. The views (views/Admin*.tsx) render what this holds and ask it to act; `onChange` fires
 * after every change. The server decides everything (and refuses non-admins); this only keeps what it said.
 */
import type { Api } from "./api";
import { runBusy } from "./busy";
import { msg, type Msg } from "./i18n/translate";
import type { AdminRoom, AdminStats, AdminUser, Member, OnlineEntry, SharedRoom } from "./protocol";

/** Accounts per page of the user list: a phone screen or two. */
export const USERS_PAGE = 25;

export type AdminTab = "users" | "rooms" | "online" | "stats";
export const ADMIN_TABS: readonly AdminTab[] = ["users", "rooms", "online", "stats"];

/** "21–25 of 25": the rows a page shows (1-based), and whether there are pages before and after it. */
export function pageInfo(offset: number, shown: number, total: number): { from: number; to: number; prev: boolean; next: boolean } {
  return {
    from: shown === 0 ? 0 : offset + 1,
    to: offset + shown,
    prev: offset > 0,
    next: offset + shown < total,
  };
}

/** The tab after (+1) or before (-1) `tab`, wrapping: arrow keys in the tab list. */
export function adjacentTab(tab: AdminTab, step: 1 | -1): AdminTab {
  const i = ADMIN_TABS.indexOf(tab);
  return ADMIN_TABS[(i + step + ADMIN_TABS.length) % ADMIN_TABS.length];
}

/** A byte count for people: 512 B, 3.4 KiB, 12.0 MiB, 1.2 GiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** What the page tells the rest of the app, so the chat screen agrees with what was just done. */
export interface AdminHooks {
  /** an account changed (disabled, enabled, admin flag): the members panel's marks */
  userChanged?: (user: AdminUser) => void;
  /** a room's shared fields changed (archived, renamed) */
  roomChanged?: (room: SharedRoom) => void;
}

export class AdminConsole {
  query = "";
  offset = 0;
  users: AdminUser[] = [];
  total = 0;
  usersLoaded = false;

  rooms: AdminRoom[] = [];
  roomsLoaded = false;
  /** the room whose members are shown, and them */
  openRoomId: number | null = null;
  members: Member[] = [];

  online: OnlineEntry[] = [];
  onlineLoaded = false;
  stats: AdminStats | null = null;

  busy = false;
  error: Msg | null = null;
  /** a confirmation of the last action ("3 sessions ended") */
  info: Msg | null = null;
  onChange: () => void = () => undefined;

  private readonly api: Api;
  private readonly hooks: AdminHooks;

  constructor(api: Api, hooks: AdminHooks = {}) {
    this.api = api;
    this.hooks = hooks;
  }

  /** The data a tab shows, fetched afresh each time it is opened. */
  async load(tab: AdminTab): Promise<boolean> {
    switch (tab) {
      case "users":
        return this.search(this.query, this.offset);
      case "rooms":
        return this.loadRooms();
      case "online":
        return this.run(async () => {
          this.online = await this.api.adminOnline();
          this.onlineLoaded = true;
        });
      case "stats":
        return this.run(async () => {
          this.stats = await this.api.adminStats();
        });
    }
  }

  // ---- users ----

  async search(query: string, offset = 0): Promise<boolean> {
    return this.run(async () => {
      const page = await this.api.adminSearchUsers(query, offset, USERS_PAGE);
      this.query = query;
      this.offset = offset;
      this.users = page.users;
      this.total = page.total;
      this.usersLoaded = true;
    });
  }

  async nextPage(): Promise<boolean> {
    return this.search(this.query, this.offset + USERS_PAGE);
  }

  async previousPage(): Promise<boolean> {
    return this.search(this.query, Math.max(0, this.offset - USERS_PAGE));
  }

  async setDisabled(userId: number, disabled: boolean): Promise<boolean> {
    return this.run(async () => {
      this.replaceUser(await this.api.adminSetDisabled(userId, disabled));
    });
  }

  async setAdmin(userId: number, isAdmin: boolean): Promise<boolean> {
    return this.run(async () => {
      this.replaceUser(await this.api.adminSetAdmin(userId, isAdmin));
    });
  }

  async endSessions(userId: number): Promise<boolean> {
    return this.run(async () => {
      const answer = await this.api.adminEndSessions(userId);
      this.replaceUser(answer.user);
      this.info = msg("admin.sessionsEnded", { count: answer.ended, name: answer.user.username });
    });
  }

  private replaceUser(user: AdminUser): void {
    this.users = this.users.map((u) => (u.id === user.id ? user : u));
    this.hooks.userChanged?.(user);
  }

  // ---- rooms ----

  async loadRooms(): Promise<boolean> {
    return this.run(async () => {
      this.rooms = await this.api.adminRooms();
      this.roomsLoaded = true;
    });
  }

  async setArchived(roomId: number, archived: boolean): Promise<boolean> {
    return this.run(async () => {
      this.replaceRoom(await this.api.adminSetArchived(roomId, archived));
    });
  }

  async rename(roomId: number, name: string): Promise<boolean> {
    return this.run(async () => {
      this.replaceRoom(await this.api.adminRenameRoom(roomId, name.trim()));
    });
  }

  private replaceRoom(room: SharedRoom): void {
    this.rooms = this.rooms.map((r) => (r.id === room.id ? { ...r, name: room.name, archived: room.archived, topic: room.topic } : r));
    this.hooks.roomChanged?.(room);
  }

  /** Show a room's members (again: the list is read fresh), or hide them when it is the open one. */
  async toggleMembers(roomId: number): Promise<boolean> {
    if (this.openRoomId === roomId) {
      this.openRoomId = null;
      this.members = [];
      this.onChange();
      return true;
    }
    return this.run(async () => {
      this.members = await this.api.adminRoomMembers(roomId);
      this.openRoomId = roomId;
    });
  }

  async removeMember(roomId: number, userId: number): Promise<boolean> {
    return this.run(async () => {
      const removed = await this.api.adminRemoveMember(roomId, userId);
      if (this.openRoomId === roomId) this.members = this.members.filter((m) => m.id !== userId);
      if (removed) {
        this.rooms = this.rooms.map((r) => (r.id === roomId ? { ...r, member_count: Math.max(0, r.member_count - 1) } : r));
      }
    });
  }

  dismiss(): void {
    this.error = null;
    this.info = null;
    this.onChange();
  }

  private run(work: () => Promise<void>): Promise<boolean> {
    this.info = null;
    return runBusy(this, () => this.onChange(), work);
  }
}
