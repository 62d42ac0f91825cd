import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { components } from "../../api/schema.gen";
import type { Clip } from "./api";

type Word = components["schemas"]["WordOut"];

/** The selected clip's words (aligned timings): the word under the playhead is highlighted,
 * and clicking a word moves the playhead to it. */
export function Transcript({ storyId, clip, playhead, onSeek }: { storyId: number; clip: Clip; playhead: number; onSeek: (t: number) => void }) {
  const words = useQuery({
    queryKey: ["stories", storyId, "words", clip.id, clip.version, clip.duration],
    queryFn: ({ signal }) => api.get<Word[]>(`/stories/${storyId}/clips/${clip.id}/words`, undefined, signal),
    enabled: clip.status === "completed",
    staleTime: Infinity,
  });
  const offset = clip.start - clip.trim_start;
  const visibleEnd = (clip.duration ?? 0) - clip.trim_end;
  return (
    <section className="card story-transcript" aria-label="Transcript of the selected clip">
      <h3>Transcript</h3>
      {words.isPending && <p>Finding word timings…</p>}
      <p>
        {(words.data ?? []).map((w, i) => {
          const heard = w.end > clip.trim_start && w.start < visibleEnd;
          const at = offset + Math.max(w.start, clip.trim_start);
          const current = heard && playhead >= offset + w.start && playhead < offset + w.end;
          return (
            <button
              key={i}
              type="button"
              className={`story-word${current ? " is-current" : ""}${heard ? "" : " is-cut"}`}
              aria-current={current ? "true" : undefined}
              disabled={!heard}
              data-testid="word"
              onClick={() => onSeek(at)}
            >
              {w.word}
            </button>
          );
        })}
      </p>
    </section>
  );
}
