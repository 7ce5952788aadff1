/**
 * Admin actions (admin_events.ts) against a scripted fetch and fake WebSockets: docs/protocol.md "Admin API".
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, describeError } from "../src/api";
import type { Me } from "../src/protocol";
import { ana, apiError, bo, chatSetup, json, room, say, settle } from "./fixtures";

const user: Me = { ...ana, is_admin: false };
const admin: Me = { ...ana, is_admin: true };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("admin actions", () => {
  it("a non-admin never asks the admin API", async () => {
    const { client, requests, hello } = chatSetup(user);
    client.start();
    hello();
    await settle();
    expect(client.admin.isAdmin).toBe(false);
    expect(requests.some((r) => r.path.startsWith("/api/admin"))).toBe(false);
    client.stop();
  });

  it("archives and unarchives the current room; sending is refused while archived", async () => {
    const { client, requests, hello } = chatSetup(admin, {
      routes: {
        "POST /api/admin/rooms/1/archive": () => json({ room: room(1, "general", 0, { archived: true }) }),
        "POST /api/admin/rooms/1/unarchive": () => json({ room: room(1, "general", 0, { archived: false }) }),
      },
    });
    client.start();
    hello();
    await settle();
    expect(client.admin.isAdmin).toBe(true);
    await client.admin.setRoomArchived(1, true);
    expect(requests.filter((r) => r.method === "POST").map((r) => r.path)).toEqual(["/api/admin/rooms/1/archive"]);
    expect(client.rooms.current()?.archived).toBe(true);
    expect(say(client.messages.send("hello?"))).toMatch(/archived/);
    await client.admin.setRoomArchived(1, false);
    expect(client.rooms.current()?.archived).toBe(false);
    expect(client.roomsData.isJoined(1)).toBe(true);
    expect(client.messages.send("hello again")).toBeNull();
    client.stop();
  });

  it("archiving a room the admin has not joined does not add it to their rooms", async () => {
    const { client, hello } = chatSetup(admin, {
      routes: {
        "POST /api/admin/rooms/7/archive": () => json({ room: room(7, "elsewhere", 0, { archived: true, joined: false }) }),
      },
    });
    client.start();
    hello();
    await settle();
    await client.admin.setRoomArchived(7, true);
    expect(client.roomsData.isJoined(7)).toBe(false);
    client.stop();
  });

  it("loads the accounts on hello and marks a user disabled / enabled", async () => {
    const account = (disabled: boolean) => ({
      ...bo,
      is_admin: false,
      disabled,
      created_at: 1,
      last_seen: null,
      status: "offline",
    });
    const { client, requests, hello } = chatSetup(admin, {
      routes: {
        "GET /api/admin/users": () => json({ users: [{ ...admin, disabled: false, created_at: 1, last_seen: null, status: "online" }, account(false)] }),
        "POST /api/admin/users/2/disable": () => json({ user: account(true) }),
        "POST /api/admin/users/2/enable": () => json({ user: account(false) }),
      },
    });
    client.start();
    hello();
    await settle();
    expect(requests.some((r) => r.path === "/api/admin/users")).toBe(true);
    expect(client.admin.isDisabled(bo.id)).toBe(false);
    await client.admin.setUserDisabled(bo.id, true);
    expect(client.admin.isDisabled(bo.id)).toBe(true);
    await client.admin.setUserDisabled(bo.id, false);
    expect(client.admin.isDisabled(bo.id)).toBe(false);
    client.stop();
  });

  it("surfaces refusals (409 cannot_disable_self, 403 forbidden) as ApiErrors with readable text", async () => {
    const { client, hello } = chatSetup(admin, {
      routes: {
        "POST /api/admin/users/1/disable": () => apiError(409, "cannot_disable_self"),
        "POST /api/admin/rooms/1/archive": () => apiError(403, "forbidden"),
      },
    });
    client.start();
    hello();
    await settle();
    const self = await client.admin.setUserDisabled(ana.id, true).catch((e: unknown) => e);
    expect(self).toBeInstanceOf(ApiError);
    expect(say(describeError(self))).toBe("You cannot disable your own account.");
    expect(client.admin.isDisabled(ana.id)).toBe(false);
    const forbidden = await client.admin.setRoomArchived(1, true).catch((e: unknown) => e);
    expect(say(describeError(forbidden))).toBe("Only administrators can do that.");
    expect(client.rooms.current()?.archived).toBe(false);
    client.stop();
  });
});
