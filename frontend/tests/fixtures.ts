import { vi } from "vitest";
import { Api } from "../src/api";
import { ChatClient } from "../src/client";
import { I18n, type Msg } from "../src/i18n";
import type { Config, Me, Message, Room, User } from "../src/protocol";
import type { WebSocketLike } from "../src/socket";

export const ana: User = { id: 1, username: "ana" };
export const bo: User = { id: 2, username: "Bo" };
export const cy: User = { id: 3, username: "cy" };

export function msg(roomId: number, seq: number, user: User = ana, createdAt = 1_700_000_000_000 + seq * 1000, clientId = `c${roomId}-${seq}`): Message {
  return { id: roomId * 10_000 + seq, room_id: roomId, seq, user, body: `message ${seq}`, created_at: createdAt, client_id: clientId, mentions: [], edited_at: null, deleted: false, change_seq: 0, reactions: [] };
}

export function msgs(roomId: number, from: number, to: number, user: User = ana): Message[] {
  const out: Message[] = [];
  for (let s = from; s <= to; s++) out.push(msg(roomId, s, user));
  return out;
}

export function room(id: number, name: string, lastSeq = 0, extra: Partial<Room> = {}): Room {
  return {
    id, kind: "room", name, topic: "", private: false, archived: false, joined: true, last_seq: lastSeq, change_seq: 0,
    last_read_seq: 0, unread: 0, mentions: 0, muted: false, ...extra,
  };
}

/** The server's timing constants as a hello carries them (the defaults of docs/protocol.md). */
export const config: Config = {
  heartbeat_s: 10,
  presence_grace_ms: 5000,
  typing_refresh_ms: 3000,
  typing_expiry_ms: 6000,
  idle_after_ms: 120_000,
  max_body_chars: 4000,
};

/** A WebSocket the test drives by hand: `receive` a frame, `drop` the connection, inspect what was sent. */
export class FakeWs implements WebSocketLike {
  readyState = 0;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  sent: Record<string, unknown>[] = [];
  closedWith: number | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code?: number): void {
    this.readyState = 3;
    this.closedWith = code ?? 1000;
  }
  receive(frame: object): void {
    this.readyState = 1;
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  }
  drop(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }
  sentOf(type: string) {
    return this.sent.filter((f) => f.type === type);
  }
}

/** A controller on a scripted fetch whose sockets are FakeWs the test drives; `last()` is the newest socket. */
export function fakeClient(me: Me, fetchFn: (url: string, init?: RequestInit) => Promise<Response>) {
  const sockets: FakeWs[] = [];
  let n = 0;
  const client = new ChatClient(me, {
    api: new Api(fetchFn),
    uuid: () => `uuid-${++n}`,
    wsUrl: () => "ws://test/ws",
    isHidden: () => false,
    createSocket: () => {
      const ws = new FakeWs();
      sockets.push(ws);
      return ws;
    },
  });
  const last = () => sockets[sockets.length - 1];
  return { client, sockets, last };
}

export const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });
export const apiError = (status: number, code: string, fields?: Record<string, string[]>) =>
  json({ error: { code, message: code, ...(fields ? { fields } : {}) } }, status);

export function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Answers one request ("METHOD /api/path" in `chatSetup`'s routes). */
export type Route = (method: string, body: unknown, url: URL) => Response | Promise<Response>;

/**
 * A controller on a scripted server. `GET /api/rooms/{id}/messages` answers from `history` like the real server
 * (before/after/around/limit, has_more); the member list holds `me`, online; `/api/me` answers `me`; the admin user
 * list answers admins only. `routes` ("METHOD /path") take precedence; anything else is a 404.
 * `hello(rooms)` delivers a hello on the newest socket; `ended` records onSessionEnded.
 */
export function chatSetup(me: Me, opts: { history?: Message[]; routes?: Record<string, Route> } = {}) {
  const history = opts.history ?? [];
  const routes = opts.routes ?? {};
  const requests: { method: string; path: string; url: string; body: unknown }[] = [];
  const fetchFn = async (url: string, init?: RequestInit): Promise<Response> => {
    const u = new URL(url, "http://x");
    const method = init?.method ?? "GET";
    const body: unknown = init?.body ? JSON.parse(String(init.body)) : undefined;
    requests.push({ method, path: u.pathname, url, body });
    const route = routes[`${method} ${u.pathname}`];
    if (route) return route(method, body, u);
    const m = /^\/api\/rooms\/(\d+)\/messages$/.exec(u.pathname);
    if (m) {
      const limit = Number(u.searchParams.get("limit") ?? 50);
      const before = u.searchParams.get("before");
      const after = u.searchParams.get("after");
      const all = history.filter((x) => x.room_id === Number(m[1]));
      const around = u.searchParams.get("around");
      if (around !== null) {
        // Centred on the seq: (limit - 1) // 2 below it, the rest from it upwards (docs/protocol.md, around=).
        const below = all.filter((x) => x.seq < Number(around));
        const from = all.filter((x) => x.seq >= Number(around));
        const nBelow = Math.min(below.length, Math.floor((limit - 1) / 2));
        const nFrom = Math.min(from.length, limit - nBelow);
        return json({
          messages: [...below.slice(below.length - nBelow), ...from.slice(0, nFrom)],
          has_more_before: below.length > nBelow,
          has_more_after: from.length > nFrom,
        });
      }
      if (after !== null) {
        const above = all.filter((x) => x.seq > Number(after));
        return json({ messages: above.slice(0, limit), has_more: above.length > limit });
      }
      const below = before !== null ? all.filter((x) => x.seq < Number(before)) : all;
      return json({ messages: below.slice(-limit), has_more: below.length > limit });
    }
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
  const hello = (rooms: Room[] = [room(1, "general")]) =>
    last().receive({ type: "hello", user: me, rooms, presence: [], config });
  return { client, requests, sockets, last, hello, ended };
}

/** Let pending promise chains (fake fetches) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await vi.advanceTimersByTimeAsync(0);
}

const english = new I18n("en", ["en-US"]);
/** A Msg in English, as the views would show it (undefined/null pass through). */
export function say(m: Msg | null | undefined): string | null | undefined {
  return m ? english.text(m) : m;
}
