import { useEffect, useRef, useState } from "react";
import { cancelInstall, installProvider, type InstallProgress as Progress } from "../../api/providers";
import { ProgressBar } from "../../components/Feedback";
import { formatBytes, formatEta, formatSpeed } from "../../lib/format";
import { useTransferRate } from "../../lib/rate";

/** Runs an install and follows its event stream: bar, speed, time left, cancel. */
export function InstallProgress({ providerId, update = false, onDone }: {
  providerId: string;
  update?: boolean;
  onDone: (ok: boolean, message?: string) => void;
}) {
  const [p, setP] = useState<Progress | null>(null);
  const abort = useRef<AbortController | null>(null);
  const done = useRef(onDone);
  done.current = onDone;
  const measured = useTransferRate(p?.done ?? null);

  useEffect(() => {
    const ctl = new AbortController();
    abort.current = ctl;
    installProvider(providerId, setP, { update, signal: ctl.signal })
      .then(() => done.current(true))
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        done.current(false, err instanceof Error ? err.message : String(err));
      });
    return () => ctl.abort();
  }, [providerId, update]);

  const cancel = async () => {
    abort.current?.abort();
    try {
      await cancelInstall(providerId);
      done.current(false, "Download cancelled; nothing was changed.");
    } catch (err) {
      done.current(false, `Could not cancel: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const total = p?.total ?? null;
  const bytes = p?.done ?? 0;
  const rate = p?.speed && p.speed > 0 ? p.speed : measured;
  const pct = total ? (bytes / total) * 100 : null;
  const step = p?.step ?? p?.state ?? "starting download";
  return (
    <div className="stack" aria-live="polite">
      <div className="row-between">
        <strong style={{ textTransform: "capitalize" }}>{step}…</strong>
        <span className="faint">{pct === null ? "" : `${pct.toFixed(0)} %`}</span>
      </div>
      <ProgressBar value={pct} label={`Installing ${providerId}`} />
      <div className="grid-4">
        <div className="stat"><span className="faint">Downloaded</span><b>{formatBytes(bytes)}</b></div>
        <div className="stat"><span className="faint">Size</span><b>{formatBytes(total)}</b></div>
        <div className="stat"><span className="faint">Speed</span><b>{formatSpeed(rate)}</b></div>
        <div className="stat"><span className="faint">Time left</span><b>{total ? formatEta(total - bytes, rate) : "—"}</b></div>
      </div>
      <div className="row" style={{ justifyContent: "flex-end" }}>
        <button type="button" className="btn btn-danger" onClick={() => void cancel()}>Cancel download</button>
      </div>
    </div>
  );
}
