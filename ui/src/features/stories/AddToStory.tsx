import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api, errorMessage } from "../../api/client";
import { Icon } from "../../components/Icon";
import { useUi } from "../../store/ui";
import { storyKeys, type Story, type StoryDetail, type Track } from "./api";
import { visibleLength } from "./edits";

const GAP_S = 0.3;

/** Put a finished take at the end of the most recently edited story (a new story when there is
 * none), on its first track; returns that story. */
export async function appendToStory(generationId: number): Promise<StoryDetail> {
  const [latest] = await api.get<Story[]>("/stories");
  const story = latest ? await api.get<StoryDetail>(`/stories/${latest.id}`) : await api.post<StoryDetail>("/stories", { name: "Untitled story" });
  const trackId = story.tracks[0]?.id ?? (await api.post<Track>(`/stories/${story.id}/tracks`, {})).id;
  const end = Math.max(0, ...story.clips.map((c) => c.start + visibleLength(c)));
  await api.post(`/stories/${story.id}/clips`, { track_id: trackId, generation_id: generationId, start: end > 0 ? end + GAP_S : 0 });
  return story;
}

/** One click: the take joins the latest story (Generate and History offer it). */
export function AddToStory({ generationId, small = false }: { generationId: number; small?: boolean }) {
  const toast = useUi((s) => s.toast);
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  const add = async () => {
    setBusy(true);
    try {
      const story = await appendToStory(generationId);
      void qc.invalidateQueries({ queryKey: storyKeys.all });
      toast(`Added to the story “${story.name}”`, "success");
    } catch (err) {
      toast(errorMessage(err), "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      className={`btn ${small ? "btn-sm " : ""}btn-icon btn-ghost`}
      aria-label={`Add generation ${generationId} to a story`}
      title="Add to the latest story"
      disabled={busy}
      onClick={() => void add()}
    >
      <Icon name="wave" />
    </button>
  );
}
