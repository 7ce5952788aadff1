import { describe, expect, it } from "vitest";
import { ChatSocket, backoffDelay, socketUrl, type ConnInfo, type Timers, type WebSocketLike } from "../src/socket";
import type { ServerFrame } from "../src/protocol";

class FakeWs implements WebSocketLike {
  readyState = 0;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  sent: string[] = [];
  closedWith: number | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closedWith = code ?? 1000;
  }
  // test helpers
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  receive(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  }
  drop(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }
}

class FakeTimers implements Timers {
  t = 0;
  private seq = 0;
  tasks = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.tasks.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.tasks.delete(h as number);
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      const due = [...this.tasks.entries()].filter(([, x]) => x.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.tasks.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = until;
  }
}

const hello = {
  type: "hello",
  user: { id: 1, username: "ana", is_admin: false },
  rooms: [],
  presence: [],
  config: {},
};

function setup(random = () => 0.5) {
  const sockets: FakeWs[] = [];
  const frames: ServerFrame[] = [];
  const states: ConnInfo[] = [];
  const timers = new FakeTimers();
  const s = new ChatSocket({
    url: () => "ws://x/ws",
    onFrame: (f) => frames.push(f),
    onState: (i) => states.push(i),
    createSocket: (url) => {
      const ws = new FakeWs(url);
      sockets.push(ws);
      return ws;
    },
    timers,
    random,
  });
  return { s, sockets, frames, states, timers, last: () => sockets[sockets.length - 1] };
}

describe("backoffDelay", () => {
  it("doubles from 0.5 s with equal jitter and caps at 30 s", () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(1, () => 1)).toBe(1000);
    expect(backoffDelay(3, () => 0.5)).toBe(3000);
    expect(backoffDelay(10, () => 1)).toBe(30_000);
    expect(backoffDelay(1000, () => 0)).toBe(15_000);
  });
});

describe("socketUrl", () => {
  it("derives ws/wss from the page location", () => {
    expect(socketUrl({ protocol: "http:", host: "localhost:5173" })).toBe("ws://localhost:5173/ws");
    expect(socketUrl({ protocol: "https:", host: "chat.example" })).toBe("wss://chat.example/ws");
  });
});

describe("ChatSocket", () => {
  it("is open only after hello, and sends only then", () => {
    const { s, last, frames } = setup();
    s.start();
    expect(s.state).toBe("connecting");
    last().open();
    expect(s.send({ type: "presence.set", status: "idle" })).toBe(false);
    last().receive(hello);
    expect(s.state).toBe("open");
    expect(frames.map((f) => f.type)).toEqual(["hello"]);
    expect(s.send({ type: "presence.set", status: "idle" })).toBe(true);
    expect(JSON.parse(last().sent[0])).toEqual({ type: "presence.set", status: "idle" });
  });

  it("ignores frames that are not known server frames", () => {
    const { s, last, frames } = setup();
    s.start();
    last().open();
    last().onmessage?.({ data: "not json" } as MessageEvent);
    last().receive({ type: "bogus" });
    expect(frames).toEqual([]);
  });

  it("reconnects with growing delays and resets after a hello", () => {
    const { s, sockets, timers, last, states } = setup(() => 1);
    s.start();
    last().drop(1006); // attempt 0 failed
    expect(s.state).toBe("reconnecting");
    expect(states[states.length - 1].failedBeforeHello).toBe(true);
    timers.advance(499);
    expect(sockets).toHaveLength(1);
    timers.advance(1);
    expect(sockets).toHaveLength(2);
    last().drop(1006);
    timers.advance(999);
    expect(sockets).toHaveLength(2);
    timers.advance(1);
    expect(sockets).toHaveLength(3);
    last().open();
    last().receive(hello);
    expect(s.state).toBe("open");
    last().drop(1001);
    expect(states[states.length - 1].failedBeforeHello).toBe(false);
    timers.advance(500);
    expect(sockets).toHaveLength(4);
  });

  it("4408 reconnects", () => {
    const { s, sockets, timers, last } = setup();
    s.start();
    last().open();
    last().receive(hello);
    last().drop(4408);
    expect(s.state).toBe("reconnecting");
    timers.advance(30_000);
    expect(sockets).toHaveLength(2);
  });

  it("4401 ends the session and never reconnects", () => {
    const { s, sockets, timers, last, states } = setup();
    s.start();
    last().open();
    last().receive(hello);
    last().drop(4401);
    expect(s.state).toBe("ended");
    expect(states[states.length - 1].lastCloseCode).toBe(4401);
    timers.advance(120_000);
    expect(sockets).toHaveLength(1);
  });

  it("stop cancels a pending retry and closes the socket", () => {
    const { s, sockets, timers, last } = setup();
    s.start();
    last().drop(1006);
    s.stop();
    timers.advance(60_000);
    expect(sockets).toHaveLength(1);
    s.start();
    last().open();
    last().receive(hello);
    const ws = last();
    s.stop();
    expect(ws.closedWith).toBe(1000);
    expect(s.state).toBe("stopped");
  });

  it("restart replaces an open connection and ignores the old one's 4401", () => {
    const { s, sockets, timers, last } = setup();
    s.start();
    last().open();
    last().receive(hello);
    const old = last();
    s.restart();
    expect(old.closedWith).toBe(1000);
    expect(sockets).toHaveLength(2);
    expect(s.state).toBe("connecting");
    old.drop(4401); // the server's close for the old session arrives late: not ours any more
    expect(s.state).toBe("connecting");
    last().open();
    last().receive(hello);
    expect(s.state).toBe("open");
    timers.advance(60_000);
    expect(sockets).toHaveLength(2);
  });

  it("restart connects again after a 4401 ended it, without backoff; not after stop", () => {
    const { s, sockets, last } = setup();
    s.start();
    last().open();
    last().receive(hello);
    last().drop(4401);
    expect(s.state).toBe("ended");
    s.restart();
    expect(sockets).toHaveLength(2);
    expect(s.state).toBe("connecting");
    s.stop();
    s.restart();
    expect(sockets).toHaveLength(2);
    expect(s.state).toBe("stopped");
  });

  it("reconnectNow skips the wait", () => {
    const { s, sockets, last } = setup();
    s.start();
    last().drop(1006);
    s.reconnectNow();
    expect(sockets).toHaveLength(2);
  });
});
