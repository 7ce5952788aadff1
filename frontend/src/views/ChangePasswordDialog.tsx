import { useRef, useState } from "preact/hooks";
import { passwordChangeErrors, validatePasswordChange, type PasswordFormErrors } from "../account_data";
import type { ChatClient } from "../client";
import { msg } from "../i18n";
import { PASSWORD_MAX, PASSWORD_MIN } from "../protocol";
import { useI18n } from "./i18n_context";
import { Modal } from "./Modal";

/**
 * Change password. On success every other session of the user ends (other tabs and devices see the login
 * screen) and this page carries on with a fresh session (Session.changePassword in session.ts).
 */
export function ChangePasswordDialog(props: { client: ChatClient; onClose: () => void }) {
  const t = useI18n();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<PasswordFormErrors>({ form: null });
  const currentRef = useRef<HTMLInputElement>(null);
  const nextRef = useRef<HTMLInputElement>(null);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (busy) return;
    const local = validatePasswordChange(current, next);
    if (local.current || local.next) {
      setErrors({ form: null, ...local });
      (local.current ? currentRef : nextRef).current?.focus();
      return;
    }
    setBusy(true);
    setErrors({ form: null });
    try {
      await props.client.session.changePassword(current, next);
      props.onClose();
      props.client.setNotice(msg("password.changed"), "info");
    } catch (err) {
      const e = passwordChangeErrors(err);
      setErrors(e);
      if (e.current) {
        setCurrent("");
        currentRef.current?.focus();
      } else if (e.next) nextRef.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={t.t("password.title")} testid="change-password-dialog" onClose={props.onClose}>
      <form onSubmit={submit} class="modal-body" noValidate>
        {errors.form && (
          <p class="form-error" role="alert" data-testid="change-password-error">
            {t.text(errors.form)}
          </p>
        )}
        {/* Lets password managers tie the new password to this account. */}
        <input type="text" class="sr-only" autocomplete="username" value={props.client.me.username} readOnly tabIndex={-1} aria-hidden="true" />
        <div class="field">
          <label for="change-password-current">{t.t("password.current")}</label>
          <input
            id="change-password-current"
            ref={currentRef}
            data-testid="change-password-current"
            type="password"
            autocomplete="current-password"
            maxLength={PASSWORD_MAX}
            value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)}
            aria-invalid={errors.current ? true : undefined}
            aria-describedby={errors.current ? "change-password-current-error" : undefined}
            autoFocus
          />
          {errors.current && (
            <p class="field-error" id="change-password-current-error" data-testid="change-password-current-error">
              {t.text(errors.current)}
            </p>
          )}
        </div>
        <div class="field">
          <label for="change-password-new">{t.t("password.new")}</label>
          <input
            id="change-password-new"
            ref={nextRef}
            data-testid="change-password-new"
            type="password"
            autocomplete="new-password"
            maxLength={PASSWORD_MAX}
            value={next}
            onInput={(e) => setNext(e.currentTarget.value)}
            aria-invalid={errors.next ? true : undefined}
            aria-describedby={errors.next ? "change-password-new-error change-password-new-hint" : "change-password-new-hint"}
          />
          <p class="muted field-hint" id="change-password-new-hint">
            {t.t("password.hint", { min: PASSWORD_MIN })}
          </p>
          {errors.next && (
            <p class="field-error" id="change-password-new-error" data-testid="change-password-new-error">
              {t.text(errors.next)}
            </p>
          )}
        </div>
        <div class="modal-actions">
          <button type="button" class="btn ghost" onClick={props.onClose}>
            {t.t("form.cancel")}
          </button>
          <button type="submit" class="btn primary" data-testid="change-password-submit" disabled={busy}>
            {busy ? t.t("password.busy") : t.t("password.submit")}
          </button>
        </div>
      </form>
    </Modal>
  );
}
