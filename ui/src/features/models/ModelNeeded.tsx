import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { genKeys } from "../../api/generations";
import { needHeadline, type ModelNeed, type Unavailable } from "../../api/modelNeeds";
import { cancelVoiceDownload, downloadVoiceModel, voiceModelsKey } from "../../api/voiceModels";
import { Notice } from "../../components/Feedback";
import { formatMb } from "../../lib/format";
import { useUi } from "../../store/ui";
import { ModelDownload } from "../settings/ModelDownload";

/** "Voice cloning needs Qwen3-TTS 0.6B Base (≈ 2.4 GB) — Download", inline where the model is
 * missing; then the download's progress (speed, time left, cancel). A download already running
 * elsewhere is joined (the core sends the same progress to every follower). `onReady` runs
 * once the model is on disk, e.g. to resubmit the request that needed it. */
export function ModelNeeded({ need, onReady, autoStart = false }: { need: ModelNeed; onReady?: () => void; autoStart?: boolean }) {
  const qc = useQueryClient();
  const toast = useUi((s) => s.toast);
  const [running, setRunning] = useState(autoStart);
  const [failure, setFailure] = useState<string | null>(null);
  const size = need.sizeMb ? ` (≈ ${formatMb(need.sizeMb)})` : "";
  const title = `${needHeadline(need)}${size}`;

  const finished = (ok: boolean, message?: string) => {
    setRunning(false);
    void qc.invalidateQueries({ queryKey: voiceModelsKey });
    void qc.invalidateQueries({ queryKey: genKeys.describe });
    if (!ok) {
      setFailure(message ?? `The download of ${need.displayName} failed.`);
      return;
    }
    toast(`${need.displayName} downloaded`, "success");
    onReady?.();
  };

  if (running) {
    return (
      <div className="card card-body" data-testid="model-needed">
        <ModelDownload
          key={`${need.engine}/${need.modelSize}`}
          name={need.displayName}
          start={(onProgress, signal) => downloadVoiceModel(need, onProgress, signal)}
          onDone={finished}
          stop={() => cancelVoiceDownload(need)}
          testId="model-download"
        />
      </div>
    );
  }
  return (
    <div data-testid="model-needed">
      <Notice kind="warning" title={title}
        action={
          <button type="button" className="btn btn-sm btn-primary" onClick={() => { setFailure(null); setRunning(true); }}>
            {need.downloading ? "Follow the download" : "Download"}
          </button>
        }>
        {need.downloading
          ? "It is being downloaded already; follow that download here."
          : `It is not on this machine yet. Download it once${onReady ? "; the generation then goes ahead" : ""}.`}
        {need.localDir && (
          <span className="faint" style={{ display: "block", marginTop: 4 }}>
            Offline? Copy its files to <code className="mono">{need.localDir}</code>; Voicebox picks them up without a restart.
          </span>
        )}
      </Notice>
      {failure && <Notice kind="error" title="Download stopped">{failure}</Notice>}
    </div>
  );
}

/** The provider cannot do this at all: its message and a link to Settings → Provider. */
export function CapabilityUnavailable({ info }: { info: Unavailable }) {
  const navigate = useUi((s) => s.navigate);
  return (
    <Notice kind="warning" title="Not possible with the current provider"
      action={
        <button type="button" className="btn btn-sm" onClick={() => navigate("settings")}>
          Settings → Provider
        </button>
      }>
      {info.message}
    </Notice>
  );
}
