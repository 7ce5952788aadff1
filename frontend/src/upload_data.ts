/**
 * Uploads, pure: the files being attached to the next message of each room, as a small state machine, and what
 * an upload's failure says. No I/O: files_events.ts moves the bytes (XMLHttpRequest, for its progress events).
 *
 * States: "uploading" (with bytes sent so far) → "done" (the server's File, ready to send) or "failed" (with the
 * reason). Cancelling an upload forgets it (the transport aborts the request); removing a done or failed one
 * forgets it too. Progress only moves forward and never past the size; a late event for a forgotten or finished
 * upload changes nothing. Sending takes the room's done uploads (their ids, in the order they were attached) and
 * forgets them; an upload still running keeps the send waiting (`busy`).
 *
 * Errors (docs/protocol.md "Files"): 413 `file_too_large` and 429 `upload_quota_exceeded` (and every other code)
 * by their code; a 413 from a proxy in front of the server (no JSON) is still "too large"; no answer at all is
 * "cannot reach the server".
 */
import { errorMsg } from "./i18n/errors";
import { msg, type Msg } from "./i18n/translate";
import type { MessageFile } from "./protocol";

/** Files one message may carry (docs/protocol.md limits: `file_ids` of one `message.send`). */
export const MAX_FILES_PER_MESSAGE = 10;

export type UploadState = "uploading" | "done" | "failed";

export interface Upload {
  /** local id of this upload (not the server's file id) */
  key: string;
  roomId: number;
  name: string;
  /** bytes */
  size: number;
  /** bytes sent so far */
  loaded: number;
  state: UploadState;
  /** the server's File once done */
  file: MessageFile | null;
  error: Msg | null;
}

export class UploadStore {
  private readonly uploads = new Map<string, Upload>();

  /** A new upload of a room, starting. */
  add(key: string, roomId: number, name: string, size: number): Upload {
    const u: Upload = { key, roomId, name, size, loaded: 0, state: "uploading", file: null, error: null };
    this.uploads.set(key, u);
    return u;
  }

  get(key: string): Upload | undefined {
    return this.uploads.get(key);
  }

  /** Bytes sent so far (an XHR upload progress event); true when that changed anything. */
  progress(key: string, loaded: number): boolean {
    const u = this.uploads.get(key);
    if (!u || u.state !== "uploading") return false;
    const next = Math.min(Math.max(loaded, u.loaded), u.size);
    if (next === u.loaded) return false;
    u.loaded = next;
    return true;
  }

  /** The server stored it. */
  done(key: string, file: MessageFile): boolean {
    const u = this.uploads.get(key);
    if (!u || u.state !== "uploading") return false;
    u.state = "done";
    u.loaded = u.size;
    u.file = file;
    return true;
  }

  fail(key: string, error: Msg): boolean {
    const u = this.uploads.get(key);
    if (!u || u.state !== "uploading") return false;
    u.state = "failed";
    u.error = error;
    return true;
  }

  /** Forgets an upload (cancel while uploading, or remove). Returns whether it was still uploading (abort it). */
  remove(key: string): boolean {
    const u = this.uploads.get(key);
    if (!u) return false;
    this.uploads.delete(key);
    return u.state === "uploading";
  }

  /** A room's uploads, in the order they were attached. */
  forRoom(roomId: number): Upload[] {
    return [...this.uploads.values()].filter((u) => u.roomId === roomId);
  }

  /** Something of this room is still uploading: a send waits. */
  busy(roomId: number): boolean {
    return this.forRoom(roomId).some((u) => u.state === "uploading");
  }

  /** How many more files the room's next message may take. */
  capacity(roomId: number): number {
    return MAX_FILES_PER_MESSAGE - this.forRoom(roomId).filter((u) => u.state !== "failed").length;
  }

  /** The room's done files, in order, taken out for a send. */
  takeReady(roomId: number): MessageFile[] {
    const out: MessageFile[] = [];
    for (const u of this.forRoom(roomId)) {
      if (u.state === "done" && u.file) {
        out.push(u.file);
        this.uploads.delete(u.key);
      }
    }
    return out;
  }

  /** Percent done, for the progress bar (0–100). */
  static percent(u: Upload): number {
    if (u.size <= 0) return u.state === "uploading" ? 0 : 100;
    return Math.floor((u.loaded / u.size) * 100);
  }
}

/** Why an upload failed, from the HTTP status and the answer's JSON (null: no answer at all). */
export function uploadError(status: number | null, body: unknown): Msg {
  if (status === null || status === 0) return msg("error.network");
  const code = errorCode(body);
  if (code) return errorMsg(code, status);
  if (status === 413) return errorMsg("file_too_large");
  if (status >= 500) return errorMsg("server_unavailable");
  return errorMsg(`http_${status}`, status);
}

function errorCode(body: unknown): string | null {
  if (typeof body !== "object" || body === null || !("error" in body)) return null;
  const e = (body as { error: unknown }).error;
  if (typeof e !== "object" || e === null) return null;
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" ? code : null;
}

/** A file size for people: 1 decimal under 10 of a unit, none above; 1 KB = 1024 B. */
export function formatSize(bytes: number): Msg {
  const units = ["files.sizeB", "files.sizeKB", "files.sizeMB", "files.sizeGB"] as const;
  let n = Math.max(0, bytes);
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  const size = i === 0 ? String(n) : n < 10 ? n.toFixed(1) : String(Math.round(n));
  return msg(units[i], { size });
}
