import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, errorMessage } from "../../api/client";
import type { components } from "../../api/schema.gen";
import type { Clip } from "./api";

type Word = components["schemas"]["WordOut"];

/** The selected clip's words (aligned timings): the word under the playhead is highlighted,
 * clicking a word moves the playhead to it (Shift+click extends the selection), and "Re-take"
 * speaks the sentence holding the selected words again (a new version of the take). */
export function Transcript({
  storyId,
  clip,
  playhead,
  onSeek,
  onChanged,
}: {
  storyId: number;
  clip: Clip;
  playhead: number;
  onSeek: (t: number) => void;
  onChanged: () => void;
}) {
  const [range, setRange] = useState<[number, number] | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const retake = async () => {
    if (!range) return;
    setBusy(true);
    setProblem(null);
    try {
      await api.post(`/stories/${storyId}/clips/${clip.id}/retake`, { first_word: range[0], last_word: range[1] });
      setRange(null);
      onChanged();
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const words = useQuery({
    queryKey: ["stories", storyId, "words", clip.id, clip.version, clip.duration],
    queryFn: ({ signal }) => api.get<Word[]>(`/stories/${storyId}/clips/${clip.id}/words`, undefined, signal),
    enabled: clip.status === "completed",
    staleTime: Infinity,
  });
  const offset = clip.start - clip.trim_start;
  const visibleEnd = (clip.duration ?? 0) - clip.trim_end;
  // One word under the playhead at most: the last one started (a millisecond of slack, so that
  // seeking to a word's start always lands in it).
  const list = words.data ?? [];
  let currentIndex = -1;
  list.forEach((w, i) => {
    if (playhead + 0.001 >= offset + w.start && playhead < offset + w.end) currentIndex = i;
  });
  return (
    <section className="card story-transcript" aria-label="Transcript of the selected clip">
      <h3>Transcript</h3>
      {words.isPending && <p>Finding word timings…</p>}
      <p>
        {list.map((w, i) => {
          const heard = w.end > clip.trim_start && w.start < visibleEnd;
          const at = offset + Math.max(w.start, clip.trim_start);
          const current = heard && i === currentIndex;
          const chosen = range !== null && i >= range[0] && i <= range[1];
          return (
            <button
              key={i}
              type="button"
              className={`story-word${current ? " is-current" : ""}${chosen ? " is-chosen" : ""}${heard ? "" : " is-cut"}`}
              aria-current={current ? "true" : undefined}
              aria-pressed={chosen}
              disabled={!heard}
              data-testid="word"
              onClick={(e) => {
                setRange(e.shiftKey && range ? [Math.min(range[0], i), Math.max(range[1], i)] : [i, i]);
                onSeek(at);
              }}
            >
              {w.word}
            </button>
          );
        })}
      </p>
      <button type="button" className="btn" onClick={() => void retake()} disabled={!range || busy}>
        {busy ? "Re-taking…" : "Re-take the selected words"}
      </button>
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
