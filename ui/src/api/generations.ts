import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Query } from "./client";
import { FINAL_STATUSES, type Describe, type FavouriteInput, type GenerateInput, type Generation, type HistoryPage, type HistoryQuery, type HistoryStats, type PresetVoice } from "./types";

export const genKeys = {
  history: ["history"] as const,
  page: (q: HistoryQuery) => ["history", q] as const,
  one: (id: number) => ["generation", id] as const,
  describe: ["describe"] as const,
};

export const generationAudioUrl = (g: Pick<Generation, "id" | "audio_url">, format = "wav") =>
  `${g.audio_url ?? `/generations/${g.id}/audio`}${format === "wav" ? "" : `?format=${format}`}`;

export function useHistory(q: HistoryQuery) {
  return useQuery({
    queryKey: genKeys.page(q),
    queryFn: ({ signal }) => api.get<HistoryPage>("/history", q as unknown as Query, signal),
    placeholderData: keepPreviousData,
  });
}

/** Counts by status and engine (the History engine filter offers the engines found here). */
export function useHistoryStats() {
  return useQuery({
    queryKey: [...genKeys.history, "stats"],
    queryFn: ({ signal }) => api.get<HistoryStats>("/history/stats", undefined, signal),
    staleTime: 30_000,
  });
}

export function useGeneration(id: number | null) {
  return useQuery({
    queryKey: genKeys.one(id ?? -1),
    queryFn: ({ signal }) => api.get<Generation>(`/generations/${id}`, undefined, signal),
    enabled: id !== null,
    // The event stream keeps this fresh; polling is only a safety net while it runs.
    refetchInterval: (q) => (q.state.data && FINAL_STATUSES.includes(q.state.data.status) ? false : 4000),
  });
}

/** Engines, models, languages, capabilities and preset voices of the active provider. */
export function useDescribe() {
  return useQuery({
    queryKey: genKeys.describe,
    queryFn: ({ signal }) => api.get<Describe>("/describe", undefined, signal),
    staleTime: 60_000,
  });
}

export function presetVoices(d: Describe | undefined): { engine: string; voice: PresetVoice }[] {
  const out: { engine: string; voice: PresetVoice }[] = [];
  for (const e of d?.engines ?? []) {
    const seen = new Set<string>();
    for (const m of e.models) {
      for (const v of m.preset_voices ?? []) {
        if (seen.has(v.id)) continue;
        seen.add(v.id);
        out.push({ engine: e.name, voice: v });
      }
    }
  }
  return out;
}

function useInvalidateHistory() {
  const qc = useQueryClient();
  return (g?: Generation | Generation[]) => {
    void qc.invalidateQueries({ queryKey: genKeys.history });
    for (const one of Array.isArray(g) ? g : g ? [g] : []) qc.setQueryData(genKeys.one(one.id), one);
  };
}

export function useGenerate() {
  const done = useInvalidateHistory();
  return useMutation({
    mutationFn: async (input: GenerateInput) => {
      const res = await api.post<{ group_id: string | null; generations: Generation[] }>("/generate", input);
      return res.generations;
    },
    onSuccess: (gens) => done(gens),
  });
}

type Action = "retry" | "regenerate" | "cancel";
export function useGenerationAction() {
  const done = useInvalidateHistory();
  return useMutation({
    mutationFn: ({ id, action }: { id: number; action: Action }) => api.post<Generation>(`/generations/${id}/${action}`),
    onSuccess: (g) => done(g),
  });
}

export function useSetFavourite() {
  const done = useInvalidateHistory();
  return useMutation({
    mutationFn: ({ id, favourite }: { id: number; favourite: boolean }) =>
      api.post<Generation>(`/generations/${id}/favourite`, { favourite } satisfies FavouriteInput),
    onSuccess: (g) => done(g),
  });
}

export function useDeleteGeneration() {
  const done = useInvalidateHistory();
  return useMutation({
    mutationFn: (id: number) => api.del(`/generations/${id}`),
    onSuccess: () => done(),
  });
}
