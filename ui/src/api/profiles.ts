import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, request } from "./client";
import type { Profile, ProfileInput, Sample, SampleUpdateInput, Transcript } from "./types";

export const profileKeys = {
  all: ["profiles"] as const,
  samples: (id: number) => ["profiles", id, "samples"] as const,
};

export const sampleAudioUrl = (profileId: number, sampleId: number) =>
  `/profiles/${profileId}/samples/${sampleId}/audio`;

export function useProfiles() {
  return useQuery({ queryKey: profileKeys.all, queryFn: ({ signal }) => api.get<Profile[]>("/profiles", undefined, signal) });
}

export function useSamples(profileId: number | null) {
  return useQuery({
    queryKey: profileKeys.samples(profileId ?? -1),
    queryFn: ({ signal }) => api.get<Sample[]>(`/profiles/${profileId}/samples`, undefined, signal),
    enabled: profileId !== null,
  });
}

export function useSaveProfile() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: number | null; input: ProfileInput }) =>
      id === null ? api.post<Profile>("/profiles", input) : api.patch<Profile>(`/profiles/${id}`, input),
    onSuccess: () => qc.invalidateQueries({ queryKey: profileKeys.all }),
  });
}

export function useDeleteProfile() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.del(`/profiles/${id}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: profileKeys.all }),
  });
}

export function useAddSample(profileId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ file, referenceText }: { file: Blob; referenceText: string; fileName?: string }) => {
      const form = new FormData();
      const name = file instanceof File ? file.name : "recording.webm";
      form.append("audio", file, name);
      if (referenceText.trim()) form.append("reference_text", referenceText.trim());
      return api.upload<Sample>(`/profiles/${profileId}/samples`, form);
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: profileKeys.samples(profileId) });
      void qc.invalidateQueries({ queryKey: profileKeys.all });
    },
  });
}

export function useUpdateSample(profileId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ sampleId, referenceText }: { sampleId: number; referenceText: string }) =>
      api.patch<Sample>(`/profiles/${profileId}/samples/${sampleId}`, { reference_text: referenceText } satisfies SampleUpdateInput),
    onSuccess: () => qc.invalidateQueries({ queryKey: profileKeys.samples(profileId) }),
  });
}

export function useDeleteSample(profileId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (sampleId: number) => api.del(`/profiles/${profileId}/samples/${sampleId}`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: profileKeys.samples(profileId) });
      void qc.invalidateQueries({ queryKey: profileKeys.all });
    },
  });
}

/** Transcribe audio (a stored sample's, fetched from the core, or a local blob). */
export async function transcribeBlob(blob: Blob, language?: string): Promise<Transcript> {
  const form = new FormData();
  form.append("file", blob, blob instanceof File ? blob.name : "audio.wav");
  if (language) form.append("language", language);
  return api.upload<Transcript>("/transcribe", form);
}

export function useTranscribeSample(profileId: number) {
  const update = useUpdateSample(profileId);
  return useMutation({
    mutationFn: async (sample: Sample) => {
      const res = await fetch(sample.audio_url ?? sampleAudioUrl(profileId, sample.id));
      if (!res.ok) throw new Error(`Cannot read the sample's audio (HTTP ${res.status}).`);
      const transcript = await transcribeBlob(await res.blob());
      const text = transcript.text.trim();
      if (!text) throw new Error("No speech was recognised in this sample; type the transcript instead.");
      await update.mutateAsync({ sampleId: sample.id, referenceText: text });
      return text;
    },
  });
}

export interface Preset {
  provider: string;
  engine: string;
  model_size: string;
  voice: string;
  name: string;
  language: string | null;
  description: string;
}

/** Preset voices of every engine the providers offer (from their describe()). */
export function usePresets() {
  return useQuery({
    queryKey: ["presets"],
    queryFn: ({ signal }) => api.get<Preset[]>("/presets", undefined, signal),
    staleTime: 60_000,
  });
}

/** A short sample of a preset voice (POST /presets/preview → WAV), before a profile is made
 * from it; the core generates it once and caches it. Throws the core's message (a 409
 * `model_not_downloaded` when the voice's model is not on this machine). */
export async function previewPreset(p: Pick<Preset, "engine" | "model_size" | "voice">, language?: string | null): Promise<Blob> {
  const res = await request<Response>("POST", "/presets/preview", {
    json: { engine: p.engine, model_size: p.model_size, voice: p.voice, ...(language ? { language } : {}) },
    raw: true,
  });
  return res.blob();
}
