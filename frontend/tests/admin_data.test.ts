/**
 * The Admin page's state (admin_data.ts) against a scripted fetch: docs/protocol.md "Admin API". Pure helpers
 * (pages, tabs, sizes) with literal numbers; the console's requests, what it keeps, and what it tells the chat
 * screen; errors kept as translatable messages.
 */
import { describe, expect, it } from "vitest";
import { ADMIN_PAGE_MAX, Api } from "../src/api";
import { AdminConsole, USERS_PAGE, adjacentTab, formatBytes, pageInfo } from "../src/admin_data";
import type { AdminRoom, AdminUser, SharedRoom } from "../src/protocol";

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });
const apiError = (status: number, code: string) => json({ error: { code, message: code } }, status);

function account(id: number, username: string, extra: Partial<AdminUser> = {}): AdminUser {
  return { id, username, is_admin: false, disabled: false, created_at: 1, last_seen: null, status: "offline", ...extra };
}

function adminRoom(id: number, name: string, extra: Partial<AdminRoom> = {}): AdminRoom {
  return { id, name, topic: "", private: false, archived: false, last_seq: 0, created_at: 1, member_count: 2, ...extra };
}

function shared(id: number, name: string, archived: boolean): SharedRoom {
  return { id, kind: "room", name, topic: "", private: false, archived, joined: true, last_seq: 0, change_seq: 0 };
}

type Route = (body: unknown, url: URL) => Response;

function scripted(routes: Record<string, Route>) {
  const requests: { method: string; url: string; body: unknown }[] = [];
  const api = new Api(async (url, init) => {
    const u = new URL(url, "http://x");
    const method = init?.method ?? "GET";
    const body: unknown = init?.body ? JSON.parse(String(init.body)) : undefined;
    requests.push({ method, url: u.pathname + u.search, body });
    const route = routes[`${method} ${u.pathname}`];
    return route ? route(body, u) : apiError(404, "not_found");
  });
  return { api, requests };
}

describe("admin page helpers", () => {
  it("says which rows a page shows and whether there are pages around it", () => {
    expect(pageInfo(0, 25, 60)).toEqual({ from: 1, to: 25, prev: false, next: true });
    expect(pageInfo(50, 10, 60)).toEqual({ from: 51, to: 60, prev: true, next: false });
    expect(pageInfo(0, 0, 0)).toEqual({ from: 0, to: 0, prev: false, next: false });
  });

  it("moves between tabs with wrap-around", () => {
    expect(adjacentTab("users", 1)).toBe("rooms");
    expect(adjacentTab("stats", 1)).toBe("users");
    expect(adjacentTab("users", -1)).toBe("stats");
  });

  it("writes byte counts for people", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(3482)).toBe("3.4 KiB");
    expect(formatBytes(12 * 1024 * 1024)).toBe("12.0 MiB");
  });
});

