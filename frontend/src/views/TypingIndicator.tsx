import type { ChatClient } from "../client";
import { describeTypers } from "../typing_data";

export function TypingIndicator(props: { client: ChatClient; roomId: number }) {
  const text = describeTypers(props.client.typingData.typers(props.roomId, Date.now()));
  return (
    <div class="typing" data-testid="typing-indicator" aria-live="polite">
      {text}
    </div>
  );
}
