import { useEffect, useRef, useState } from "react";
import { downloadWhisperModel, type WhisperProgress } from "../../api/settings";
import { TransferProgress } from "../../components/TransferProgress";
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
  return (
    <TransferProgress
      title={`Downloading ${name}${p?.file ? ` (${p.file})` : ""}…`}
      label={`Downloading ${name}`}
      bytes={bytes}
      total={total}
      rate={rate}
      onCancel={cancel}
      testId="whisper-download"
    />
  );
}
