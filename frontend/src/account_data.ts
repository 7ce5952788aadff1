/**
 * The change-password form's rules and error messages (docs/protocol.md `POST /api/auth/password`). Pure: no I/O.
 * Messages are `Msg`s the dialog translates; a field the server refused gets our own text for that field (the
 * server's field texts are English only).
 */
import { ApiError, describeError } from "./api";
import { msg, type Msg } from "./i18n/translate";
import { PASSWORD_MAX, PASSWORD_MIN } from "./protocol";

export interface PasswordFormErrors {
  /** shown at the top of the form (role=alert) */
  form: Msg | null;
  current?: Msg;
  next?: Msg;
}

/** Checks made before asking the server; an empty object when the form may be sent. */
export function validatePasswordChange(current: string, next: string): Omit<PasswordFormErrors, "form"> {
  const out: Omit<PasswordFormErrors, "form"> = {};
  if (!current) out.current = msg("password.currentRequired");
  if (next.length < PASSWORD_MIN) out.next = msg("password.tooShort", { min: PASSWORD_MIN });
  else if (next.length > PASSWORD_MAX) out.next = msg("password.tooLong", { max: PASSWORD_MAX });
  return out;
}

/** What the form shows for a failed request. */
export function passwordChangeErrors(err: unknown): PasswordFormErrors {
  if (err instanceof ApiError && err.code === "invalid_credentials") {
    // 403 here (not 401): the session is fine, the current password is not.
    return { form: msg("password.wrong"), current: msg("password.notCurrent") };
  }
  if (err instanceof ApiError && err.code === "validation_failed") {
    const out: PasswordFormErrors = { form: null };
    if (err.fields.current_password?.length) out.current = msg("password.currentRequired");
    if (err.fields.new_password?.length) out.next = msg("auth.passwordLength", { min: PASSWORD_MIN, max: PASSWORD_MAX });
    out.form = out.current || out.next ? msg("form.fixFields") : describeError(err);
    return out;
  }
  return { form: describeError(err) };
}
