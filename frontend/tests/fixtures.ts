import { vi } from "vitest";
import { Api } from "../src/api";
import { ChatClient } from "../src/client";
import type { Config, Me, Message, Room, User } from "../src/protocol";
import type { WebSocketLike } from "../src/socket";

export const ana: User = { id: 1, username: "ana" };
export const bo: User = { id: 2, username: "Bo" };
export const cy: User = { id: 3, username: "cy" };

export function msg(roomId: number, seq: number, user: User = ana, createdAt = 1_700_000_000_000 + seq * 1000, clientId = `c${roomId}-${seq}`): Message {
  return { id: roomId * 10_000 + seq, room_id: roomId, seq, user, body: `message ${seq}`, created_at: createdAt, client_id: clientId };
}

export function msgs(roomId: number, from: number, to: number, user: User = ana): Message[] {
  const out: Message[] = [];
  for (let s = from; s <= to; s++) out.push(msg(roomId, s, user));
  return out;
}

export function room(id: number, name: string, lastSeq = 0, extra: Partial<Room> = {}): Room {
  return { id, name, topic: "", private: false, archived: false, joined: true, last_seq: lastSeq, ...extra };
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

/** Let pending promise chains (fake fetches) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await vi.advanceTimersByTimeAsync(0);
}
