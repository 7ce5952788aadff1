import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Api } from "../api";
import { DEFAULT_EXPIRY_S, EXPIRY_CHOICES, InvitePanel, describeInvite, type Clipboard } from "../invite_data";
import { useI18n } from "./i18n_context";
import { Modal } from "./Modal";

/**
 * Admins: make an invite link, copy it, see and revoke the invites made so far (invite_data.InvitePanel).
 * The link is shown only while this dialog is open: the server never shows a token twice.
 */
export function InviteDialog(props: {
  api: Api;
  onClose: () => void;
  origin?: string;
  clipboard?: Clipboard | null;
  now?: () => number;
}) {
  const t = useI18n();
  const [, setVersion] = useState(0);
  const panel = useMemo(
    () =>
      new InvitePanel(
        props.api,
        props.origin ?? window.location.origin,
        props.clipboard !== undefined ? props.clipboard : (navigator.clipboard ?? null),
      ),
    [],
  );
  const [expiresS, setExpiresS] = useState(DEFAULT_EXPIRY_S);
  const linkRef = useRef<HTMLInputElement>(null);
  const now = (props.now ?? Date.now)();

  useEffect(() => {
    panel.onChange = () => setVersion((v) => v + 1);
    void panel.load();
    return () => {
      panel.onChange = () => undefined;
    };
  }, []);

  const copy = async () => {
    if (!(await panel.copy())) {
      // No clipboard (plain http, or refused): select the text so Ctrl+C does it.
      linkRef.current?.focus();
      linkRef.current?.select();
    }
  };

  return (
    <Modal title={t.t("invites.title")} testid="invite-dialog" onClose={props.onClose}>
      <div class="modal-body">
        <p class="muted">
          {t.t("invites.intro")}
        </p>
        {panel.error && (
          <p class="form-error" role="alert" data-testid="invite-error">
            {t.text(panel.error)}
          </p>
        )}
        <div class="row invite-controls">
          <label for="invite-expiry">{t.t("invites.validFor")}</label>
          <select
            id="invite-expiry"
            data-testid="invite-expiry"
            value={String(expiresS)}
            onChange={(e) => setExpiresS(Number(e.currentTarget.value))}
          >
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.seconds} value={String(c.seconds)}>
                {t.text(c.label)}
              </option>
            ))}
          </select>
          <button
            type="button"
            class="btn primary"
            data-testid="invite-create"
            disabled={panel.busy}
            onClick={() => void panel.create(expiresS)}
          >
            {panel.busy ? t.t("auth.busy") : t.t("invites.create")}
          </button>
        </div>
        {panel.link && (
          <div class="field">
            <label for="invite-link">{t.t("invites.link")}</label>
            <div class="row invite-link-row">
              <input
                id="invite-link"
                ref={linkRef}
                data-testid="invite-link"
                readOnly
                value={panel.link}
                onFocus={(e) => e.currentTarget.select()}
              />
              <button type="button" class="btn" data-testid="invite-copy" onClick={() => void copy()}>
                {panel.copied ? t.t("invites.copied") : t.t("invites.copy")}
              </button>
            </div>
          </div>
        )}
        {panel.loaded && panel.invites.length === 0 && <p class="muted">{t.t("invites.none")}</p>}
        <ul class="browse-list" data-testid="invite-list">
          {panel.invites.map((invite) => (
            <li key={invite.id} class="browse-item" data-testid="invite-item" data-invite-state={invite.state}>
              <div class="browse-text">
                <span class="browse-name">{t.t("invites.name", { id: String(invite.id) })}</span>
                <span class="muted">{t.text(describeInvite(invite, now))}</span>
              </div>
              {invite.state === "active" && (
                <button
                  type="button"
                  class="btn ghost small"
                  data-testid="invite-revoke"
                  aria-label={t.t("invites.revokeLabel", { id: String(invite.id) })}
                  disabled={panel.busy}
                  onClick={() => void panel.revoke(invite.id)}
                >
                  {t.t("invites.revoke")}
                </button>
              )}
            </li>
          ))}
        </ul>
      </div>
    </Modal>
  );
}
