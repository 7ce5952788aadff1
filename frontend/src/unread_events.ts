/**
 * Reading: the open room is marked read (rooms_data.ts keeps the markers) once its newest messages are on
 * screen — the message view shows its bottom and the page is visible — and unread totals for the tab title.
 */
import type { ChatClient } from "./client";
import type { FrameOf } from "./server_events_dispatch";

export class UnreadEvents {
  private readonly c: ChatClient;
  /** the message view shows the bottom of the open room (opening a room or sending scrolls there) */
  atBottom = true;

  constructor(c: ChatClient) {
    this.c = c;
  }

  /** The message view reports whether its bottom is visible. */
  setAtBottom(atBottom: boolean): void {
    this.atBottom = atBottom;
    if (atBottom) this.maybeMarkRead();
  }

  maybeMarkRead(): void {
    const c = this.c;
    const id = c.rooms.currentId;
    if (id === null || !this.atBottom || c.isHidden()) return;
    if (c.roomsData.unread(id) > 0) {
      c.roomsData.markRead(id);
      c.changed();
    }
  }

  /** The user's read marker of a room moved (in this tab or another). */
  onRead(f: FrameOf<"read">): void {
    this.c.roomsData.applyRead(f.room_id, f.seq);
    this.c.changed();
  }

  /** Unread messages in all joined rooms. */
  total(): number {
    let n = 0;
    for (const r of this.c.roomsData.joinedRooms()) n += this.c.roomsData.unread(r.id);
    return n;
  }
}
