import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api";
import type { ChatClient } from "../client";
import type { Msg } from "../i18n";
import type { Room } from "../protocol";
import { RoomIcon } from "./icons";
import { useI18n } from "./i18n_context";
import { Modal } from "./Modal";

export function BrowseRoomsDialog(props: { client: ChatClient; onClose: () => void }) {
  const t = useI18n();
  const { client } = props;
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [filter, setFilter] = useState("");
  const [busyId, setBusyId] = useState<number | null>(null);

  const load = () => {
    setError(null);
    client.rooms.refreshDirectory().then(setRooms, (err: unknown) => setError(describeError(err)));
  };
  useEffect(load, []);

  const join = async (room: Room) => {
    setBusyId(room.id);
    setError(null);
    try {
      await client.rooms.join(room.id);
      props.onClose();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusyId(null);
    }
  };

  const f = filter.trim().toLowerCase();
  const shown = (rooms ?? []).filter((r) => !f || r.name.toLowerCase().includes(f) || r.topic.toLowerCase().includes(f));
  return (
    <Modal title={t.t("browse.title")} testid="browse-rooms-dialog" onClose={props.onClose}>
      <div class="modal-body">
        <div class="field">
          <label for="browse-filter" class="sr-only">
            {t.t("browse.filter")}
          </label>
          <input
            id="browse-filter"
            type="search"
            placeholder={t.t("browse.filter")}
            data-testid="browse-filter"
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
            autoFocus
          />
        </div>
        {error && (
          <p class="form-error" role="alert" data-testid="browse-error">
            {t.text(error)}{" "}
            <button type="button" class="link" onClick={load}>
              {t.t("form.tryAgain")}
            </button>
          </p>
        )}
        {!rooms && !error && <p class="muted">{t.t("form.loading")}</p>}
        {rooms && shown.length === 0 && <p class="muted">{t.t("browse.noMatch")}</p>}
        <ul class="browse-list" data-testid="browse-room-list">
          {shown.map((r) => {
            const joined = client.roomsData.isJoined(r.id);
            return (
              <li key={r.id} class="browse-item" data-testid="browse-room-item" data-room-id={r.id} data-room-name={r.name}>
                <div class="browse-text">
                  <span class="browse-name">
                    <span class="hash" aria-hidden="true">
                      <RoomIcon private={r.private} />
                    </span>{" "}
                    {r.name}
                    {r.private && <span class="sr-only"> ({t.t("rooms.private")})</span>}
                    {r.archived && <span class="tag">{t.t("room.archivedTag")}</span>}
                  </span>
                  {r.topic && <span class="muted browse-topic">{r.topic}</span>}
                </div>
                {joined ? (
                  <button
                    type="button"
                    class="btn ghost small"
                    data-testid="open-room-button"
                    aria-label={t.t("browse.openLabel", { room: r.name })}
                    onClick={() => {
                      client.rooms.select(r.id);
                      props.onClose();
                    }}
                  >
                    {t.t("browse.open")}
                  </button>
                ) : (
                  <button
                    type="button"
                    class="btn small"
                    data-testid="join-room-button"
                    aria-label={t.t("browse.joinLabel", { room: r.name })}
                    disabled={busyId === r.id || r.archived}
                    onClick={() => void join(r)}
                  >
                    {busyId === r.id ? t.t("browse.joining") : t.t("browse.join")}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      </div>
    </Modal>
  );
}
