// Health and the Whisper (transcription) models, as core/api/whisper_models.py defines them:
//   GET    /models/whisper                  rows (packaged tiny.en + the registry), active
//   POST   /models/whisper/{name}/download  event stream: progress…, then done | error;
//                                           closing the stream cancels the download
//   DELETE /models/whisper/{name}           409 for the packaged or the active model
//   PUT    /models/whisper/active {name}    the transcriber switches (persisted by the core)
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client";
import { positiveBytes, postTaskStream } from "./sse";
import type { Health, WhisperModel, WhisperModelList } from "./types";

export type { WhisperModel };

export interface WhisperProgress {
  name: string;
  done: number;
  total: number | null;
  file: string;
}

const whisperKey = ["models", "whisper"] as const;

export function useHealth() {
  return useQuery({
    queryKey: ["health"],
    queryFn: ({ signal }) => api.get<Health>("/health", undefined, signal),
    refetchInterval: 15_000,
    retry: false,
  });
}

export function useWhisperModels() {
  return useQuery({
    queryKey: whisperKey,
    queryFn: ({ signal }) => api.get<WhisperModelList>("/models/whisper", undefined, signal),
    retry: false,
  });
}

const modelPath = (name: string) => `/models/whisper/${encodeURIComponent(name)}`;

export function useDeleteWhisperModel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api.del(modelPath(name)),
    onSettled: () => qc.invalidateQueries({ queryKey: whisperKey }),
  });
}

export function useActivateWhisperModel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api.put<WhisperModelList>("/models/whisper/active", { name }),
    onSuccess: (data) => qc.setQueryData(whisperKey, data),
    onSettled: () => qc.invalidateQueries({ queryKey: whisperKey }),
  });
}

/** Download a model, reporting byte progress; resolves when done, throws the core's message.
 * Aborting `signal` closes the stream, which cancels the download in the core. */
export async function downloadWhisperModel(name: string, onProgress: (p: WhisperProgress) => void, signal?: AbortSignal): Promise<void> {
  await postTaskStream(`${modelPath(name)}/download`, (data) => {
    onProgress({ name, done: Number(data.downloaded_bytes ?? 0), total: positiveBytes(data.total_bytes), file: typeof data.file === "string" ? data.file : "" });
  }, {
    failed: "The download failed.",
    unfinished: `The download of ${name} stopped before it finished; start it again to resume.`,
  }, signal);
}

/** Whether the provider wizard was seen in this data folder (GET/POST /settings/first-run);
 * a fresh data folder has not seen it. */
export interface FirstRun {
  wizard_seen: boolean;
}

const firstRunKey = ["settings", "first-run"] as const;

export function useFirstRun() {
  return useQuery({
    queryKey: firstRunKey,
    queryFn: ({ signal }) => api.get<FirstRun>("/settings/first-run", undefined, signal),
    retry: false,
    staleTime: Infinity,
  });
}

export function useMarkWizardSeen() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<FirstRun>("/settings/first-run", { wizard_seen: true } satisfies FirstRun),
    onMutate: () => qc.setQueryData<FirstRun>(firstRunKey, { wizard_seen: true }),
  });
}
