import { useEffect, useRef, useState } from "react";
import { cancelInstall, installProvider, type InstallProgress as Progress } from "../../api/providers";
import { TransferProgress } from "../../components/TransferProgress";
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
  const step = p?.step ?? p?.state ?? "starting download";
  return (
    <TransferProgress
      title={<span style={{ textTransform: "capitalize" }}>{step}…</span>}
      label={`Installing ${providerId}`}
      bytes={bytes}
      total={total}
      rate={rate}
      onCancel={() => void cancel()}
    />
  );
}
