import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { CloseIcon } from "./icons";
import { useI18n } from "./i18n_context";

/**
 * A native modal <dialog>: focus is trapped and Escape closes it, for free. When it closes, focus goes back to
 * what had it when the dialog opened (the button that opened it), or to `returnFocus` when that is gone (a
 * menu item that closed with its menu).
 */
export function Modal(props: {
  title: string;
  testid: string;
  onClose: () => void;
  returnFocus?: () => HTMLElement | null;
  children: ComponentChildren;
}) {
  const t = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  const returnFocus = useRef(props.returnFocus);
  returnFocus.current = props.returnFocus;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (typeof d.showModal === "function" && !d.open) d.showModal();
    const onCancel = (e: Event) => {
      e.preventDefault();
      onClose.current();
    };
    d.addEventListener("cancel", onCancel);
    return () => {
      d.removeEventListener("cancel", onCancel);
      if (d.open) d.close();
      const target = opener?.isConnected ? opener : (returnFocus.current?.() ?? null);
      // After Preact has removed the dialog: focusing inside the same commit would be undone.
      setTimeout(() => target?.focus(), 0);
    };
  }, []);
  const titleId = `${props.testid}-title`;
  return (
    <dialog ref={ref} class="modal" data-testid={props.testid} aria-labelledby={titleId}>
      <div class="modal-head">
        <h2 id={titleId}>{props.title}</h2>
        <button type="button" class="icon-btn" aria-label={t.t("form.close")} onClick={props.onClose}>
          <CloseIcon />
        </button>
      </div>
      {props.children}
    </dialog>
  );
}
