/**
 * Messages live: the `message.new` and `message.ack` frames, `error` frames (a refused send carries its
 * client_id; any other error becomes the page's notice), and the outbox — send, retry, discard.
 *
 * A send is stored as pending first (messages_data.ts), then written to the socket if it is open; it waits
 * for its ack until ACK_TIMEOUT_MS, and after a reconnect every queued send goes out again with its original
 * client_id (the server dedupes). A live message above a hole in what we hold starts a catch-up
 * (messages_history.ts).
 */
import type { ChatClient } from "./client";
import { errorMsg } from "./i18n/errors";
import { msg, type Msg } from "./i18n/translate";
import type { Message, MessageFile, MessageSendFrame } from "./protocol";
import type { FrameOf } from "./server_events_dispatch";

/** A send with no ack after this long is shown as failed with a Retry button. */
export const ACK_TIMEOUT_MS = 10_000;

/** Length as the server counts it (code points), for the composer's limit. */
export function bodyLength(text: string): number {
  let n = 0;
  for (const _ of text.trim()) n++;
  return n;
}

export class MessagesEvents {
  private readonly c: ChatClient;

  constructor(c: ChatClient) {
    this.c = c;
  }

  // ---- frames ---------------------------------------------------------------------------------

  /** Our own send was stored: the pending copy resolves by its client_id. */
  onAck(f: FrameOf<"message.ack">): void {
    this.receive(f.message);
  }

  onNew(f: FrameOf<"message.new">): void {
    if (this.receive(f.message)) this.c.notify.onMessage(f.message);
  }

  onError(f: FrameOf<"error">): void {
    const text = errorMsg(f.code);
    if (f.client_id && this.c.messagesData.markFailed(f.client_id, text)) return;
    this.c.notice = text;
    this.c.noticeKind = "error";
  }

  /** Stores a live message; true when it was new to this page. */
  private receive(m: Message): boolean {
    const c = this.c;
    c.roomsData.bumpLatest(m.room_id, m.seq, m);
    const added = c.messagesData.insert(m.room_id, [m]).length > 0;
    c.changes.messagesArrived(m.room_id);
    c.typingData.stop(m.room_id, m.user.id);
    if (m.room_id === c.rooms.currentId) c.unread.maybeMarkRead();
    if (c.messagesData.isLoaded(m.room_id) && c.messagesData.contiguousTop(m.room_id) < m.seq) {
      void c.history.syncRoom(m.room_id);
    }
    return added;
  }

  // ---- the outbox -----------------------------------------------------------------------------

  /**
   * Sends into the open room, with files already uploaded (the body may then be empty). Returns why the message
   * cannot be sent, else null.
   */
  send(text: string, files: MessageFile[] = []): Msg | null {
    const c = this.c;
    const roomId = c.rooms.currentId;
    if (roomId === null) return msg("messages.pickRoom");
    const body = text.trim();
    if (!body && files.length === 0) return msg("composer.empty");
    const len = bodyLength(body);
    if (len > c.config.max_body_chars) return msg("composer.tooLong", { length: len, max: c.config.max_body_chars });
    const room = c.roomsData.get(roomId);
    if (room?.archived) return msg("composer.archived");
    c.typing.stop();
    const p = c.messagesData.addPending(roomId, c.uuid(), body, c.now(), files);
    this.transmit(p.clientId);
    c.unread.atBottom = true;
    c.changed();
    return null;
  }

  retry(clientId: string): void {
    const p = this.c.messagesData.markRetry(clientId);
    if (p) this.transmit(p.clientId);
    this.c.changed();
  }

  discard(clientId: string): void {
    this.c.messagesData.discardPending(clientId);
    this.c.changed();
  }

  /** After a `hello`: every queued send goes out (same client_id), unless we left its room meanwhile. */
  flushQueue(): void {
    for (const p of this.c.messagesData.queued()) {
      if (!this.c.roomsData.isJoined(p.roomId)) {
        this.c.messagesData.markFailed(p.clientId, msg("messages.noLongerMember"));
        continue;
      }
      this.transmit(p.clientId);
    }
  }

  /** The connection dropped: sends on it were maybe never received, so they wait for the next hello. */
  connectionLost(): void {
    this.c.messagesData.requeueInFlight();
  }

  private transmit(clientId: string): void {
    const c = this.c;
    const p = c.messagesData.getPending(clientId);
    if (!p || p.state !== "queued") return;
    const frame: MessageSendFrame = { type: "message.send", room_id: p.roomId, body: p.body, client_id: p.clientId };
    if (p.files.length > 0) frame.file_ids = p.files.map((f) => f.id);
    const ok = c.sendFrame(frame);
    if (ok) c.messagesData.markSent(p.clientId, c.now(), ACK_TIMEOUT_MS);
  }
}
