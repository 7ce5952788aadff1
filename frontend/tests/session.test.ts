/**
 * The session (session.ts) against a scripted fetch and fake WebSockets: close code 4401, and the password
 * change with its session rotation (docs/protocol.md `POST /api/auth/password`).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/api";
import type { Me } from "../src/protocol";
import { ana, apiError, chatSetup, deferred, json, settle } from "./fixtures";

const user: Me = { ...ana, is_admin: false };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("session end", () => {
  it("4401 ends the session and does not reconnect", async () => {
    const { client, hello, last, sockets, ended } = chatSetup(user);
    client.start();
    hello();
    await settle();
    last().drop(4401);
    expect(ended).toHaveBeenCalledWith("ended");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });
});

describe("changePassword (session rotation)", () => {
  it("sends current and new password; the 4401 that comes before the answer does not log out; reconnects on the new cookie", async () => {
    const answer = deferred<Response>();
    const { client, requests, sockets, hello, ended } = chatSetup(user, {
      routes: {
        "POST /api/auth/password": () => answer.promise,
      },
    });
    client.start();
    hello();
    await settle();
    const done = client.session.changePassword("old-password", "new-password");
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
    const { client, sockets, last, hello, ended } = chatSetup(user, {
      routes: {
        "POST /api/auth/password": () => json({ user }),
      },
    });
    client.start();
    hello();
    await settle();
    const old = last();
    await client.session.changePassword("old-password", "new-password");
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
    const { client, sockets, last, hello } = chatSetup(user, { routes: { "POST /api/auth/password": () => answer.promise } });
    client.start();
    hello();
    await settle();
    client.messages.send("during the change");
    const done = client.session.changePassword("old-password", "new-password");
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
    const { client, sockets, ended, hello } = chatSetup(user, {
      routes: {
        "POST /api/auth/password": () => apiError(403, "invalid_credentials"),
      },
    });
    client.start();
    hello();
    await settle();
    const err = await client.session.changePassword("wrong", "new-password").catch((e: unknown) => e);
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
    const { client, sockets, ended, hello, requests } = chatSetup(user, {
      routes: {
        "POST /api/auth/password": () => answer.promise,
        "GET /api/me": () => apiError(401, "not_authenticated"),
      },
    });
    client.start();
    hello();
    await settle();
    const done = client.session.changePassword("old-password", "new-password").catch((e: unknown) => e);
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
    const { client, sockets, ended, hello } = chatSetup(user, { routes: { "POST /api/auth/password": () => answer.promise } });
    client.start();
    hello();
    await settle();
    const done = client.session.changePassword("old-password", "x").catch((e: unknown) => e);
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
    const { client, sockets, ended, hello } = chatSetup(user, {
      routes: {
        "POST /api/auth/password": () => answer.promise,
        "GET /api/me": () => (meStatus === 401 ? apiError(401, "not_authenticated") : json({ user })),
      },
    });
    client.start();
    hello();
    await settle();
    const done = client.session.changePassword("old-password", "new-password");
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
    const { client, hello } = chatSetup(user, { routes: { "POST /api/auth/password": () => answer.promise } });
    client.start();
    hello();
    await settle();
    const first = client.session.changePassword("a-password", "b-password");
    await expect(client.session.changePassword("a-password", "c-password")).rejects.toThrow(/in progress/);
    answer.resolve(json({ user }));
    await first;
    client.stop();
  });
});
