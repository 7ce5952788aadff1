import type { ChatClient } from "../client";
import { UploadStore } from "../upload_data";
import { CloseIcon } from "./icons";
import { useI18n } from "./i18n_context";

/**
 * The files attached to the next message of a room: a progress bar and a cancel button while each uploads, then
 * its name ready to send (with a remove button), or why it failed.
 */
export function UploadTray(props: { client: ChatClient; roomId: number }) {
  const t = useI18n();
  const { client } = props;
  const uploads = client.files.uploads.forRoom(props.roomId);
  if (uploads.length === 0) return null;
  return (
    <ul class="upload-list" aria-label={t.t("files.list")} data-testid="upload-list">
      {uploads.map((u) => {
        const label =
          u.state === "uploading"
            ? t.t("files.uploading", { name: u.name })
            : u.state === "done"
              ? t.t("files.ready", { name: u.name })
              : t.t("files.failed", { name: u.name, reason: u.error ? t.text(u.error) : "" });
        return (
          <li key={u.key} class={`upload-item ${u.state}`} data-testid="upload-item" data-state={u.state} data-name={u.name}>
            <span class="upload-name" title={u.name}>
              {u.name}
            </span>
            {u.state === "uploading" && (
              <progress max={100} value={UploadStore.percent(u)} aria-label={label} data-testid="upload-progress" />
            )}
            {u.state === "done" && <span class="sr-only">{label}</span>}
            {u.state === "failed" && (
              <span class="field-error" role="alert" data-testid="upload-error">
                {t.text(u.error ?? { key: "error.network" })}
              </span>
            )}
            <button
              type="button"
              class="icon-btn"
              data-testid={u.state === "uploading" ? "upload-cancel" : "upload-remove"}
              aria-label={u.state === "uploading" ? t.t("files.cancel", { name: u.name }) : t.t("files.remove", { name: u.name })}
              title={u.state === "uploading" ? t.t("files.cancel", { name: u.name }) : t.t("files.remove", { name: u.name })}
              onClick={() => client.files.remove(u.key)}
            >
              <CloseIcon />
            </button>
          </li>
        );
      })}
    </ul>
  );
}
