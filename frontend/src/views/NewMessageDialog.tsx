import { useState } from "preact/hooks";
import { describeError } from "../api";
import type { ChatClient } from "../client";
import { checkDmChoice, parseUsernames } from "../dms_data";
import type { Msg } from "../i18n";
import { DM_MAX_OTHERS } from "../protocol";
import { useI18n } from "./i18n_context";
import { Modal } from "./Modal";

/**
 * The "new message" picker: tick people this page knows of (members of the rooms seen), or type usernames; 1 to
 * DM_MAX_OTHERS others. Opens the DM (the same one for the same people) and closes.
 */
export function NewMessageDialog(props: { client: ChatClient; onClose: () => void }) {
  const t = useI18n();
  const { client } = props;
  const known = client.members.known();
  const [picked, setPicked] = useState<string[]>([]);
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Msg | null>(null);
  const chosen = parseUsernames([...picked, typed].join(","));

  const toggle = (name: string, on: boolean) => {
    setPicked(on ? [...picked, name] : picked.filter((n) => n !== name));
    setError(null);
  };

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (busy) return;
    const problem = checkDmChoice(chosen, client.me);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await client.dms.open(chosen);
      props.onClose();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={t.t("dm.newTitle")} testid="new-dm-dialog" onClose={props.onClose}>
      <form onSubmit={submit} class="modal-body" noValidate>
        {known.length > 0 && (
          <fieldset class="dm-pick">
            <legend>{t.t("dm.pickLabel")}</legend>
            <ul class="dm-pick-list">
              {known.map((u) => (
                <li key={u.id}>
                  <label class="check">
                    <input
                      type="checkbox"
                      data-testid="dm-pick"
                      data-username={u.username}
                      checked={picked.includes(u.username)}
                      onChange={(e) => toggle(u.username, e.currentTarget.checked)}
                    />{" "}
                    {u.username}
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>
        )}
        <label for="dm-usernames">{t.t("dm.typeLabel")}</label>
        <input
          id="dm-usernames"
          data-testid="dm-usernames"
          autocomplete="off"
          autocapitalize="none"
          value={typed}
          aria-invalid={error ? true : undefined}
          aria-describedby={`dm-chosen${error ? " dm-error" : ""}`}
          onInput={(e) => {
            setTyped(e.currentTarget.value);
            setError(null);
          }}
        />
        <p id="dm-chosen" class="muted small" aria-live="polite">
          {t.t("dm.chosen", { count: chosen.length, max: DM_MAX_OTHERS })}
        </p>
        {error && (
          <p class="field-error" id="dm-error" role="alert" data-testid="dm-error">
            {t.text(error)}
          </p>
        )}
        <div class="modal-actions">
          <button type="button" class="btn" onClick={props.onClose}>
            {t.t("form.cancel")}
          </button>
          <button type="submit" class="btn primary" data-testid="dm-submit" disabled={busy}>
            {busy ? t.t("dm.opening") : t.t("dm.start")}
          </button>
        </div>
      </form>
    </Modal>
  );
}
