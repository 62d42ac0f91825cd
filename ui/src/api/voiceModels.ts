// Speech (voice) models of the active provider, as core/api/tts_models.py defines them:
//   GET    /models/tts                                   engines with their models
//   POST   /models/tts/{engine}/{model_size}/download    event stream: progress…, then done | error;
//                                                       closing the stream cancels the download
//   DELETE /models/tts/{engine}/{model_size}            409 for packaged and hosted models
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client";
import { genKeys } from "./generations";
import { positiveBytes, postTaskStream } from "./sse";
import type { TtsModel, TtsModelDeleted, TtsModelList } from "./types";

export type { TtsModel, TtsModelList };

export interface VoiceModelRef {
  engine: string;
  modelSize: string;
}

export interface VoiceProgress {
  done: number;
  total: number | null;
  message: string;
}

export const voiceModelsKey = ["models", "tts"] as const;

const modelPath = ({ engine, modelSize }: VoiceModelRef) =>
  `/models/tts/${encodeURIComponent(engine)}/${encodeURIComponent(modelSize)}`;

export function useVoiceModels() {
  return useQuery({
    queryKey: voiceModelsKey,
    queryFn: ({ signal }) => api.get<TtsModelList>("/models/tts", undefined, signal),
    retry: false,
  });
}

export function useDeleteVoiceModel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (ref: VoiceModelRef) => api.del<TtsModelDeleted>(modelPath(ref)),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: voiceModelsKey });
      void qc.invalidateQueries({ queryKey: genKeys.describe });
    },
  });
}

/** Download a model through the provider, reporting byte progress; resolves when done, throws
 * the core's (or the provider's) message. Aborting `signal` closes the stream, which cancels
 * the download in the provider (it keeps what it has, so a new download resumes). */
/** Stop a running download for everyone following it (POST …/cancel); false when none ran. */
export async function cancelVoiceDownload(ref: VoiceModelRef): Promise<boolean> {
  return (await api.post<{ cancelled: boolean }>(`${modelPath(ref)}/cancel`)).cancelled;
}

export async function downloadVoiceModel(ref: VoiceModelRef, onProgress: (p: VoiceProgress) => void, signal?: AbortSignal): Promise<void> {
  await postTaskStream(`${modelPath(ref)}/download`, (data) => {
    onProgress({ done: Number(data.downloaded_bytes ?? 0), total: positiveBytes(data.total_bytes), message: typeof data.message === "string" ? data.message : "" });
  }, {
    failed: "The download failed.",
    unfinished: `The download of ${ref.engine} ${ref.modelSize} stopped before it finished; start it again to resume.`,
  }, signal);
}
