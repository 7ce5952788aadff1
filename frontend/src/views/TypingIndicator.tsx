import type { ChatClient } from "../client";
import { describeTypers } from "../typing_data";
import { useI18n } from "./i18n_context";

export function TypingIndicator(props: { client: ChatClient; roomId: number }) {
  const t = useI18n();
  const typers = describeTypers(props.client.typingData.typers(props.roomId, Date.now()));
  return (
    <div class="typing" data-testid="typing-indicator" aria-live="polite">
      {typers ? t.text(typers) : ""}
    </div>
  );
}
