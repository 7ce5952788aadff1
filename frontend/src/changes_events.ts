/**
 * Changes to messages already sent: the `message.updated`, `message.deleted` and `reactions` frames, the per-room
 * change cursor and the catch-up after a reconnect (`GET /api/rooms/{id}/changes?since=`), and the user's own
 * edits, deletions and reactions (frames; the server answers every member with the change frames above, this
 * page included, so nothing is applied before that).
 *
 * After every `hello` (docs/protocol.md "Changes"): a room whose history this page holds keeps its cursor and
 * fetches the changes after it until `has_more` is false; any other room starts from the hello's `change_seq`.
 * Changes to messages not held (older than what was loaded) are skipped; a change that arrives before its
 * message waits for it (changes_data.ts).
 */
import type { ChatClient } from "./client";
import { msg, type Msg } from "./i18n/translate";
import { bodyLength } from "./messages_events";
import type { ChangeFrame, Message, Room } from "./protocol";
import { ChangeCursors, applyChange, changeSeqOf } from "./changes_data";
import { toggleType } from "./reactions_data";
import type { FrameOf } from "./server_events_dispatch";

/** Catch-up pages use the largest page the server allows. */
const CHANGES_PAGE = 100;
/** Upper bound on catch-up pages per round, so a misbehaving server cannot keep us looping. */
const CHANGES_MAX_PAGES = 10_000;

export class ChangesEvents {
  private readonly c: ChatClient;
  readonly cursors = new ChangeCursors();
  private readonly catchingUp = new Set<number>();

  constructor(c: ChatClient) {
    this.c = c;
  }

  // ---- frames ---------------------------------------------------------------------------------

  onUpdated(f: FrameOf<"message.updated">): void {
    this.apply(f);
  }

  onDeleted(f: FrameOf<"message.deleted">): void {
    this.apply(f);
  }

  onReactions(f: FrameOf<"reactions">): void {
    this.apply(f);
  }

  private apply(f: ChangeFrame): void {
    const c = this.c;
    this.cursors.raise(f.room_id, f.change_seq);
    const seq = changeSeqOf(f);
    const held = c.messagesData.get(f.room_id, seq);
    if (!held) {
      // Its message is on its way (a gap being filled); an older one not held is of no interest.
      if (c.messagesData.isLoaded(f.room_id) && seq > c.messagesData.newestSeq(f.room_id)) this.cursors.hold(f);
      return;
    }
    const next = applyChange(held, f);
    if (next) c.messagesData.replace(next);
  }

  /** Messages arrived in the room: changes that waited for them apply now. */
  messagesArrived(roomId: number): void {
    for (const f of this.cursors.takeReady(roomId, (seq) => this.c.messagesData.has(roomId, seq))) this.apply(f);
  }

  // ---- the cursor -----------------------------------------------------------------------------

  /** `hello`: held rooms catch up from their cursor; the others start at the hello's. */
  hello(rooms: readonly Room[]): void {
    for (const r of rooms) {
      if (this.c.messagesData.isLoaded(r.id) && this.cursors.get(r.id) !== undefined) void this.catchUp(r.id);
      else this.cursors.start(r.id, r.change_seq ?? 0);
    }
  }

  /** `room.joined` (or a create/join/DM answer): changes count from the room's cursor now. */
  joined(room: Room): void {
    if (this.cursors.get(room.id) === undefined) this.cursors.start(room.id, room.change_seq ?? 0);
  }

  forget(roomId: number): void {
    this.cursors.forget(roomId);
  }

  /** Fetches the changes after the room's cursor until has_more is false (one round at a time per room). */
  async catchUp(roomId: number): Promise<void> {
    const c = this.c;
    if (this.catchingUp.has(roomId)) return;
    this.catchingUp.add(roomId);
    try {
      for (let guard = 0; guard < CHANGES_MAX_PAGES; guard++) {
        const since = this.cursors.get(roomId) ?? 0;
        const page = await c.api.changes(roomId, since, CHANGES_PAGE);
        for (const m of page.messages) {
          const held = c.messagesData.get(roomId, m.seq);
          if (held && (m.change_seq ?? 0) > (held.change_seq ?? 0)) c.messagesData.replace(m);
        }
        this.cursors.raise(roomId, page.change_seq);
        c.changed();
        if (!page.has_more || page.change_seq <= since) break;
      }
    } catch {
      // The next hello tries again from the same cursor.
    } finally {
      this.catchingUp.delete(roomId);
    }
  }

  // ---- the user's own changes -----------------------------------------------------------------

  /** Sends an edit of one's own message. Returns why it cannot go, else null (an unchanged body sends nothing). */
  edit(m: Message, text: string): Msg | null {
    const body = text.trim();
    if (!body) return msg("composer.empty");
    const len = bodyLength(body);
    const max = this.c.config.max_body_chars;
    if (len > max) return msg("composer.tooLong", { length: len, max });
    if (body === m.body) return null;
    if (!this.c.sendFrame({ type: "message.edit", message_id: m.id, body })) return msg("edit.offline");
    return null;
  }

  /** Deletes a message (one's own; an admin's anyone's). */
  remove(m: Message): Msg | null {
    return this.c.sendFrame({ type: "message.delete", message_id: m.id }) ? null : msg("edit.offline");
  }

  /** Adds the reaction, or takes it back when the user already has it. */
  toggleReaction(m: Message, emoji: string): Msg | null {
    const type = toggleType(m.reactions ?? [], emoji, this.c.me.id);
    return this.c.sendFrame({ type, message_id: m.id, emoji }) ? null : msg("edit.offline");
  }
}