describe("the admin console", () => {
  it("searches one page at a time and pages on", async () => {
    const { api, requests } = scripted({
      "GET /api/admin/users": (_b, u) =>
        json({ users: [account(Number(u.searchParams.get("offset")) + 1, "ann")], total: USERS_PAGE + 1 }),
    });
    const admin = new AdminConsole(api);
    expect(await admin.search("an")).toBe(true);
    expect(await admin.nextPage()).toBe(true);
    expect(admin.offset).toBe(USERS_PAGE);
    expect(await admin.previousPage()).toBe(true);
    expect(requests.map((r) => r.url)).toEqual([
      `/api/admin/users?q=an&offset=0&limit=${USERS_PAGE}`,
      `/api/admin/users?q=an&offset=${USERS_PAGE}&limit=${USERS_PAGE}`,
      `/api/admin/users?q=an&offset=0&limit=${USERS_PAGE}`,
    ]);
    expect([admin.query, admin.total, admin.usersLoaded]).toEqual(["an", USERS_PAGE + 1, true]);
  });

  it("changes accounts, replaces their rows and tells the chat screen", async () => {
    const changed: AdminUser[] = [];
    const { api, requests } = scripted({
      "GET /api/admin/users": () => json({ users: [account(2, "ann"), account(3, "bob")], total: 2 }),
      "POST /api/admin/users/2/disable": () => json({ user: account(2, "ann", { disabled: true }) }),
      "PUT /api/admin/users/3/admin": (body) => json({ user: account(3, "bob", { is_admin: (body as { is_admin: boolean }).is_admin }) }),
      "DELETE /api/admin/users/2/sessions": () => json({ user: account(2, "ann", { disabled: true }), ended: 3 }),
    });
    const admin = new AdminConsole(api, { userChanged: (u) => changed.push(u) });
    await admin.load("users");
    await admin.setDisabled(2, true);
    await admin.setAdmin(3, true);
    expect(await admin.endSessions(2)).toBe(true);
    expect(admin.users.map((u) => [u.username, u.disabled, u.is_admin])).toEqual([
      ["ann", true, false],
      ["bob", false, true],
    ]);
    expect(changed.map((u) => u.id)).toEqual([2, 3, 2]);
    expect(admin.info).toEqual({ key: "admin.sessionsEnded", params: { count: 3, name: "ann" } });
    expect(requests.find((r) => r.method === "PUT")?.body).toEqual({ is_admin: true });
  });

  it("keeps a refusal as a translatable message and clears it on the next action", async () => {
    const { api } = scripted({
      "PUT /api/admin/users/1/admin": () => apiError(409, "cannot_demote_self"),
      "GET /api/admin/stats": () => json({ stats: { users: 1 } }),
    });
    const admin = new AdminConsole(api);
    expect(await admin.setAdmin(1, false)).toBe(false);
    expect(admin.error).toEqual({ key: "error.cannot_demote_self" });
    expect(admin.busy).toBe(false);
    expect(await admin.load("stats")).toBe(true);
    expect(admin.error).toBeNull();
    expect(admin.stats?.users).toBe(1);
  });

  it("archives, renames and removes members of rooms", async () => {
    const rooms: SharedRoom[] = [];
    const { api, requests } = scripted({
      "GET /api/admin/rooms": () => json({ rooms: [adminRoom(1, "general"), adminRoom(2, "ops")] }),
      "POST /api/admin/rooms/2/archive": () => json({ room: shared(2, "ops", true) }),
      "PATCH /api/admin/rooms/2": (body) => json({ room: shared(2, (body as { name: string }).name, true) }),
      "GET /api/admin/rooms/2/members": () =>
        json({ members: [{ id: 5, username: "cy", status: "online", last_seen: null }, { id: 6, username: "di", status: "offline", last_seen: 1 }] }),
      "DELETE /api/admin/rooms/2/members/5": () => json({ removed: true }),
      "DELETE /api/admin/rooms/2/members/6": () => json({ removed: false }),
    });
    const admin = new AdminConsole(api, { roomChanged: (r) => rooms.push(r) });
    await admin.load("rooms");
    await admin.setArchived(2, true);
    await admin.rename(2, "  war room ");
    expect(requests.find((r) => r.method === "PATCH")?.body).toEqual({ name: "war room" });
    expect(admin.rooms[1]).toMatchObject({ name: "war room", archived: true });
    expect(rooms.map((r) => r.name)).toEqual(["ops", "war room"]);

    await admin.toggleMembers(2);
    expect([admin.openRoomId, admin.members.map((m) => m.username)]).toEqual([2, ["cy", "di"]]);
    await admin.removeMember(2, 5);
    await admin.removeMember(2, 6);
    expect(admin.members).toEqual([]);
    // Only a removal that happened counts: 2 members, one removed.
    expect(admin.rooms[1].member_count).toBe(1);
    await admin.toggleMembers(2);
    expect(admin.openRoomId).toBeNull();
  });

  it("reads every account page by page for the members panel's marks", async () => {
    const { api, requests } = scripted({
      "GET /api/admin/users": (_b, u) => {
        const offset = Number(u.searchParams.get("offset"));
        const size = offset === 0 ? ADMIN_PAGE_MAX : 3;
        return json({ users: Array.from({ length: size }, (_, i) => account(offset + i + 1, `u${offset + i}`)), total: ADMIN_PAGE_MAX + 3 });
      },
    });
    expect((await api.adminUsers()).length).toBe(ADMIN_PAGE_MAX + 3);
    expect(requests.length).toBe(2);
  });
});
