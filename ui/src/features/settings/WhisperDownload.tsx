import { useEffect, useRef, useState } from "react";
import { downloadWhisperModel, type WhisperProgress } from "../../api/settings";
import { ProgressBar } from "../../components/Feedback";
import { formatBytes, formatEta, formatSpeed } from "../../lib/format";
import { useTransferRate } from "../../lib/rate";

/** Runs one Whisper model download: bar, bytes, speed, time left; Cancel closes the stream
 * (the core stops before the next file and keeps what it has, so a new download resumes). */
export function WhisperDownload({ name, onDone }: { name: string; onDone: (ok: boolean, message?: string) => void }) {
  const [p, setP] = useState<WhisperProgress | null>(null);
  const abort = useRef<AbortController | null>(null);
  const done = useRef(onDone);
  done.current = onDone;
  const rate = useTransferRate(p?.done ?? null);

  useEffect(() => {
    const ctl = new AbortController();
    abort.current = ctl;
    downloadWhisperModel(name, setP, ctl.signal)
      .then(() => done.current(true))
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        done.current(false, err instanceof Error ? err.message : String(err));
      });
    return () => ctl.abort();
  }, [name]);

  const cancel = () => {
    abort.current?.abort();
    done.current(false, `Download of ${name} cancelled; what was downloaded is kept and a new download resumes it.`);
  };

  const total = p?.total ?? null;
  const bytes = p?.done ?? 0;
  const pct = total ? (bytes / total) * 100 : null;
  return (
    <div className="stack" aria-live="polite" data-testid="whisper-download">
      <div className="row-between">
        <strong>Downloading {name}{p?.file ? ` (${p.file})` : ""}…</strong>
        <span className="faint">{pct === null ? "" : `${pct.toFixed(0)} %`}</span>
      </div>
      <ProgressBar value={pct} label={`Downloading ${name}`} />
      <div className="grid-4">
        <div className="stat"><span className="faint">Downloaded</span><b>{formatBytes(bytes)}</b></div>
        <div className="stat"><span className="faint">Size</span><b>{formatBytes(total)}</b></div>
        <div className="stat"><span className="faint">Speed</span><b>{formatSpeed(rate)}</b></div>
        <div className="stat"><span className="faint">Time left</span><b>{total ? formatEta(total - bytes, rate) : "—"}</b></div>
      </div>
      <div className="row" style={{ justifyContent: "flex-end" }}>
        <button type="button" className="btn btn-danger" onClick={cancel}>Cancel download</button>
      </div>
    </div>
  );
}
