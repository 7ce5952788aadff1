import { useEffect, useRef, useState } from "preact/hooks";
import type { ChatClient } from "../client";
import type { Msg } from "../i18n";
import type { Message } from "../protocol";
import { useI18n } from "./i18n_context";

/** Editing one's own message in place: Enter saves, Shift+Enter a new line, Escape cancels; focus goes back after. */
export function MessageEditor(props: { client: ChatClient; message: Message; onDone: () => void }) {
  const t = useI18n();
  const { client, message: m } = props;
  const [text, setText] = useState(m.body);
  const [error, setError] = useState<Msg | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  const id = `edit-${m.id}`;

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);

  const save = () => {
    const err = client.changes.edit(m, text);
    if (err) setError(err);
    else props.onDone();
  };

  return (
    <div class="msg-edit" data-testid="message-editor">
      <label for={id} class="sr-only">
        {t.t("edit.label")}
      </label>
      <textarea
        id={id}
        ref={ref}
        data-testid="message-edit-input"
        rows={2}
        value={text}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ""}`}
        aria-invalid={error ? true : undefined}
        onInput={(e) => {
          setText(e.currentTarget.value);
          setError(null);
        }}
        onKeyDown={(ev) => {
          if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
            ev.preventDefault();
            save();
          } else if (ev.key === "Escape") {
            ev.preventDefault();
            ev.stopPropagation();
            props.onDone();
          }
        }}
      />
      <div class="row tight msg-edit-actions">
        <span id={`${id}-hint`} class="muted">
          {t.t("edit.hint")}
        </span>
        <button type="button" class="btn small ghost" data-testid="message-edit-cancel" onClick={props.onDone}>
          {t.t("edit.cancel")}
        </button>
        <button type="button" class="btn small primary" data-testid="message-edit-save" onClick={save}>
          {t.t("edit.save")}
        </button>
      </div>
      {error && (
        <p class="field-error" id={`${id}-error`} role="alert">
          {t.text(error)}
        </p>
      )}
    </div>
  );
}
