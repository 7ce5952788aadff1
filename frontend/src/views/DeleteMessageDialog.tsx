import type { ChatClient } from "../client";
import type { Message } from "../protocol";
import { useI18n } from "./i18n_context";
import { Modal } from "./Modal";

/** Asks before deleting a message (one's own, or as an admin anyone's): it becomes "message deleted" for everyone. */
export function DeleteMessageDialog(props: {
  client: ChatClient;
  message: Message;
  onClose: () => void;
  returnFocus: () => HTMLElement | null;
}) {
  const t = useI18n();
  const { client, message } = props;
  return (
    <Modal title={t.t("delete.title")} testid="delete-message-dialog" onClose={props.onClose} returnFocus={props.returnFocus}>
      <p>{t.t("delete.body")}</p>
      <blockquote class="delete-preview">{message.body}</blockquote>
      <div class="modal-actions">
        <button type="button" class="btn" data-testid="delete-message-cancel" onClick={props.onClose}>
          {t.t("form.cancel")}
        </button>
        <button
          type="button"
          class="btn danger"
          data-testid="delete-message-confirm"
          onClick={() => {
            const err = client.changes.remove(message);
            if (err) client.setNotice(err);
            props.onClose();
          }}
        >
          {t.t("delete.confirm")}
        </button>
      </div>
    </Modal>
  );
}
