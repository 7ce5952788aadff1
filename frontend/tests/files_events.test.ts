/**
 * Files, the client's side (files_events.ts): the composer's uploads on a scripted uploader (the browser's
 * XMLHttpRequest is the outside edge), progress, cancel, errors, and the send that carries `file_ids`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Api } from "../src/api";
import { ChatClient } from "../src/client";
import type { UploadRequest } from "../src/files_events";
import type { Me } from "../src/protocol";
import { ana, config, FakeWs, json, room, say, settle } from "./fixtures";

const me: Me = { ...ana, is_admin: false };

interface Call {
  url: string;
  name: string;
  size: number;
  progress: (n: number) => void;
  finish: (status: number | null, body?: unknown) => void;
  aborted: boolean;
}

function setup() {
  const calls: Call[] = [];
  const sockets: FakeWs[] = [];
  const uploader = (url: string, file: Blob, name: string, onProgress: (n: number) => void): UploadRequest => {
    let resolve!: (v: { status: number | null; body: unknown }) => void;
    const done = new Promise<{ status: number | null; body: unknown }>((r) => (resolve = r));
    const call: Call = {
      url,
      name,
      size: file.size,
      progress: onProgress,
      finish: (status, body) => resolve({ status, body }),
      aborted: false,
    };
    calls.push(call);
    return {
      done,
      abort: () => {
        call.aborted = true;
        resolve({ status: null, body: undefined });
      },
    };
  };
  const client = new ChatClient(me, {
    api: new Api(async (url) => (url.includes("/members") ? json({ members: [] }) : json({ messages: [], has_more: false }))),
    uuid: () => "uuid-1",
    wsUrl: () => "ws://test/ws",
    isHidden: () => false,
    uploader,
    createSocket: () => {
      const ws = new FakeWs();
      sockets.push(ws);
      return ws;
    },
  });
  return { client, calls, ws: () => sockets[sockets.length - 1] };
}

const png = (name = "cat.png", bytes = 2048) => new File([new Uint8Array(bytes)], name, { type: "image/png" });
const stored = (id: number, name: string) => ({ file: { id, name, size: 2048, content_type: "image/png", thumbnail: true, width: 64, height: 48 } });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("files", () => {
  it("uploads to the open room with progress, then sends the message with file_ids (an empty body is fine)", async () => {
    const { client, calls, ws } = setup();
    client.start();
    ws().receive({ type: "hello", user: me, rooms: [room(4, "general")], presence: [], config });
    await settle();
    expect(client.files.attach([png()])).toBeNull();
    expect(calls.map((c) => [c.url, c.name, c.size])).toEqual([["/api/rooms/4/files", "cat.png", 2048]]);
    const [u] = client.files.uploads.forRoom(4);
    calls[0].progress(1024);
    expect(client.files.uploads.get(u.key)?.loaded).toBe(1024);
    expect(say(client.files.send(""))).toBe("Wait until the uploads have finished.");
    calls[0].finish(201, stored(99, "cat.png"));
    await settle();
    expect(client.files.uploads.get(u.key)?.state).toBe("done");
    expect(client.files.send("  ")).toBeNull();
    expect(ws().sentOf("message.send")).toEqual([
      { type: "message.send", room_id: 4, body: "", client_id: "uuid-1", file_ids: [99] },
    ]);
    expect(client.files.uploads.forRoom(4)).toEqual([]);
    expect(client.messagesData.getPending("uuid-1")?.files.map((f) => f.id)).toEqual([99]);
    client.stop();
  });

  it("a message without files sends no file_ids; nothing at all is not sent", async () => {
    const { client, ws } = setup();
    client.start();
    ws().receive({ type: "hello", user: me, rooms: [room(4, "general")], presence: [], config });
    await settle();
    expect(say(client.files.send(" "))).toBe(say({ key: "composer.empty" }));
    expect(client.files.send("hi")).toBeNull();
    expect(ws().sentOf("message.send")[0]).not.toHaveProperty("file_ids");
    client.stop();
  });

  it("cancel aborts the request and forgets the upload; its late answer changes nothing", async () => {
    const { client, calls, ws } = setup();
    client.start();
    ws().receive({ type: "hello", user: me, rooms: [room(4, "general")], presence: [], config });
    await settle();
    client.files.attach([png("a.png"), png("b.png")]);
    const [a, b] = client.files.uploads.forRoom(4);
    client.files.remove(a.key);
    expect(calls[0].aborted).toBe(true);
    expect(calls[1].aborted).toBe(false);
    calls[0].finish(201, stored(1, "a.png"));
    calls[1].finish(201, stored(2, "b.png"));
    await settle();
    expect(client.files.uploads.forRoom(4).map((u) => [u.key, u.state])).toEqual([[b.key, "done"]]);
    client.files.send("");
    expect(ws().sentOf("message.send")[0].file_ids).toEqual([2]);
    client.stop();
  });

  it("a refused upload fails with the translated reason (413 file_too_large, 429 upload_quota_exceeded)", async () => {
    const { client, calls, ws } = setup();
    client.start();
    ws().receive({ type: "hello", user: me, rooms: [room(4, "general")], presence: [], config });
    await settle();
    client.files.attach([png("big.png"), png("more.png")]);
    calls[0].finish(413, { error: { code: "file_too_large", message: "x", max_bytes: 10 } });
    calls[1].finish(429, { error: { code: "upload_quota_exceeded", message: "x", quota_bytes: 10 } });
    await settle();
    const [big, more] = client.files.uploads.forRoom(4);
    expect([big.state, say(big.error)]).toEqual(["failed", "That file is too large to upload."]);
    expect(say(more.error)).toBe("You have uploaded as much as allowed for today. Try again later.");
    // Failed uploads are not sent; the message goes without them.
    expect(say(client.files.send(""))).toBe(say({ key: "composer.empty" }));
    client.stop();
  });

  it("at most ten files per message: the rest are refused with a reason", async () => {
    const { client, calls, ws } = setup();
    client.start();
    ws().receive({ type: "hello", user: me, rooms: [room(4, "general")], presence: [], config });
    await settle();
    const err = client.files.attach(Array.from({ length: 12 }, (_, i) => png(`${i}.png`)));
    expect(say(err)).toBe("At most 10 files per message.");
    expect(calls).toHaveLength(10);
    client.stop();
  });
});
