import type { ChatClient } from "../client";
import { mentionSegments } from "../mentions_data";
import type { Message } from "../protocol";
import { useI18n } from "./i18n_context";

/**
 * A stored message's text: mentions marked (those naming the reader stand out, with a word for screen readers),
 * "(edited)" with the edit's time as its title, or "Message deleted" for a tombstone. All text, never HTML.
 */
export function MessageBody(props: { client: ChatClient; message: Message; names: ReadonlySet<string> }) {
  const t = useI18n();
  const { client, message: m } = props;
  if (m.deleted) {
    return (
      <div class="msg-body deleted" data-testid="message-body" data-deleted="true">
        <em data-testid="message-deleted">{t.t("messages.deleted")}</em>
      </div>
    );
  }
  const segments = mentionSegments(m, props.names, client.me);
  return (
    <div class="msg-body" data-testid="message-body">
      {segments.map((s, i) =>
        s.mention ? (
          <span key={i} class={`mention ${s.self ? "mention-self" : ""}`} data-testid={s.self ? "mention-self" : "mention"}>
            {s.text}
            {s.self && <span class="sr-only"> ({t.t("mentions.you")})</span>}
          </span>
        ) : (
          s.text
        ),
      )}
      {m.edited_at !== null && m.edited_at !== undefined && (
        <>
          {" "}
          <span
            class="edited"
            data-testid="message-edited"
            title={t.t("messages.editedAt", { time: t.fullTimestamp(m.edited_at) })}
          >
            {t.t("messages.edited")}
          </span>
        </>
      )}
    </div>
  );
}
