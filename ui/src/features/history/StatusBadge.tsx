import type { GenerationStatus } from "../../api/types";

const STYLE: Record<GenerationStatus, string> = {
  queued: "",
  loading_model: "badge-accent",
  generating: "badge-accent",
  completed: "badge-success",
  failed: "badge-danger",
  cancelled: "badge-warning",
};

export function StatusBadge({ status }: { status: GenerationStatus }) {
  const live = status === "queued" || status === "loading_model" || status === "generating";
  return (
    <span className={`badge badge-cap ${STYLE[status] ?? ""}`} data-status={status}>
      {live && <span className="spinner" style={{ width: 10, height: 10, borderWidth: 1.5 }} aria-hidden="true" />}
      {status.replace("_", " ")}
    </span>
  );
}
