import { useState } from "preact/hooks";
import { describeError } from "../api";
import type { ChatClient } from "../client";
import { roomTitle } from "../dms_data";
import type { Msg } from "../i18n";
import type { Room } from "../protocol";
import { useI18n } from "./i18n_context";
import { Modal } from "./Modal";

/** "Leave #room?": leaving a private room cannot be undone alone, so it is always asked first. */
export function LeaveRoomDialog(props: {
  client: ChatClient;
  room: Room;
  onClose: () => void;
  returnFocus?: () => HTMLElement | null;
}) {
  const t = useI18n();
  const { client, room } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Msg | null>(null);

  const leave = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await client.rooms.leave(room.id);
      props.onClose();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <Modal
      title={t.t("room.leaveTitle", { room: roomTitle(room, client.me) })}
      testid="leave-room-dialog"
      onClose={props.onClose}
      {...(props.returnFocus ? { returnFocus: props.returnFocus } : {})}
    >
      <div class="modal-body">
        <p>{room.private ? t.t("room.leaveBodyPrivate") : t.t("room.leaveBody")}</p>
        {error && (
          <p class="form-error" role="alert" data-testid="leave-room-error">
            {t.text(error)}
          </p>
        )}
        <div class="modal-actions">
          <button type="button" class="btn ghost" data-testid="leave-room-cancel" onClick={props.onClose} autoFocus>
            {t.t("form.cancel")}
          </button>
          <button type="button" class="btn danger" data-testid="leave-room-confirm" disabled={busy} onClick={() => void leave()}>
            {busy ? t.t("room.leaving") : t.t("room.leaveConfirm")}
          </button>
        </div>
      </div>
    </Modal>
  );
}
