import { describe, expect, it } from "vitest";
import { say } from "./fixtures";
import { Api, ApiError, NetworkError, describeError, type FetchLike } from "../src/api";

function respond(status: number, body?: unknown, raw?: string): FetchLike {
  return async () =>
    new Response(raw ?? (body === undefined ? null : JSON.stringify(body)), {
      status,
      headers: { "Content-Type": "application/json" },
    });
}

describe("Api", () => {
  it("sends JSON with same-origin credentials and unwraps the body", async () => {
    const calls: { url: string; init?: RequestInit }[] = [];
    const api = new Api(async (url, init) => {
      calls.push({ url, init });
      return new Response(JSON.stringify({ user: { id: 1, username: "ana", is_admin: false } }), { status: 200 });
    });
    const me = await api.login("ana", "password1");
    expect(me.username).toBe("ana");
    expect(calls[0].url).toBe("/api/auth/login");
    expect(calls[0].init?.method).toBe("POST");
    expect(calls[0].init?.credentials).toBe("same-origin");
    expect(JSON.parse(String(calls[0].init?.body))).toEqual({ username: "ana", password: "password1" });
  });

  it("builds history queries", async () => {
    const urls: string[] = [];
    const api = new Api(async (url) => {
      urls.push(url);
      return new Response(JSON.stringify({ messages: [], has_more: false }), { status: 200 });
    });
    await api.messages(3, { limit: 50 });
    await api.messages(3, { before: 51, limit: 50 });
    await api.messages(3, { after: 9 });
    expect(urls).toEqual(["/api/rooms/3/messages?limit=50", "/api/rooms/3/messages?before=51&limit=50", "/api/rooms/3/messages?after=9"]);
  });

  it("maps the error envelope, fields included", async () => {
    const api = new Api(
      respond(400, { error: { code: "validation_failed", message: "bad", fields: { username: ["too short"] } } }),
    );
    const err = await api.register("a", "b").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("validation_failed");
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).fields).toEqual({ username: ["too short"] });
  });

  it("maps a proxy error page to server_unavailable, but keeps our own 500 envelope", async () => {
    const err = await new Api(respond(502, undefined, "<html>Bad gateway</html>")).me().catch((e: unknown) => e);
    expect((err as ApiError).code).toBe("server_unavailable");
    const own = await new Api(respond(500, { error: { code: "internal_error", message: "oops" } }))
      .me()
      .catch((e: unknown) => e);
    expect((own as ApiError).code).toBe("internal_error");
  });

  it("maps a failed fetch to NetworkError", async () => {
    const api = new Api(async () => {
      throw new TypeError("Failed to fetch");
    });
    const err = await api.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(say(describeError(err))).toMatch(/reach the server/);
  });

  it("returns undefined for 204", async () => {
    await expect(new Api(respond(204)).logout()).resolves.toBeUndefined();
  });

  it("describes known codes in plain words", () => {
    expect(say(describeError(new ApiError(409, "username_taken", "x")))).toBe("That username is already taken.");
    expect(say(describeError(new ApiError(401, "invalid_credentials", "x")))).toBe("Wrong username or password.");
  });

  it("says how long to wait when the login throttle gives retry_after_ms", async () => {
    const body = { error: { code: "rate_limited", message: "Try again in 3 s.", retry_after_ms: 2_100 } };
    const err = await new Api(respond(429, body)).login("ana", "x").catch((e: unknown) => e);
    expect((err as ApiError).retryAfterMs).toBe(2_100);
    expect(say(describeError(err))).toBe("Too many attempts. Wait 3 seconds and try again.");
    expect(say(describeError(new ApiError(429, "rate_limited", "x")))).toBe(
      "Too many requests at once. Wait a moment and try again.",
    );
  });
});
