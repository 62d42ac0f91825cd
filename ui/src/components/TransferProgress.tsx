import type { ReactNode } from "react";
import { formatBytes, formatEta, formatSpeed } from "../lib/format";
import { ProgressBar } from "./Feedback";

/** A running download: title, percent, bar, bytes, size, speed, time left and Cancel. */
export function TransferProgress({ title, label, bytes, total, rate, onCancel, testId }: {
  title: ReactNode;
  /** Accessible name of the progress bar. */
  label: string;
  bytes: number;
  total: number | null;
  /** Bytes per second (0 while unknown). */
  rate: number;
  onCancel: () => void;
  testId?: string;
}) {
  const pct = total ? (bytes / total) * 100 : null;
  return (
    <div className="stack" aria-live="polite" data-testid={testId}>
      <div className="row-between">
        <strong>{title}</strong>
        <span className="faint">{pct === null ? "" : `${pct.toFixed(0)} %`}</span>
      </div>
      <ProgressBar value={pct} label={label} />
      <div className="grid-4">
        <div className="stat"><span className="faint">Downloaded</span><b>{formatBytes(bytes)}</b></div>
        <div className="stat"><span className="faint">Size</span><b>{formatBytes(total)}</b></div>
        <div className="stat"><span className="faint">Speed</span><b>{formatSpeed(rate)}</b></div>
        <div className="stat"><span className="faint">Time left</span><b>{total ? formatEta(total - bytes, rate) : "—"}</b></div>
      </div>
      <div className="row" style={{ justifyContent: "flex-end" }}>
        <button type="button" className="btn btn-danger" onClick={onCancel}>Cancel download</button>
      </div>
    </div>
  );
}
