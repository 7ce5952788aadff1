/**
 * The WebSocket connection to /ws: connect, reconnect with backoff, send.
 *
 * Policy (docs/protocol.md "Close codes"):
 *  - 4401: the session ended; state becomes "ended" and nothing reconnects.
 *  - anything else (1001 shutdown, 1006 network, 4408 fell behind, a failed handshake): reconnect after
 *    an exponential delay with jitter, 0.5 s doubling to a 30 s cap. The attempt counter resets only once a
 *    `hello` arrives, so a server that accepts and drops at once still backs off.
 *  - "open" means a `hello` was received, not just the TCP/WebSocket handshake: only then is it useful to send.
 *
 * Sending: `send` writes a frame only while open and says whether it did. There is deliberately no
 * transport-level queue of chat messages — the outbox lives in MessageStore, which knows which sends were
 * acked and re-sends the rest (same client_id) after every `hello`. Typing and presence frames are
 * ephemeral and are not worth replaying.
 *
 * Time, randomness and the WebSocket constructor are injected so tests drive it by hand.
 */
import { CLOSE_SESSION_ENDED, parseServerFrame, type ClientFrame, type ServerFrame } from "./protocol";

export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type ConnState = "connecting" | "open" | "reconnecting" | "ended" | "stopped";

export interface ConnInfo {
  state: ConnState;
  /** consecutive failed attempts since the last hello */
  attempt: number;
  /** when the next attempt is due (injected clock), for "retrying in …" */
  retryAt: number | null;
  /** close code of the last drop */
  lastCloseCode: number | null;
  /** the dropped connection never got as far as a hello (handshake refused, server down) */
  failedBeforeHello: boolean;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/** First retry after about half a second; the cap keeps a long outage from meaning minutes of waiting. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/** Delay before attempt n (0-based): base·2ⁿ capped, with "equal jitter" — half fixed, half random. */
export function backoffDelay(attempt: number, random: () => number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const base = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + random() * (base / 2));
}

export function socketUrl(loc: { protocol: string; host: string }, path = "/ws"): string {
  return `${loc.protocol === "https:" ? "wss:" : "ws:"}//${loc.host}${path}`;
}

export interface ChatSocketOptions {
  url: () => string;
  onFrame: (frame: ServerFrame) => void;
  onState: (info: ConnInfo) => void;
  createSocket?: (url: string) => WebSocketLike;
  timers?: Timers;
  random?: () => number;
  backoff?: BackoffOptions;
}

const OPEN = 1;

export class ChatSocket {
  private readonly opts: ChatSocketOptions;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly createSocket: (url: string) => WebSocketLike;
  private ws: WebSocketLike | null = null;
  private retryHandle: unknown = null;
  private info: ConnInfo = {
    state: "stopped",
    attempt: 0,
    retryAt: null,
    lastCloseCode: null,
    failedBeforeHello: false,
  };
  private gotHello = false;

  constructor(opts: ChatSocketOptions) {
    this.opts = opts;
    this.timers = opts.timers ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
      now: () => Date.now(),
    };
    this.random = opts.random ?? Math.random;
    this.createSocket = opts.createSocket ?? ((url) => new WebSocket(url));
  }

  get state(): ConnState {
    return this.info.state;
  }

  get connInfo(): ConnInfo {
    return { ...this.info };
  }

  private setInfo(patch: Partial<ConnInfo>): void {
    this.info = { ...this.info, ...patch };
    this.opts.onState({ ...this.info });
  }

  /** Starts connecting (no-op when already running). */
  start(): void {
    if (this.info.state !== "stopped" && this.info.state !== "ended") return;
    this.info.attempt = 0;
    this.connect();
  }

  /** Closes for good (logout, leaving the chat screen). */
  stop(): void {
    this.clearRetry();
    this.setInfo({ state: "stopped", retryAt: null });
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      try {
        ws.close(1000, "bye");
      } catch {
        // already closed
      }
    }
  }

  /**
   * Drops the current connection without reporting its close and connects afresh (the session cookie was
   * replaced: the old connection's coming 4401 belongs to the old session). Works from "ended" too.
   */
  restart(): void {
    if (this.info.state === "stopped") return;
    this.clearRetry();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      try {
        ws.close(1000, "new session");
      } catch {
        // already closed
      }
    }
    this.info.attempt = 0;
    this.connect();
  }

  /** Skips the remaining wait (browser came back online, user clicked "retry now"). */
  reconnectNow(): void {
    if (this.info.state !== "reconnecting") return;
    this.clearRetry();
    this.connect();
  }

  /** Writes a frame if the connection is open (hello received). */
  send(frame: ClientFrame): boolean {
    if (this.info.state !== "open" || !this.ws || this.ws.readyState !== OPEN) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  private clearRetry(): void {
    if (this.retryHandle !== null) this.timers.clearTimeout(this.retryHandle);
    this.retryHandle = null;
  }

  private connect(): void {
    this.gotHello = false;
    this.setInfo({ state: this.info.attempt === 0 ? "connecting" : "reconnecting", retryAt: null });
    let ws: WebSocketLike;
    try {
      ws = this.createSocket(this.opts.url());
    } catch {
      this.scheduleRetry(null, true);
      return;
    }
    this.ws = ws;
    ws.onmessage = (ev) => {
      if (this.ws !== ws || typeof ev.data !== "string") return;
      const frame = parseServerFrame(ev.data);
      if (!frame) return;
      if (frame.type === "hello") {
        this.gotHello = true;
        this.setInfo({ state: "open", attempt: 0, retryAt: null, failedBeforeHello: false });
      }
      this.opts.onFrame(frame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      detach(ws);
      if (ev.code === CLOSE_SESSION_ENDED) {
        this.clearRetry();
        this.setInfo({ state: "ended", retryAt: null, lastCloseCode: ev.code, failedBeforeHello: !this.gotHello });
        return;
      }
      this.scheduleRetry(ev.code, !this.gotHello);
    };
    ws.onerror = () => {
      // A close event always follows; the decision is made there.
    };
  }

  private scheduleRetry(code: number | null, failedBeforeHello: boolean): void {
    const delay = backoffDelay(this.info.attempt, this.random, this.opts.backoff);
    const retryAt = this.timers.now() + delay;
    this.clearRetry();
    this.setInfo({
      state: "reconnecting",
      attempt: this.info.attempt + 1,
      retryAt,
      lastCloseCode: code,
      failedBeforeHello,
    });
    this.retryHandle = this.timers.setTimeout(() => {
      this.retryHandle = null;
      if (this.info.state === "reconnecting") this.connect();
    }, delay);
  }
}

function detach(ws: WebSocketLike): void {
  ws.onopen = null;
  ws.onmessage = null;
  ws.onclose = null;
  ws.onerror = null;
}
