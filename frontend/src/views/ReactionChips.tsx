import type { ChatClient } from "../client";
import type { Message } from "../protocol";
import { hasReacted, reactorNames } from "../reactions_data";
import { useI18n } from "./i18n_context";

/**
 * A message's reactions: one chip per emoji with its count; the title (and the accessible name) says who
 * reacted. A chip is a toggle button (aria-pressed when the reader is among them): pressing it adds or takes
 * back the reader's own reaction.
 */
export function ReactionChips(props: { client: ChatClient; message: Message; canReact: boolean }) {
  const t = useI18n();
  const { client, message: m } = props;
  const reactions = m.reactions ?? [];
  if (!reactions.length) return null;
  return (
    <ul class="reactions" data-testid="reactions" aria-label={t.t("react.pickerLabel")}>
      {reactions.map((r) => {
        const mine = hasReacted(reactions, r.emoji, client.me.id);
        const names = reactorNames(r, client.me, t.t("react.you")).join(", ");
        const label = t.t("react.chip", { emoji: r.emoji, count: r.count, names });
        return (
          <li key={r.emoji}>
            <button
              type="button"
              class={`reaction ${mine ? "mine" : ""}`}
              data-testid="reaction-chip"
              data-emoji={r.emoji}
              data-count={r.count}
              aria-pressed={mine}
              aria-label={label}
              title={label}
              disabled={!props.canReact}
              onClick={() => {
                const err = client.changes.toggleReaction(m, r.emoji);
                if (err) client.setNotice(err);
              }}
            >
              <span class="reaction-emoji" aria-hidden="true">
                {r.emoji}
              </span>
              <span class="reaction-count" aria-hidden="true">
                {r.count}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
