/**
 * Password change (session rotation) and admin actions in the controller, against a scripted fetch and fake
 * WebSockets: docs/protocol.md `POST /api/auth/password`, "Admin API", `room.updated`, close code 4401.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, describeError } from "../src/api";
import { passwordChangeErrors, validatePasswordChange } from "../src/account_data";
import type { Me } from "../src/protocol";
import { ana, bo, config, fakeClient, room, settle } from "./fixtures";



type Handler = (method: string, body: unknown) => Response | Promise<Response>;

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });
const apiError = (status: number, code: string, fields?: Record<string, string[]>) =>
  json({ error: { code, message: code, ...(fields ? { fields } : {}) } }, status);

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function setup(me: Me, routes: Record<string, Handler> = {}) {
  const requests: { method: string; path: string; body: unknown }[] = [];
  const fetchFn = async (url: string, init?: RequestInit): Promise<Response> => {
    const u = new URL(url, "http://x");
    const method = init?.method ?? "GET";
    const body: unknown = init?.body ? JSON.parse(String(init.body)) : undefined;
    requests.push({ method, path: u.pathname, body });
    const route = routes[`${method} ${u.pathname}`];
    if (route) return route(method, body);
    if (/^\/api\/rooms\/\d+\/messages$/.test(u.pathname)) return json({ messages: [], has_more: false });
    if (/^\/api\/rooms\/\d+\/members$/.test(u.pathname)) {
      return json({ members: [{ ...me, status: "online", last_seen: null }] });
    }
    if (u.pathname === "/api/me") return json({ user: me });
    if (u.pathname === "/api/admin/users") {
      return me.is_admin ? json({ users: [] }) : apiError(403, "forbidden");
    }
    return apiError(404, "not_found");
  };
  const { client, sockets, last } = fakeClient(me, fetchFn);
  const ended = vi.fn();
  client.onSessionEnded = ended;
  const hello = (rooms = [room(1, "general")]) => last().receive({ type: "hello", user: me, rooms, presence: [], config });
  return { client, requests, sockets, last, hello, ended };
}


const user: Me = { ...ana, is_admin: false };
const admin: Me = { ...ana, is_admin: true };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("changePassword (session rotation)", () => {
  it("sends current and new password; the 4401 that comes before the answer does not log out; reconnects on the new cookie", async () => {
    const answer = deferred<Response>();
    const { client, requests, sockets, hello, ended } = setup(user, {
      "POST /api/auth/password": () => answer.promise,
    });
    client.start();
    hello();
    await settle();
    const done = client.changePassword("old-password", "new-password");
    await settle();
    expect(requests.find((r) => r.path === "/api/auth/password")?.body).toEqual({
      current_password: "old-password",
      new_password: "new-password",
    });
    // The server ended every session, ours included, before its answer reached us.
    sockets[0].drop(4401);
    await settle();
    expect(ended).not.toHaveBeenCalled();
    expect(sockets).toHaveLength(1);
    answer.resolve(json({ user }));
    await done;
    expect(sockets).toHaveLength(2);
    hello();
    await settle();
    expect(client.conn.state).toBe("open");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(ended).not.toHaveBeenCalled();
    expect(sockets).toHaveLength(2);
    client.stop();
  });

  it("a 4401 on the old socket after the answer is ignored: the new socket carries on", async () => {
    const { client, sockets, last, hello, ended } = setup(user, {
      "POST /api/auth/password": () => json({ user }),
    });
    client.start();
    hello();
    await settle();
    const old = last();
    await client.changePassword("old-password", "new-password");
    expect(old.closedWith).toBe(1000);
    expect(sockets).toHaveLength(2);
    old.drop(4401);
    hello();
    await settle();
    expect(ended).not.toHaveBeenCalled();
    expect(client.conn.state).toBe("open");
    client.stop();
  });

  it("resends a message that was in flight on the old socket, with the same client_id", async () => {
    const answer = deferred<Response>();
    const { client, sockets, last, hello } = setup(user, { "POST /api/auth/password": () => answer.promise });
    client.start();
    hello();
    await settle();
    client.send("during the change");
    const done = client.changePassword("old-password", "new-password");
    sockets[0].drop(4401);
    answer.resolve(json({ user }));
    await done;
    hello();
    await settle();
    expect(last().sentOf("message.send")).toEqual([
      { type: "message.send", room_id: 1, body: "during the change", client_id: "uuid-1" },
    ]);
    client.stop();
  });

  it("a wrong current password (403) throws, keeps the socket and the session", async () => {
    const { client, sockets, ended, hello } = setup(user, {
      "POST /api/auth/password": () => apiError(403, "invalid_credentials"),
    });
    client.start();
    hello();
    await settle();
    const err = await client.changePassword("wrong", "new-password").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("invalid_credentials");
    expect(sockets).toHaveLength(1);
    expect(client.conn.state).toBe("open");
    expect(ended).not.toHaveBeenCalled();
    // Without a password change pending, a 4401 is a real end again (another tab changed it, or logout).
    sockets[0].drop(4401);
    expect(ended).toHaveBeenCalledWith("ended");
    client.stop();
  });

  it("a failed change during which the session really ended (account disabled) logs out", async () => {
    const answer = deferred<Response>();
    const { client, sockets, ended, hello, requests } = setup(user, {
      "POST /api/auth/password": () => answer.promise,
      "GET /api/me": () => apiError(401, "not_authenticated"),
    });
    client.start();
    hello();
    await settle();
    const done = client.changePassword("old-password", "new-password").catch((e: unknown) => e);
    sockets[0].drop(4401);
    answer.resolve(apiError(401, "not_authenticated"));
    expect(await done).toBeInstanceOf(ApiError);
    await settle();
    expect(requests.some((r) => r.path === "/api/me")).toBe(true);
    expect(ended).toHaveBeenCalledWith("ended");
    expect(sockets).toHaveLength(1);
  });

  it("a failed change whose held 4401 turns out harmless (/api/me still answers) reconnects", async () => {
    const answer = deferred<Response>();
    const { client, sockets, ended, hello } = setup(user, { "POST /api/auth/password": () => answer.promise });
    client.start();
    hello();
    await settle();
    const done = client.changePassword("old-password", "x").catch((e: unknown) => e);
    sockets[0].drop(4401);
    answer.resolve(apiError(400, "validation_failed", { new_password: ["Too short."] }));
    await done;
    await settle();
    expect(ended).not.toHaveBeenCalled();
    expect(sockets).toHaveLength(2);
    client.stop();
  });

  it("a refused reconnect handshake (/api/me 401 with the old cookie) during the change is held too", async () => {
    const answer = deferred<Response>();
    let meStatus = 401;
    const { client, sockets, ended, hello } = setup(user, {
      "POST /api/auth/password": () => answer.promise,
      "GET /api/me": () => (meStatus === 401 ? apiError(401, "not_authenticated") : json({ user })),
    });
    client.start();
    hello();
    await settle();
    const done = client.changePassword("old-password", "new-password");
    sockets[0].drop(1006); // a network blip: the socket retries...
    await vi.advanceTimersByTimeAsync(1000);
    sockets[1].drop(1006); // ...and the handshake fails before hello: the client asks /api/me (401, old cookie)
    await settle();
    expect(ended).not.toHaveBeenCalled();
    meStatus = 200;
    answer.resolve(json({ user }));
    await done;
    hello();
    await settle();
    expect(ended).not.toHaveBeenCalled();
    expect(client.conn.state).toBe("open");
    client.stop();
  });

  it("refuses a second change while one is pending", async () => {
    const answer = deferred<Response>();
    const { client, hello } = setup(user, { "POST /api/auth/password": () => answer.promise });
    client.start();
    hello();
    await settle();
    const first = client.changePassword("a-password", "b-password");
    await expect(client.changePassword("a-password", "c-password")).rejects.toThrow(/in progress/);
    answer.resolve(json({ user }));
    await first;
    client.stop();
  });
});

describe("change-password form rules", () => {
  it("validates before sending", () => {
    expect(validatePasswordChange("", "short")).toEqual({
      current: "Enter your current password.",
      next: "The new password needs at least 8 characters.",
    });
    expect(validatePasswordChange("x", "y".repeat(257)).next).toMatch(/at most 256/);
    expect(validatePasswordChange("x", "long-enough")).toEqual({});
  });

  it("maps 403 invalid_credentials to the current field and 400 validation_failed to field errors", () => {
    const wrong = passwordChangeErrors(new ApiError(403, "invalid_credentials", "The current password is wrong."));
    expect(wrong.form).toBe("Your current password is wrong.");
    expect(wrong.current).toBeTruthy();
    expect(wrong.next).toBeUndefined();
    const invalid = passwordChangeErrors(
      new ApiError(400, "validation_failed", "bad", { new_password: ["Length must be between 8 and 256."] }),
    );
    expect(invalid).toEqual({ form: "Please fix the highlighted fields.", next: "Length must be between 8 and 256." });
    expect(passwordChangeErrors(new ApiError(500, "internal_error", "x")).form).toBe("The server hit an error. Try again.");
  });
});

describe("admin actions", () => {
  it("a non-admin never asks the admin API", async () => {
    const { client, requests, hello } = setup(user);
    client.start();
    hello();
    await settle();
    expect(client.isAdmin).toBe(false);
    expect(requests.some((r) => r.path.startsWith("/api/admin"))).toBe(false);
    client.stop();
  });

  it("archives and unarchives the current room; sending is refused while archived", async () => {
    const { client, requests, hello } = setup(admin, {
      "POST /api/admin/rooms/1/archive": () => json({ room: room(1, "general", 0, { archived: true }) }),
      "POST /api/admin/rooms/1/unarchive": () => json({ room: room(1, "general", 0, { archived: false }) }),
    });
    client.start();
    hello();
    await settle();
    expect(client.isAdmin).toBe(true);
    await client.setRoomArchived(1, true);
    expect(requests.filter((r) => r.method === "POST").map((r) => r.path)).toEqual(["/api/admin/rooms/1/archive"]);
    expect(client.currentRoom()?.archived).toBe(true);
    expect(client.send("hello?")).toMatch(/archived/);
    await client.setRoomArchived(1, false);
    expect(client.currentRoom()?.archived).toBe(false);
    expect(client.rooms.isJoined(1)).toBe(true);
    expect(client.send("hello again")).toBeNull();
    client.stop();
  });

  it("archiving a room the admin has not joined does not add it to their rooms", async () => {
    const { client, hello } = setup(admin, {
      "POST /api/admin/rooms/7/archive": () => json({ room: room(7, "elsewhere", 0, { archived: true, joined: false }) }),
    });
    client.start();
    hello();
    await settle();
    await client.setRoomArchived(7, true);
    expect(client.rooms.isJoined(7)).toBe(false);
    client.stop();
  });

  it("room.updated from the server makes the room read-only live, and writable again", async () => {
    const { client, last, hello } = setup(user);
    client.start();
    hello();
    await settle();
    last().receive({ type: "room.updated", room: room(1, "general", 0, { archived: true }) });
    expect(client.currentRoom()?.archived).toBe(true);
    expect(client.send("x")).toMatch(/archived/);
    last().receive({ type: "room.updated", room: room(1, "general", 0, { archived: false }) });
    expect(client.currentRoom()?.archived).toBe(false);
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
    const { client, requests, hello } = setup(admin, {
      "GET /api/admin/users": () => json({ users: [{ ...admin, disabled: false, created_at: 1, last_seen: null, status: "online" }, account(false)] }),
      "POST /api/admin/users/2/disable": () => json({ user: account(true) }),
      "POST /api/admin/users/2/enable": () => json({ user: account(false) }),
    });
    client.start();
    hello();
    await settle();
    expect(requests.some((r) => r.path === "/api/admin/users")).toBe(true);
    expect(client.isDisabled(bo.id)).toBe(false);
    await client.setUserDisabled(bo.id, true);
    expect(client.isDisabled(bo.id)).toBe(true);
    await client.setUserDisabled(bo.id, false);
    expect(client.isDisabled(bo.id)).toBe(false);
    client.stop();
  });

  it("surfaces refusals (409 cannot_disable_self, 403 forbidden) as ApiErrors with readable text", async () => {
    const { client, hello } = setup(admin, {
      "POST /api/admin/users/1/disable": () => apiError(409, "cannot_disable_self"),
      "POST /api/admin/rooms/1/archive": () => apiError(403, "forbidden"),
    });
    client.start();
    hello();
    await settle();
    const self = await client.setUserDisabled(ana.id, true).catch((e: unknown) => e);
    expect(self).toBeInstanceOf(ApiError);
    expect(describeError(self)).toBe("You cannot disable your own account.");
    expect(client.isDisabled(ana.id)).toBe(false);
    const forbidden = await client.setRoomArchived(1, true).catch((e: unknown) => e);
    expect(describeError(forbidden)).toBe("Only administrators can do that.");
    expect(client.currentRoom()?.archived).toBe(false);
    client.stop();
  });
});
