/**
 * Reading: the open room's read marker moves (a `read` frame) once its newest messages are on screen — the
 * message view reports its end visible (IntersectionObserver) and the page is visible — at most once a second
 * per room (reads_data.ReadThrottle; the 1 s sweep sends what waited). The server echoes `read` to every tab of
 * the user, this one included, so a badge cleared here clears everywhere. Unread totals for the tab title.
 */
import type { ChatClient } from "./client";
import type { Room } from "./protocol";
import { ReadThrottle } from "./reads_data";
import type { FrameOf } from "./server_events_dispatch";

export class UnreadEvents {
  private readonly c: ChatClient;
  /** the newest message of the open room is on screen (opening a room or sending scrolls there) */
  atBottom = true;
  private readonly throttle = new ReadThrottle();

  constructor(c: ChatClient) {
    this.c = c;
  }

  /** The message view reports whether its end is visible. */
  setAtBottom(atBottom: boolean): void {
    this.atBottom = atBottom;
    if (atBottom) this.maybeMarkRead();
  }

  /** The newest held message of the open room has been seen: move the marker there (at once here, then the server). */
  maybeMarkRead(): void {
    const c = this.c;
    const id = c.rooms.currentId;
    if (id === null || !this.atBottom || c.isHidden() || !c.messagesData.isLoaded(id)) return;
    const seq = c.messagesData.newestSeq(id);
    if (seq <= c.roomsData.readSeq(id)) return;
    c.roomsData.applyRead(id, seq, c.messagesData.list(id));
    if (this.throttle.want(id, seq, c.now())) this.send(id, seq);
    c.changed();
  }

  /** The 1 s sweep: reads that waited out the interval go now. */
  sweep(now: number): void {
    for (const [roomId, seq] of this.throttle.due(now)) this.send(roomId, seq);
  }

  private send(roomId: number, seq: number): void {
    if (!this.c.sendFrame({ type: "read", room_id: roomId, seq })) this.throttle.reset();
  }

  /** `hello`: its markers are what the server has; anything this page read meanwhile is sent again. */
  hello(rooms: readonly Room[]): void {
    this.throttle.reset();
    for (const r of rooms) this.throttle.known(r.id, r.last_read_seq);
  }

  /** The user's read marker of a room moved (in this tab or another). */
  onRead(f: FrameOf<"read">): void {
    this.throttle.known(f.room_id, f.seq);
    this.c.roomsData.applyRead(f.room_id, f.seq, this.c.messagesData.list(f.room_id));
    this.c.changed();
  }

  /** Unread messages in all joined rooms that are not muted. */
  total(): number {
    return this.c.roomsData.totalUnread();
  }
}
