import { useEffect, useRef, useState } from "preact/hooks";
import { Api, ApiError, describeError } from "../api";
import { msg, type Msg } from "../i18n";
import { registerOffer } from "../invite_data";
import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_RE, type Me, type RegistrationMode } from "../protocol";
import { useI18n } from "./i18n_context";
import { LanguagePicker } from "./LanguagePicker";

type Mode = "login" | "register";
type FieldErrors = Partial<Record<"username" | "password", Msg>>;

function validate(mode: Mode, username: string, password: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!username) errors.username = msg("auth.usernameRequired");
  else if (mode === "register" && !USERNAME_RE.test(username)) errors.username = msg("auth.usernameRules");
  if (!password) errors.password = msg("auth.passwordRequired");
  else if (mode === "register" && (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX)) {
    errors.password = msg("auth.passwordLength", { min: PASSWORD_MIN, max: PASSWORD_MAX });
  }
  return errors;
}

/** The server refused a field: our own text for it (the server's field texts are English only). */
const FIELD_TEXT: Record<"username" | "password", Msg> = {
  username: msg("auth.usernameRules"),
  password: msg("auth.passwordLength", { min: PASSWORD_MIN, max: PASSWORD_MAX }),
};

export function AuthScreen(props: {
  api: Api;
  initialError: Msg | null;
  onAuthed: (me: Me) => void;
  /** the token of the invite link the app was opened with */
  invite?: string | null;
  /** called once an invite has been used, so the app can drop it from the address bar */
  onInviteUsed?: () => void;
}) {
  const t = useI18n();
  const invite = props.invite ?? null;
  // An invite link opens the registration form.
  const [mode, setMode] = useState<Mode>(invite ? "register" : "login");
  const [registration, setRegistration] = useState<RegistrationMode | null>(null);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Msg | null>(props.initialError);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const userRef = useRef<HTMLInputElement>(null);

  useEffect(() => userRef.current?.focus(), [mode]);
  useEffect(() => {
    // Unknown until the server answers (or if it cannot): the form is offered and the server decides.
    props.api.registration().then(setRegistration, () => undefined);
  }, []);
  const offer = registerOffer(registration, invite);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (busy) return;
    const local = validate(mode, username.trim(), password);
    setFieldErrors(local);
    setError(null);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const me =
        mode === "login"
          ? await props.api.login(username.trim(), password)
          : await props.api.register(username.trim(), password, invite);
      if (mode === "register" && invite) props.onInviteUsed?.();
      props.onAuthed(me);
    } catch (err) {
      if (err instanceof ApiError && err.code === "validation_failed") {
        const fe: FieldErrors = {};
        for (const k of Object.keys(err.fields)) {
          if (k === "username" || k === "password") fe[k] = FIELD_TEXT[k];
        }
        setFieldErrors(fe);
        setError(Object.keys(fe).length ? msg("form.fixFields") : describeError(err));
      } else if (err instanceof ApiError && err.code === "username_taken") {
        setFieldErrors({ username: msg("error.username_taken") });
        setError(msg("error.username_taken"));
      } else {
        setError(describeError(err));
      }
    } finally {
      setBusy(false);
    }
  };

  const switchMode = () => {
    setMode(mode === "login" ? "register" : "login");
    setError(null);
    setFieldErrors({});
  };

  const title = mode === "login" ? t.t("auth.titleLogin") : t.t("auth.titleRegister");
  return (
    <main class="auth" data-testid="auth-screen" data-mode={mode}>
      <form class="auth-card" data-testid="auth-form" onSubmit={submit} noValidate aria-labelledby="auth-title">
        <div class="brand" aria-hidden="true">
          <span class="brand-mark">P</span> {t.t("app.name")}
        </div>
        <h1 id="auth-title">{title}</h1>
        {mode === "register" && invite && (
          <p class="muted" data-testid="auth-invite-note">
            {t.t("auth.invited")}
          </p>
        )}
        {error && (
          <p class="form-error" role="alert" data-testid="auth-error">
            {t.text(error)}
          </p>
        )}
        <div class="field">
          <label for="auth-username">{t.t("auth.username")}</label>
          <input
            id="auth-username"
            ref={userRef}
            data-testid="auth-username"
            name="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            aria-invalid={fieldErrors.username ? true : undefined}
            aria-describedby={fieldErrors.username ? "auth-username-error" : undefined}
          />
          {fieldErrors.username && (
            <p class="field-error" id="auth-username-error" data-testid="auth-username-error">
              {t.text(fieldErrors.username)}
            </p>
          )}
        </div>
        <div class="field">
          <label for="auth-password">{t.t("auth.password")}</label>
          <input
            id="auth-password"
            data-testid="auth-password"
            type="password"
            name="password"
            autocomplete={mode === "login" ? "current-password" : "new-password"}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            aria-invalid={fieldErrors.password ? true : undefined}
            aria-describedby={fieldErrors.password ? "auth-password-error" : undefined}
          />
          {fieldErrors.password && (
            <p class="field-error" id="auth-password-error" data-testid="auth-password-error">
              {t.text(fieldErrors.password)}
            </p>
          )}
        </div>
        <button type="submit" class="btn primary wide" data-testid="auth-submit" disabled={busy}>
          {busy ? t.t("auth.busy") : mode === "login" ? t.t("auth.submitLogin") : t.t("auth.submitRegister")}
        </button>
        {mode === "register" || offer === "form" ? (
          <p class="auth-switch">
            {mode === "login" ? t.t("auth.newHere") : t.t("auth.haveAccount")}{" "}
            <button type="button" class="link" data-testid="auth-mode-toggle" onClick={switchMode}>
              {mode === "login" ? t.t("auth.createAccount") : t.t("auth.loginInstead")}
            </button>
          </p>
        ) : (
          <p class="auth-switch muted" data-testid="auth-register-note">
            {offer === "closed" ? t.t("auth.registrationClosed") : t.t("auth.inviteOnly")}
          </p>
        )}
        <LanguagePicker id="auth-language" class="auth-language" />
      </form>
    </main>
  );
}
