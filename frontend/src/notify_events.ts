/**
 * Browser notifications: permission is asked only from the visible "Enable notifications" control (a user
 * gesture); then a DM or a mention of the user that arrives while the page is hidden shows a notification
 * (notify_data.ts decides), unless the room is muted. Clicking it focuses the window and opens the room at that
 * message. The Notification API is injected (ClientDeps.notifier), so tests need no browser.
 */
import type { ChatClient } from "./client";
import { bodyText } from "./markdown_data";
import { notificationBody, shouldNotify, type Permission } from "./notify_data";
import { roomTitle } from "./dms_data";
import type { Message } from "./protocol";

export interface Notifier {
  permission(): Permission;
  request(): Promise<Permission>;
  show(title: string, body: string, tag: string, onClick: () => void): void;
}

/** The browser's Notification API, or one that says "unsupported". */
export function browserNotifier(): Notifier {
  const N = typeof window !== "undefined" && "Notification" in window ? window.Notification : null;
  return {
    permission: () => (N ? (N.permission as Permission) : "unsupported"),
    request: async () => (N ? ((await N.requestPermission()) as Permission) : "unsupported"),
    show: (title, body, tag, onClick) => {
      if (!N) return;
      const n = new N(title, { body, tag });
      n.onclick = () => {
        window.focus();
        onClick();
        n.close();
      };
    },
  };
}

export class NotifyEvents {
  private readonly c: ChatClient;
  private readonly notifier: Notifier;
  permission: Permission;

  constructor(c: ChatClient, notifier: Notifier) {
    this.c = c;
    this.notifier = notifier;
    this.permission = notifier.permission();
  }

  /** The user pressed "Enable notifications": ask the browser (only ever from that gesture). */
  async enable(): Promise<void> {
    this.permission = await this.notifier.request();
    this.c.changed();
  }

  /** A new message from the server (not one we already held). */
  onMessage(m: Message): void {
    const c = this.c;
    const room = c.roomsData.get(m.room_id);
    this.permission = this.notifier.permission();
    if (!shouldNotify(m, room, c.me.id, c.isHidden(), this.permission) || !room) return;
    const where = roomTitle(room, c.me);
    const title = room.kind === "dm" ? m.user.username : `${m.user.username} · #${where}`;
    // The body as it reads once formatted; a message of files only is named by its files.
    const text = bodyText(m.body) || (m.files ?? []).map((f) => f.name).join(", ");
    this.notifier.show(title, notificationBody(text), `parley-${m.room_id}-${m.seq}`, () => {
      c.rooms.select(m.room_id);
      c.rooms.focusSeq = m.seq;
      c.changed();
    });
  }
}
