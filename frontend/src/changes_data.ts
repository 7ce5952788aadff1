/**
 * Edits, deletions and reactions, pure: how a change frame or a newer copy applies to a held message, the
 * per-room change cursor, and change frames that arrived before their message (docs/protocol.md "Changes").
 *
 * Policy: a held message is replaced only by a copy with a higher `change_seq`; `message.deleted` makes it a
 * tombstone, `reactions` replaces its list. The cursor of a room is the highest change_seq seen (first from
 * `hello` / `room.joined`); after a reconnect the catch-up pages start from it. A change for a seq above the
 * highest held is kept until that message arrives.
 */
import type { ChangeFrame, Message } from "./protocol";

/** The message as a change frame leaves it, or null when the held copy is as new or newer. */
export function applyChange(held: Message, f: ChangeFrame): Message | null {
  if (f.change_seq <= (held.change_seq ?? 0)) return null;
  switch (f.type) {
    case "message.updated":
      return f.message;
    case "message.deleted":
      return { ...held, deleted: true, body: "", reactions: [], change_seq: f.change_seq };
    case "reactions":
      return { ...held, reactions: f.reactions, change_seq: f.change_seq };
  }
}

/** The seq a change frame is about. */
export function changeSeqOf(f: ChangeFrame): number {
  return f.type === "message.updated" ? f.message.seq : f.seq;
}

/** Per-room change cursors and the change frames waiting for their message. */
export class ChangeCursors {
  private readonly cursors = new Map<number, number>();
  private readonly early = new Map<number, ChangeFrame[]>();

  get(roomId: number): number | undefined {
    return this.cursors.get(roomId);
  }

  /** A cursor from `hello` / `room.joined` for a room whose history is not held: start from it. */
  start(roomId: number, changeSeq: number): void {
    this.cursors.set(roomId, changeSeq);
    this.early.delete(roomId);
  }

  /** A change frame or a catch-up page brought this change_seq: the cursor never goes back. */
  raise(roomId: number, changeSeq: number): void {
    if (changeSeq > (this.cursors.get(roomId) ?? 0)) this.cursors.set(roomId, changeSeq);
  }

  forget(roomId: number): void {
    this.cursors.delete(roomId);
    this.early.delete(roomId);
  }

  /** Keeps a change for a message not held yet (its seq is above the highest held). */
  hold(f: ChangeFrame): void {
    const list = this.early.get(f.room_id) ?? [];
    list.push(f);
    this.early.set(f.room_id, list);
  }

  /** The kept changes whose message is now held (`has(seq)`), oldest change first; they leave the queue. */
  takeReady(roomId: number, has: (seq: number) => boolean): ChangeFrame[] {
    const list = this.early.get(roomId);
    if (!list) return [];
    const ready = list.filter((f) => has(changeSeqOf(f))).sort((a, b) => a.change_seq - b.change_seq);
    const rest = list.filter((f) => !has(changeSeqOf(f)));
    if (rest.length) this.early.set(roomId, rest);
    else this.early.delete(roomId);
    return ready;
  }
}
