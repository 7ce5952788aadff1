import { describe, expect, it } from "vitest";
import type { MessageFile } from "../src/protocol";
import { formatSize, MAX_FILES_PER_MESSAGE, uploadError, UploadStore } from "../src/upload_data";
import { say } from "./fixtures";

const file = (id: number, name = `f${id}.txt`): MessageFile => ({ id, name, size: 10, content_type: "text/plain", thumbnail: false });

describe("upload_data", () => {
  it("uploading → done: progress only forward and capped at the size; done fills it", () => {
    const s = new UploadStore();
    s.add("a", 1, "a.png", 1000);
    expect(s.progress("a", 400)).toBe(true);
    expect(s.progress("a", 300)).toBe(false);
    expect(s.get("a")?.loaded).toBe(400);
    s.progress("a", 5000);
    expect(s.get("a")?.loaded).toBe(1000);
    expect(UploadStore.percent(s.get("a")!)).toBe(100);
    expect(s.done("a", file(7, "a.png"))).toBe(true);
    expect(s.get("a")?.state).toBe("done");
    expect(s.progress("a", 10)).toBe(false);
    expect(s.fail("a", { key: "error.network" })).toBe(false);
  });

  it("uploading → failed keeps the reason; late events change nothing", () => {
    const s = new UploadStore();
    s.add("a", 1, "a.bin", 50);
    s.fail("a", { key: "error.file_too_large" });
    expect(s.get("a")?.state).toBe("failed");
    expect(s.done("a", file(1))).toBe(false);
    expect(s.get("a")?.error).toEqual({ key: "error.file_too_large" });
  });

  it("cancel: removing a running upload says so (abort it); removing a done one does not", () => {
    const s = new UploadStore();
    s.add("a", 1, "a", 10);
    s.add("b", 1, "b", 10);
    s.done("b", file(2));
    expect(s.remove("a")).toBe(true);
    expect(s.remove("b")).toBe(false);
    expect(s.remove("zzz")).toBe(false);
    expect(s.forRoom(1)).toEqual([]);
    expect(s.progress("a", 5)).toBe(false);
  });

  it("a send takes the room's done files in order; running ones keep it busy; other rooms untouched", () => {
    const s = new UploadStore();
    s.add("a", 1, "a", 10);
    s.add("b", 1, "b", 10);
    s.add("c", 2, "c", 10);
    s.add("d", 1, "d", 10);
    s.done("d", file(4));
    s.done("a", file(1));
    s.done("c", file(3));
    expect(s.busy(1)).toBe(true);
    s.fail("b", { key: "error.network" });
    expect(s.busy(1)).toBe(false);
    expect(s.takeReady(1).map((f) => f.id)).toEqual([1, 4]);
    expect(s.forRoom(1).map((u) => u.key)).toEqual(["b"]);
    expect(s.forRoom(2).map((u) => u.state)).toEqual(["done"]);
  });

  it("capacity: at most MAX_FILES_PER_MESSAGE per message, failed ones do not count", () => {
    const s = new UploadStore();
    for (let i = 0; i < 4; i++) s.add(`k${i}`, 1, "x", 1);
    s.fail("k0", { key: "error.network" });
    expect(s.capacity(1)).toBe(MAX_FILES_PER_MESSAGE - 3);
    expect(s.capacity(2)).toBe(MAX_FILES_PER_MESSAGE);
  });

  it("errors: by code (413 file_too_large, 429 upload_quota_exceeded, rate_limited), a proxy's 413, no answer", () => {
    const err = (code: string) => ({ error: { code, message: code } });
    expect(say(uploadError(413, err("file_too_large")))).toBe("That file is too large to upload.");
    expect(say(uploadError(429, err("upload_quota_exceeded")))).toBe("You have uploaded as much as allowed for today. Try again later.");
    expect(say(uploadError(429, err("rate_limited")))).toBe("Too many requests at once. Wait a moment and try again.");
    expect(say(uploadError(413, undefined))).toBe("That file is too large to upload.");
    expect(say(uploadError(null, undefined))).toBe("Cannot reach the server. Check your connection and try again.");
    expect(say(uploadError(0, undefined))).toBe("Cannot reach the server. Check your connection and try again.");
    expect(say(uploadError(502, "<html>"))).toBe("The server is not available right now. Try again shortly.");
    expect(say(uploadError(418, err("brand_new_code")))).toBe("The request failed (brand_new_code, 418).");
  });

  it("sizes for people", () => {
    expect(say(formatSize(0))).toBe("0 B");
    expect(say(formatSize(1023))).toBe("1023 B");
    expect(say(formatSize(1536))).toBe("1.5 KB");
    expect(say(formatSize(200 * 1024))).toBe("200 KB");
    expect(say(formatSize(25 * 1024 * 1024))).toBe("25 MB");
    expect(say(formatSize(3 * 1024 ** 3))).toBe("3.0 GB");
  });
});
