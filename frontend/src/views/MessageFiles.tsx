import { useState } from "preact/hooks";
import type { MessageFile } from "../protocol";
import { formatSize } from "../upload_data";
import { useI18n } from "./i18n_context";
import { Modal } from "./Modal";

/** Thumbnails are shown inside this box (CSS caps them too); width and height reserve the space before loading. */
const THUMB_BOX = { w: 320, h: 240 };

/**
 * A message's files: images the server could read as thumbnails that open a larger view (a dialog: Escape closes
 * it, focus goes back to the thumbnail), other files as cards with name, size and a download link.
 */
export function MessageFiles(props: { files: readonly MessageFile[] }) {
  const t = useI18n();
  const [open, setOpen] = useState<MessageFile | null>(null);
  if (props.files.length === 0) return null;
  return (
    <>
      <ul class="msg-files" aria-label={t.t("files.inMessage")} data-testid="message-files">
        {props.files.map((f) => (
          <li key={f.id}>
            {f.thumbnail ? (
              <button
                type="button"
                class="image-thumb"
                data-testid="image-thumb"
                data-file-id={f.id}
                aria-label={t.t("files.enlarge", { name: f.name })}
                onClick={() => setOpen(f)}
              >
                <img src={`/api/files/${f.id}/thumbnail`} alt={f.name} {...fit(f)} loading="lazy" />
              </button>
            ) : (
              <FileCard file={f} />
            )}
          </li>
        ))}
      </ul>
      {open && (
        <Modal title={open.name} testid="image-viewer" onClose={() => setOpen(null)}>
          <div class="image-viewer">
            <img src={`/api/files/${open.id}`} alt={open.name} data-testid="image-viewer-image" {...(open.width && open.height ? { width: open.width, height: open.height } : {})} />
            <FileCard file={open} />
          </div>
        </Modal>
      )}
    </>
  );
}

/** A file's name (its download link) and size. */
export function FileCard(props: { file: MessageFile }) {
  const t = useI18n();
  const f = props.file;
  return (
    <span class="file-card" data-testid="file-card" data-file-id={f.id}>
      <a class="file-name" href={`/api/files/${f.id}`} download={f.name} title={t.t("files.download", { name: f.name })} data-testid="file-download">
        {f.name}
      </a>
      <span class="file-size" data-testid="file-size">
        {t.text(formatSize(f.size))}
      </span>
    </span>
  );
}

/** The thumbnail's size inside THUMB_BOX, keeping the image's proportions (none known: let it size itself). */
function fit(f: MessageFile): { width?: number; height?: number } {
  if (!f.width || !f.height) return {};
  const scale = Math.min(1, THUMB_BOX.w / f.width, THUMB_BOX.h / f.height);
  return { width: Math.max(1, Math.round(f.width * scale)), height: Math.max(1, Math.round(f.height * scale)) };
}
