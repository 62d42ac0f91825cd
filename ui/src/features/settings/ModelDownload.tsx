import { useEffect, useRef, useState } from "react";
import { TransferProgress } from "../../components/TransferProgress";
import { useTransferRate } from "../../lib/rate";

/** What a model download reports: bytes so far, the total when known, the file in flight. */
export interface DownloadProgress {
  done: number;
  total: number | null;
  file?: string;
}

/** Runs one model download (Whisper or voice): bar, bytes, speed, time left. Cancel closes the
 * stream; the server stops after the file it is fetching and keeps what it has, so a new
 * download resumes. `start` is called once, when the component mounts (key it per model). */
export function ModelDownload({ name, start, onDone, testId, stop }: {
  /** What the person reads, e.g. "base.en" or "Qwen3-TTS 0.6B". */
  name: string;
  start: (onProgress: (p: DownloadProgress) => void, signal: AbortSignal) => Promise<void>;
  onDone: (ok: boolean, message?: string) => void;
  testId: string;
  /** Stop the download itself, also for others following it (else Cancel only leaves it). */
  stop?: () => Promise<unknown>;
}) {
  const [p, setP] = useState<DownloadProgress | null>(null);
  const abort = useRef<AbortController | null>(null);
  const begin = useRef(start);
  const done = useRef(onDone);
  done.current = onDone;
  const rate = useTransferRate(p?.done ?? null);

  useEffect(() => {
    const ctl = new AbortController();
    abort.current = ctl;
    begin.current(setP, ctl.signal)
      .then(() => done.current(true))
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        done.current(false, err instanceof Error ? err.message : String(err));
      });
    return () => ctl.abort();
  }, []);

  const cancel = () => {
    abort.current?.abort();
    // Leaving the stream is enough when no one else follows it; `stop` makes sure.
    void stop?.().catch(() => undefined);
    done.current(false, `Download of ${name} cancelled; what was downloaded is kept and a new download resumes it.`);
  };

  return (
    <TransferProgress
      title={`Downloading ${name}${p?.file ? ` (${p.file})` : ""}…`}
      label={`Downloading ${name}`}
      bytes={p?.done ?? 0}
      total={p?.total ?? null}
      rate={rate}
      onCancel={cancel}
      testId={testId}
    />
  );
}
