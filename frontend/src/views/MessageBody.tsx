import { useMemo } from "preact/hooks";
import type { ChatClient } from "../client";
import { renderBody } from "../markdown_data";
import type { Message } from "../protocol";
import { useI18n } from "./i18n_context";
import { mdChildren } from "./Markdown";

/**
 * A stored message's text, formatted (markdown_data.ts: the Markdown subset of docs/protocol.md "Message bodies",
 * with mentions marked: those naming the reader stand out, with a word for screen readers), "(edited)" with the
 * edit's time as its title, or "Message deleted" for a tombstone.
 *
 * The formatted body is a tree of elements from a short list and text (markdown_data.ts, raw HTML switched off,
 * only http(s)/mailto links), made into Preact elements: no HTML string reaches the page.
 */
export function MessageBody(props: { client: ChatClient; message: Message; names: ReadonlySet<string> }) {
  const t = useI18n();
  const { client, message: m } = props;
  const you = t.t("mentions.you");
  const formatted = useMemo(
    () => (m.deleted ? [] : mdChildren(renderBody(m.body, { names: props.names, me: client.me, mentions: m.mentions ?? [], youLabel: you }))),
    [m.body, m.deleted, m.mentions, props.names, client.me, you],
  );
  if (m.deleted) {
    return (
      <div class="msg-body deleted" data-testid="message-body" data-deleted="true">
        <em data-testid="message-deleted">{t.t("messages.deleted")}</em>
      </div>
    );
  }
  return (
    <div class="msg-body" data-testid="message-body">
      <div class="md">{formatted}</div>
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
