/**
 * Typing: the `typing` frames of others (into typing_data.ts, which expires them), and our own typing frames
 * from the composer — throttled by TypingSender, stopped on send, blur, hiding the page or switching rooms.
 * A new connection forgets both sides: the server dropped our state and will resend nobody's.
 */
import type { ChatClient } from "./client";
import type { Config } from "./protocol";
import type { FrameOf } from "./server_events_dispatch";
import { TypingSender, type TypingOut } from "./typing_data";

export class TypingEvents {
  private readonly c: ChatClient;
  private readonly out: TypingSender;

  constructor(c: ChatClient) {
    this.c = c;
    this.out = new TypingSender(c.config.typing_refresh_ms);
  }

  onTyping(f: FrameOf<"typing">): void {
    if (f.user.id !== this.c.me.id) this.c.typingData.apply(f.room_id, f.user, f.active, this.c.now());
  }

  /** `hello`: new timings; typing states from before the connection are gone. */
  hello(config: Config): void {
    this.c.typingData.setExpiry(config.typing_expiry_ms);
    this.out.setRefresh(config.typing_refresh_ms);
    this.c.typingData.clear();
    this.out.reset();
  }

  connectionLost(): void {
    this.c.typingData.clear();
    this.out.reset();
  }

  /** The composer's text changed. */
  composerInput(text: string): void {
    this.c.presence.userActivity();
    const roomId = this.c.rooms.currentId;
    if (roomId === null) return;
    this.transmit(this.out.input(roomId, text.trim().length > 0, this.c.now()));
  }

  composerBlur(): void {
    this.stop();
  }

  /** We stopped typing (sent, switched rooms, hid the page): one active=false if we had said true. */
  stop(): void {
    this.transmit(this.out.stop());
  }

  private transmit(frames: TypingOut[]): void {
    for (const f of frames) this.c.sendFrame({ type: "typing", room_id: f.roomId, active: f.active });
  }
}
