/**
 * Files, the client's side: uploads a file to the open room (`POST /api/rooms/{id}/files`, multipart) with
 * XMLHttpRequest — fetch cannot report upload progress — so the composer shows a progress bar with a cancel
 * button; then the message is sent with the done files' ids (`message.send` `file_ids`). The state and the error
 * texts are in upload_data.ts.
 */
import type { ChatClient } from "./client";
import { msg, type Msg } from "./i18n/translate";
import type { FileResponse } from "./protocol";
import { MAX_FILES_PER_MESSAGE, uploadError, UploadStore } from "./upload_data";

/** One running upload: its outcome (the HTTP status and parsed JSON, status null for no answer) and how to stop it. */
export interface UploadRequest {
  done: Promise<{ status: number | null; body: unknown }>;
  abort: () => void;
}
/** Starts an upload of `file` to `url`, reporting bytes sent. */
export type Uploader = (url: string, file: Blob, name: string, onProgress: (loaded: number) => void) => UploadRequest;

/** The browser's uploader: XMLHttpRequest, same-origin cookies, multipart with one part named `file`. */
export const xhrUploader: Uploader = (url, file, name, onProgress) => {
  const xhr = new XMLHttpRequest();
  const done = new Promise<{ status: number | null; body: unknown }>((resolve) => {
    xhr.upload.onprogress = (ev) => onProgress(ev.loaded);
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => resolve({ status: null, body: undefined });
    xhr.onabort = () => resolve({ status: null, body: undefined });
  });
  const form = new FormData();
  form.append("file", file, name);
  xhr.open("POST", url);
  xhr.setRequestHeader("Accept", "application/json");
  xhr.send(form);
  return { done, abort: () => xhr.abort() };
};

export class FilesEvents {
  private readonly c: ChatClient;
  readonly uploads = new UploadStore();
  private readonly requests = new Map<string, UploadRequest>();
  private readonly uploader: Uploader;
  private n = 0;

  constructor(c: ChatClient, uploader: Uploader = xhrUploader) {
    this.c = c;
    this.uploader = uploader;
  }

  /** Starts uploading files to the open room; returns why some were not taken (too many), else null. */
  attach(files: readonly File[]): Msg | null {
    const c = this.c;
    const roomId = c.rooms.currentId;
    if (roomId === null || files.length === 0) return null;
    const room = c.roomsData.get(roomId);
    if (room?.archived) return msg("composer.archived");
    const free = Math.max(0, this.uploads.capacity(roomId));
    for (const f of files.slice(0, free)) this.start(roomId, f);
    c.changed();
    return files.length > free ? msg("files.tooMany", { max: MAX_FILES_PER_MESSAGE }) : null;
  }

  /** Stops an upload, or forgets a done or failed one. */
  remove(key: string): void {
    if (this.uploads.remove(key)) this.requests.get(key)?.abort();
    this.requests.delete(key);
    this.c.changed();
  }

  /**
   * Sends the composer's text with the open room's done files. Returns why it cannot be sent (uploads running,
   * nothing to send, …), else null.
   */
  send(text: string): Msg | null {
    const c = this.c;
    const roomId = c.rooms.currentId;
    if (roomId !== null && this.uploads.busy(roomId)) return msg("files.wait");
    const ready = roomId === null ? [] : this.uploads.forRoom(roomId).filter((u) => u.state === "done");
    const err = c.messages.send(text, ready.map((u) => u.file!));
    if (err === null && roomId !== null) this.uploads.takeReady(roomId);
    return err;
  }

  private start(roomId: number, file: File): void {
    const key = `up-${++this.n}`;
    this.uploads.add(key, roomId, file.name || "file", file.size);
    const req = this.uploader(`/api/rooms/${roomId}/files`, file, file.name || "file", (loaded) => {
      if (this.uploads.progress(key, loaded)) this.c.changed();
    });
    this.requests.set(key, req);
    void req.done.then(({ status, body }) => {
      this.requests.delete(key);
      const u = this.uploads.get(key);
      if (!u || u.state !== "uploading") return;
      const file = status !== null && status >= 200 && status < 300 ? (body as FileResponse | undefined)?.file : undefined;
      if (file) this.uploads.done(key, file);
      else this.uploads.fail(key, uploadError(status, body));
      this.c.changed();
    });
  }
}
