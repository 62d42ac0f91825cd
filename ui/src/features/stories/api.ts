// Stories over the core's /stories API (types from the generated OpenAPI schema).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { components } from "../../api/schema.gen";

type Schemas = components["schemas"];
export type Story = Schemas["StoryOut"];
export type StoryDetail = Schemas["StoryDetail"];
export type Clip = Schemas["ClipOut"];
export type Track = Schemas["TrackOut"];
export type ClipPatch = Schemas["ClipUpdate"];
export type DialogueInput = Schemas["DialogueBody"];
export type Dialogue = Schemas["DialogueOut"];

export const storyKeys = {
  all: ["stories"] as const,
  one: (id: number) => ["stories", id] as const,
};

export function useStories() {
  return useQuery({ queryKey: storyKeys.all, queryFn: ({ signal }) => api.get<Story[]>("/stories", undefined, signal) });
}

export function useStory(id: number | null) {
  return useQuery({
    queryKey: storyKeys.one(id ?? -1),
    queryFn: ({ signal }) => api.get<StoryDetail>(`/stories/${id}`, undefined, signal),
    enabled: id !== null,
    // While lines are still being spoken (and laid out), look again every second.
    refetchInterval: (q) => (q.state.data?.clips.some((c) => c.status !== "completed" && c.status !== null) ? 1000 : false),
  });
}

export function useStoryMutations(storyId: number | null) {
  const qc = useQueryClient();
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: storyKeys.all });
  };
  return {
    patchClip: useMutation({
      mutationFn: ({ clipId, patch }: { clipId: number; patch: ClipPatch }) => api.patch<Clip>(`/stories/${storyId}/clips/${clipId}`, patch),
      onSuccess: refresh,
    }),
    refresh,
  };
}

export function useCreateDialogue() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: DialogueInput) => api.post<Dialogue>("/stories/dialogue", input),
    onSuccess: () => void qc.invalidateQueries({ queryKey: storyKeys.all }),
  });
}

export function useDeleteStory() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.del(`/stories/${id}`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: storyKeys.all }),
  });
}

export function useRenameStory() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, name }: { id: number; name: string }) => api.patch<StoryDetail>(`/stories/${id}`, { name }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: storyKeys.all }),
  });
}

/** A copy of the story (its tracks and clips; the takes are shared, not copied). */
export function useDuplicateStory() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.post<StoryDetail>(`/stories/${id}/duplicate`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: storyKeys.all }),
  });
}

/** Speakers of a dialogue script in order of first appearance (`Name: text` or `[1]: text`). */
export function scriptSpeakers(script: string): string[] {
  const seen: string[] = [];
  for (const line of script.split("\n")) {
    const m = /^\s*(?:\[(\d{1,3})\]|([^[\]:<>]{1,60}?))\s*:\s*\S/.exec(line);
    const name = (m?.[1] ?? m?.[2] ?? "").trim();
    if (name && !seen.includes(name)) seen.push(name);
  }
  return seen;
}
