import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client";
import type { Health } from "./types";

export interface WhisperModel {
  name: string;
  size_mb?: number | null;
  downloaded: boolean;
  packaged?: boolean;
  active?: boolean;
}

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
    queryKey: ["models", "whisper"],
    queryFn: ({ signal }) => api.get<WhisperModel[] | { models: WhisperModel[] }>("/models/whisper", undefined, signal),
    select: (d) => (Array.isArray(d) ? d : d.models),
    retry: false,
  });
}

export function useModelAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ name, action }: { name: string; action: "download" | "delete" }) =>
      action === "delete" ? api.del(`/models/whisper/${encodeURIComponent(name)}`) : api.post(`/models/whisper/${encodeURIComponent(name)}/download`),
    onSettled: () => qc.invalidateQueries({ queryKey: ["models"] }),
  });
}
