import type { ReactNode } from "react";
import { ApiError, errorMessage } from "../api/client";
import { Icon, type IconName } from "./Icon";

export function Spinner({ label = "Loading" }: { label?: string }) {
  return <span className="spinner" role="status" aria-label={label} />;
}

export function Notice({
  kind = "info",
  title,
  children,
  action,
}: {
  kind?: "info" | "warning" | "error";
  title?: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  const icon: IconName = kind === "info" ? "info" : "alert";
  return (
    <div className={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"}>
      <Icon name={icon} />
      <div className="grow stack" style={{ gap: 2 }}>
        {title && <strong>{title}</strong>}
        {children && <div>{children}</div>}
      </div>
      {action}
    </div>
  );
}

/** An error shown where it happened, with the server's own message. */
export function ErrorNotice({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  if (!error) return null;
  const missing = error instanceof ApiError && error.missingEndpoint;
  return (
    <Notice
      kind={missing ? "warning" : "error"}
      title={title ?? (missing ? "Not available on this server yet" : "Something went wrong")}
      action={
        onRetry ? (
          <button type="button" className="btn btn-sm" onClick={onRetry}>
            Try again
          </button>
        ) : undefined
      }
    >
      {errorMessage(error)}
    </Notice>
  );
}

export function EmptyState({
  icon,
  title,
  children,
  action,
}: {
  icon: IconName;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="empty">
      <Icon name={icon} />
      <h3>{title}</h3>
      {children && <p>{children}</p>}
      {action}
    </div>
  );
}

export function Skeleton({ lines = 3 }: { lines?: number }) {
  return (
    <div className="stack" role="status" aria-busy="true" aria-label="Loading">
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton" style={{ width: `${90 - i * 15}%` }} />
      ))}
    </div>
  );
}

export function ProgressBar({ value, label }: { value: number | null; label: string }) {
  const pct = value === null ? null : Math.max(0, Math.min(100, value));
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct === null ? undefined : Math.round(pct)}
    >
      <div style={{ width: `${pct ?? 100}%`, opacity: pct === null ? 0.4 : 1 }} />
    </div>
  );
}
