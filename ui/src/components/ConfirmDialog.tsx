import { useEffect, useRef } from "react";

/** A modal confirmation on the native <dialog>: focus trap, Escape to cancel, focus restore. */
export function ConfirmDialog({
  open,
  title,
  message,
  confirmLabel = "Delete",
  danger = true,
  busy = false,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  message: string;
  confirmLabel?: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      if (typeof d.showModal === "function") d.showModal();
      else d.setAttribute("open", "");
    } else if (!open && d.open) {
      if (typeof d.close === "function") d.close();
      else d.removeAttribute("open");
    }
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-message"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      {open && (
        <>
          <div className="dialog-body">
            <h2 id="confirm-title">{title}</h2>
            <p id="confirm-message" className="muted">
              {message}
            </p>
          </div>
          <div className="dialog-foot">
            <button type="button" className="btn" onClick={onCancel} autoFocus>
              Cancel
            </button>
            <button
              type="button"
              className={danger ? "btn btn-danger-solid" : "btn btn-primary"}
              onClick={onConfirm}
              disabled={busy}
            >
              {busy ? "Working…" : confirmLabel}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
