import { useState } from "react";
import { downloadWhisperModel, useActivateWhisperModel, useDeleteWhisperModel, useWhisperModels, type WhisperModel } from "../../api/settings";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorNotice, Notice, Skeleton } from "../../components/Feedback";
import { formatMb } from "../../lib/format";
import { useUi } from "../../store/ui";
import { ModelDownload } from "./ModelDownload";

function stateLabel(m: WhisperModel, downloading: boolean): string {
  if (m.packaged) return "Built in";
  if (downloading) return "Downloading…";
  return m.downloaded ? "Downloaded" : "Not downloaded";
}

/** Settings → Transcription models: list, download with progress, delete, make active. */
export function WhisperModels() {
  const models = useWhisperModels();
  const del = useDeleteWhisperModel();
  const activate = useActivateWhisperModel();
  const toast = useUi((s) => s.toast);
  const [downloading, setDownloading] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (models.isPending) return <Skeleton lines={2} />;
  if (models.isError) return <ErrorNotice error={models.error} title="Transcription models" onRetry={() => void models.refetch()} />;

  const finished = (name: string) => (ok: boolean, message?: string) => {
    setDownloading(null);
    void models.refetch();
    if (ok) toast(`${name} downloaded`, "success");
    else setError(message ?? `The download of ${name} failed.`);
  };
  const run = (fn: () => Promise<unknown>) => {
    setError(null);
    fn().catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  };
  const busy = del.isPending || activate.isPending;

  return (
    <div className="stack">
      <table className="table" aria-label="Transcription models">
        <thead>
          <tr><th scope="col">Whisper model</th><th scope="col">Languages</th><th scope="col">Size</th><th scope="col">State</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          {models.data.models.map((m) => (
            <tr key={m.name} data-testid="whisper-row" data-name={m.name}>
              <td>{m.name} {m.active && <span className="badge badge-accent">In use</span>}</td>
              <td className="faint">{m.languages === "99" ? "99 languages" : m.languages}</td>
              <td className="mono">{formatMb(m.size_mb)}</td>
              <td>{stateLabel(m, downloading === m.name || m.downloading)}</td>
              <td style={{ textAlign: "right", whiteSpace: "nowrap" }}>
                {m.downloaded && !m.active && (
                  <button type="button" className="btn btn-sm" disabled={busy} aria-label={`Use ${m.name}`}
                    onClick={() => run(() => activate.mutateAsync(m.name).then(() => toast(`Transcription now uses ${m.name}`, "success")))}>
                    Use
                  </button>
                )}
                {!m.downloaded && !m.packaged && (
                  <button type="button" className="btn btn-sm" disabled={downloading !== null || m.downloading} aria-label={`Download ${m.name}`}
                    onClick={() => { setError(null); setDownloading(m.name); }}>
                    Download
                  </button>
                )}
                {m.downloaded && !m.packaged && !m.active && (
                  <button type="button" className="btn btn-sm btn-danger" disabled={busy} aria-label={`Delete ${m.name}`} onClick={() => setConfirm(m.name)}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {downloading && (
        <ModelDownload
          key={downloading}
          name={downloading}
          start={(onProgress, signal) => downloadWhisperModel(downloading, onProgress, signal)}
          onDone={finished(downloading)}
          testId="whisper-download"
        />
      )}
      {error && <Notice kind="error" title="Transcription models">{error}</Notice>}
      <p className="faint">
        Models are stored in <code className="mono">{models.data.models_dir}</code>. The built-in tiny.en works offline;
        larger models transcribe better and need a download.
      </p>
      <ConfirmDialog
        open={confirm !== null}
        title={`Delete ${confirm ?? ""}?`}
        message="Its files are removed from this computer; you can download it again later."
        busy={del.isPending}
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          const name = confirm;
          setConfirm(null);
          if (name) run(() => del.mutateAsync(name).then(() => toast(`${name} deleted`, "success")));
        }}
      />
    </div>
  );
}
