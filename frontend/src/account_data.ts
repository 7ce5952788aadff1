/**
 * The change-password form's rules and error texts (docs/protocol.md `POST /api/auth/password`). Pure: no I/O.
 */
import { ApiError, describeError } from "./api";
import { PASSWORD_MAX, PASSWORD_MIN } from "./protocol";

export interface PasswordFormErrors {
  /** shown at the top of the form (role=alert) */
  form: string | null;
  current?: string;
  next?: string;
}

/** Checks made before asking the server; an empty object when the form may be sent. */
export function validatePasswordChange(current: string, next: string): Omit<PasswordFormErrors, "form"> {
  const out: Omit<PasswordFormErrors, "form"> = {};
  if (!current) out.current = "Enter your current password.";
  if (next.length < PASSWORD_MIN) out.next = `The new password needs at least ${PASSWORD_MIN} characters.`;
  else if (next.length > PASSWORD_MAX) out.next = `The new password can have at most ${PASSWORD_MAX} characters.`;
  return out;
}

/** What the form shows for a failed request. */
export function passwordChangeErrors(err: unknown): PasswordFormErrors {
  if (err instanceof ApiError && err.code === "invalid_credentials") {
    // 403 here (not 401): the session is fine, the current password is not.
    return { form: "Your current password is wrong.", current: "This is not your current password." };
  }
  if (err instanceof ApiError && err.code === "validation_failed") {
    const out: PasswordFormErrors = { form: null };
    const current = err.fields.current_password;
    const next = err.fields.new_password;
    if (current?.length) out.current = current.join(" ");
    if (next?.length) out.next = next.join(" ");
    out.form = out.current || out.next ? "Please fix the highlighted fields." : describeError(err);
    return out;
  }
  return { form: describeError(err) };
}
