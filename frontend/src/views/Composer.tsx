import { useEffect, useRef, useState } from "preact/hooks";
import type { ChatClient } from "../client";
import type { Msg } from "../i18n";
import { bodyLength } from "../messages_events";
import type { Room } from "../protocol";
import { matches } from "./browser";
import { useI18n } from "./i18n_context";

/** Drafts survive switching rooms (kept for the page's lifetime). */
const drafts = new Map<number, string>();

export function Composer(props: { client: ChatClient; room: Room }) {
  const t = useI18n();
  const { client, room } = props;
  const [text, setText] = useState(() => drafts.get(room.id) ?? "");
  const [error, setError] = useState<Msg | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  const max = client.config.max_body_chars;
  const length = bodyLength(text);
  const tooLong = length > max;

  useEffect(() => {
    setText(drafts.get(room.id) ?? "");
    setError(null);
    // Ready to type in the room just opened; not on touch screens, where focus would pop the keyboard up.
    if (!matches("(pointer: coarse)")) ref.current?.focus();
  }, [room.id]);

  // Grow with the content up to a few lines (CSS caps the height).
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${el.scrollHeight}px`;
  }, [text]);

  const update = (value: string) => {
    setText(value);
    drafts.set(room.id, value);
    if (error) setError(null);
    client.typing.composerInput(value);
  };

  const submit = (ev?: Event) => {
    ev?.preventDefault();
    if (!text.trim()) return;
    const err = client.messages.send(text);
    if (err) {
      setError(err);
      return;
    }
    setText("");
    drafts.delete(room.id);
    ref.current?.focus();
  };

  const onKeyDown = (ev: KeyboardEvent) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      submit();
    }
  };

  const archived = room.archived;
  const describedBy = [error ? "composer-error" : "", archived ? "composer-archived" : "composer-hint"]
    .filter(Boolean)
    .join(" ");
  return (
    <form class="composer" data-testid="composer" onSubmit={submit} aria-label={t.t("composer.label")}>
      <div class={`composer-box ${tooLong ? "over" : ""}`}>
        <label for="composer-input" class="sr-only">
          {t.t("composer.placeholder", { room: room.name })}
        </label>
        <textarea
          id="composer-input"
          ref={ref}
          data-testid="composer-input"
          rows={1}
          placeholder={archived ? t.t("composer.archivedPlaceholder") : t.t("composer.placeholder", { room: room.name })}
          enterkeyhint="send"
          value={text}
          disabled={archived}
          onInput={(e) => update(e.currentTarget.value)}
          onKeyDown={onKeyDown}
          onBlur={() => client.typing.composerBlur()}
          aria-invalid={tooLong || error ? true : undefined}
          aria-describedby={describedBy}
        />
        <button
          type="submit"
          class="btn primary send"
          data-testid="composer-send"
          disabled={archived || !text.trim() || tooLong}
        >
          {t.t("composer.send")}
        </button>
      </div>
      <div class="composer-meta">
        {archived ? (
          <span id="composer-archived" class="archived-note" role="status" data-testid="composer-archived-note">
            {t.t("composer.archivedNote")}
          </span>
        ) : (
          <span id="composer-hint" class="muted">
            {t.t("composer.hint")}
          </span>
        )}
        {length > max * 0.9 && (
          <span class={`counter ${tooLong ? "over" : ""}`} data-testid="composer-counter" aria-live="polite">
            {t.t("composer.counter", { length, max })}
          </span>
        )}
      </div>
      {(error || tooLong) && (
        <p class="field-error" id="composer-error" role="alert" data-testid="composer-error">
          {t.text(error ?? { key: "composer.tooLong", params: { length, max } })}
        </p>
      )}
    </form>
  );
}
