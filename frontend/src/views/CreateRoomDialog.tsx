import { useState } from "preact/hooks";
import { ApiError, describeError } from "../api";
import type { ChatClient } from "../client";
import { msg, type Msg } from "../i18n";
import { ROOM_NAME_MAX, ROOM_TOPIC_MAX } from "../protocol";
import { useI18n } from "./i18n_context";
import { Modal } from "./Modal";

type Fields = Partial<Record<"name" | "topic", Msg>>;

/** The server refused a field: our own text for it (the server's field texts are English only). */
const FIELD_TEXT: Record<"name" | "topic", Msg> = {
  name: msg("create.nameInvalid"),
  topic: msg("create.topicInvalid", { max: ROOM_TOPIC_MAX }),
};

export function CreateRoomDialog(props: { client: ChatClient; onClose: () => void }) {
  const t = useI18n();
  const [name, setName] = useState("");
  const [topic, setTopic] = useState("");
  const [isPrivate, setPrivate] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Msg | null>(null);
  const [fields, setFields] = useState<Fields>({});

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (busy) return;
    const n = name.trim();
    if (!n) {
      setFields({ name: msg("create.nameRequired") });
      return;
    }
    setBusy(true);
    setError(null);
    setFields({});
    try {
      await props.client.rooms.create(n, topic.trim(), isPrivate);
      props.onClose();
    } catch (err) {
      if (err instanceof ApiError && err.code === "validation_failed" && Object.keys(err.fields).length) {
        const f: Fields = {};
        for (const k of Object.keys(err.fields)) if (k === "name" || k === "topic") f[k] = FIELD_TEXT[k];
        setFields(f);
        setError(msg("form.fixFields"));
      } else if (err instanceof ApiError && err.code === "room_name_taken") {
        setFields({ name: msg("error.room_name_taken") });
        setError(msg("error.room_name_taken"));
      } else {
        setError(describeError(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={t.t("create.title")} testid="create-room-dialog" onClose={props.onClose}>
      <form onSubmit={submit} class="modal-body" noValidate>
        {error && (
          <p class="form-error" role="alert" data-testid="create-room-error">
            {t.text(error)}
          </p>
        )}
        <div class="field">
          <label for="create-room-name">{t.t("create.name")}</label>
          <input
            id="create-room-name"
            data-testid="create-room-name"
            maxLength={ROOM_NAME_MAX}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            aria-invalid={fields.name ? true : undefined}
            aria-describedby={fields.name ? "create-room-name-error" : undefined}
            autoFocus
          />
          {fields.name && (
            <p class="field-error" id="create-room-name-error">
              {t.text(fields.name)}
            </p>
          )}
        </div>
        <div class="field">
          <label for="create-room-topic">
            {t.t("create.topic")} <span class="muted">{t.t("form.optional")}</span>
          </label>
          <input
            id="create-room-topic"
            data-testid="create-room-topic"
            maxLength={ROOM_TOPIC_MAX}
            value={topic}
            onInput={(e) => setTopic(e.currentTarget.value)}
            aria-invalid={fields.topic ? true : undefined}
            aria-describedby={fields.topic ? "create-room-topic-error" : undefined}
          />
          {fields.topic && (
            <p class="field-error" id="create-room-topic-error">
              {t.text(fields.topic)}
            </p>
          )}
        </div>
        <div class="field check">
          <input
            id="create-room-private"
            data-testid="create-room-private"
            type="checkbox"
            checked={isPrivate}
            onChange={(e) => setPrivate(e.currentTarget.checked)}
          />
          <label for="create-room-private">{t.t("create.private")}</label>
        </div>
        <div class="modal-actions">
          <button type="button" class="btn ghost" onClick={props.onClose}>
            {t.t("form.cancel")}
          </button>
          <button type="submit" class="btn primary" data-testid="create-room-submit" disabled={busy}>
            {busy ? t.t("create.busy") : t.t("create.submit")}
          </button>
        </div>
      </form>
    </Modal>
  );
}
