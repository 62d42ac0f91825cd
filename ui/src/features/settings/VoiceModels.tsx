import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { genKeys } from "../../api/generations";
import type { TtsEngineModels } from "../../api/types";
import { cancelVoiceDownload, downloadVoiceModel, useDeleteVoiceModel, useVoiceModels, type TtsModel, type VoiceModelRef } from "../../api/voiceModels";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorNotice, Notice, Skeleton } from "../../components/Feedback";
import { formatMb } from "../../lib/format";
import { languageList, speedLabel } from "../models/engineFacts";
import { useUi } from "../../store/ui";
import { ModelDownload } from "./ModelDownload";

interface Target extends VoiceModelRef {
  name: string;
  loaded: boolean;
}

const keyOf = (engine: string, modelSize: string) => `${engine}/${modelSize}`;

function stateLabel(m: TtsModel, downloading: boolean): string {
  if (m.availability === "hosted") return "Hosted by the provider";
  if (m.availability === "packaged") return "Included";
  if (downloading) return "Downloading…";
  return m.downloaded ? "Downloaded" : "Not downloaded";
}

function EngineTable({ engine, downloading, busy, onDownload, onDelete }: {
  engine: TtsEngineModels;
  downloading: string | null;
  busy: boolean;
  onDownload: (t: Target) => void;
  onDelete: (t: Target) => void;
}) {
  return (
    <div className="stack" style={{ gap: 4 }}>
    {engine.description && <p className="faint" style={{ fontSize: 13 }} data-testid="engine-description"><strong>{engine.display_name}:</strong> {engine.description}</p>}
    <table className="table" aria-label={`${engine.display_name} models`}>
      <thead>
        <tr><th scope="col">{engine.display_name} model</th><th scope="col">Size</th><th scope="col">Languages</th><th scope="col">Speed here</th><th scope="col">State</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
      </thead>
      <tbody>
        {engine.models.map((m) => {
          const key = keyOf(engine.name, m.model_size);
          const target: Target = { engine: engine.name, modelSize: m.model_size, name: m.display_name, loaded: m.loaded };
          const running = downloading === key || m.downloading;
          return (
            <tr key={key} data-testid="voice-model-row" data-key={key}>
              <td>
                {m.display_name} {m.loaded && <span className="badge badge-accent">Loaded</span>}
                {m.availability === "downloadable" && !m.downloaded && m.local_dir && (
                  <div className="faint" style={{ fontSize: 12, overflowWrap: "anywhere" }}>
                    Offline? Copy its files to <code className="mono">{m.local_dir}</code>
                  </div>
                )}
              </td>
              <td className="mono" style={{ whiteSpace: "nowrap" }}>{m.availability === "hosted" ? "—" : formatMb(m.size_mb)}</td>
              <td className="faint" title={m.languages.length > 4 ? languageList(m.languages, m.languages.length) : undefined}>{languageList(m.languages)}</td>
              <td className="faint" style={{ minWidth: 120 }}>{speedLabel(m.speed, true)}</td>
              <td>{stateLabel(m, running)}</td>
              <td style={{ textAlign: "right", whiteSpace: "nowrap" }}>
                {m.availability === "downloadable" && !m.downloaded && (
                  // A download started elsewhere (Generate, the CLI) can be followed here.
                  <button type="button" className="btn btn-sm" disabled={downloading !== null} aria-label={`${m.downloading ? "Follow the download of" : "Download"} ${m.display_name}`}
                    onClick={() => onDownload(target)}>
                    {m.downloading ? "Follow" : "Download"}
                  </button>
                )}
                {m.availability === "downloadable" && m.downloaded && (
                  <button type="button" className="btn btn-sm btn-danger" disabled={busy || running} aria-label={`Delete ${m.display_name}`}
                    onClick={() => onDelete(target)}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
    </div>
  );
}

/** Settings → Voice models: the active provider's speech models per engine; download with
 * progress and delete the downloadable ones; packaged ones are "Included". */
export function VoiceModels() {
  const models = useVoiceModels();
  const del = useDeleteVoiceModel();
  const qc = useQueryClient();
  const toast = useUi((s) => s.toast);
  const [downloading, setDownloading] = useState<Target | null>(null);
  const [confirm, setConfirm] = useState<Target | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (models.isPending) return <Skeleton lines={2} />;
  if (models.isError) return <ErrorNotice error={models.error} title="Voice models" onRetry={() => void models.refetch()} />;
  const engines = models.data.engines;
  if (engines.length === 0) return <Notice title="Voice models">The active speech provider offers no models.</Notice>;

  const finished = (t: Target) => (ok: boolean, message?: string) => {
    setDownloading(null);
    void models.refetch();
    void qc.invalidateQueries({ queryKey: genKeys.describe });
    if (ok) toast(`${t.name} downloaded`, "success");
    else setError(message ?? `The download of ${t.name} failed.`);
  };
  const remove = (t: Target) => {
    setError(null);
    del.mutateAsync(t)
      .then(() => toast(`${t.name} deleted`, "success"))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  };

  return (
    <div className="stack">
      {engines.map((e) => (
        <EngineTable key={`${e.provider}/${e.name}`} engine={e} downloading={downloading ? keyOf(downloading.engine, downloading.modelSize) : null}
          busy={del.isPending} onDownload={(t) => { setError(null); setDownloading(t); }} onDelete={setConfirm} />
      ))}
      {downloading && (
        <ModelDownload
          key={keyOf(downloading.engine, downloading.modelSize)}
          name={downloading.name}
          start={(onProgress, signal) => downloadVoiceModel(downloading, onProgress, signal)}
          onDone={finished(downloading)}
          stop={() => cancelVoiceDownload(downloading)}
          testId="voice-download"
        />
      )}
      {error && <Notice kind="error" title="Voice models">{error}</Notice>}
      <p className="faint">
        Models of the {models.data.provider ?? "active"} provider. Downloadable models are fetched on first use, or here ahead of time;
        included models ship with the provider.
      </p>
      <ConfirmDialog
        open={confirm !== null}
        title={`Delete ${confirm?.name ?? ""}?`}
        message={`Its files are removed from the provider's folder; you can download it again later.${confirm?.loaded ? " It is loaded now: the provider unloads it first." : ""}`}
        busy={del.isPending}
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          const target = confirm;
          setConfirm(null);
          if (target) remove(target);
        }}
      />
    </div>
  );
}
