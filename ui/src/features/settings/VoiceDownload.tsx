import { useEffect, useRef, useState } from "react";
import { downloadVoiceModel, type VoiceModelRef, type VoiceProgress } from "../../api/voiceModels";
import { TransferProgress } from "../../components/TransferProgress";
import { useTransferRate } from "../../lib/rate";

/** Runs one voice model download: bar, bytes, speed, time left; Cancel closes the stream (the
 * provider stops after the file it is fetching and keeps what it has, so a new download resumes). */
export function VoiceDownload({ model, name, onDone }: {
  model: VoiceModelRef;
  /** What the person reads, e.g. "Qwen3-TTS 0.6B". */
  name: string;
  onDone: (ok: boolean, message?: string) => void;
}) {
  const [p, setP] = useState<VoiceProgress | null>(null);
  const abort = useRef<AbortController | null>(null);
  const done = useRef(onDone);
  done.current = onDone;
  const rate = useTransferRate(p?.done ?? null);
  const { engine, modelSize } = model;

  useEffect(() => {
    const ctl = new AbortController();
    abort.current = ctl;
    downloadVoiceModel({ engine, modelSize }, setP, ctl.signal)
      .then(() => done.current(true))
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        done.current(false, err instanceof Error ? err.message : String(err));
      });
    return () => ctl.abort();
  }, [engine, modelSize]);

  const cancel = () => {
    abort.current?.abort();
    done.current(false, `Download of ${name} cancelled; what was downloaded is kept and a new download resumes it.`);
  };

  return (
    <TransferProgress
      title={`Downloading ${name}…`}
      label={`Downloading ${name}`}
      bytes={p?.done ?? 0}
      total={p?.total ?? null}
      rate={rate}
      onCancel={cancel}
      testId="voice-download"
    />
  );
}
