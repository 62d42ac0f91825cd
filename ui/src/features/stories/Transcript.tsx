import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, errorMessage } from "../../api/client";
import { WordList } from "../../components/WordList";
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
  const list = words.data ?? [];
  return (
    <section className="card story-transcript" aria-label="Transcript of the selected clip">
      <h3>Transcript</h3>
      {words.isPending && <p>Finding word timings…</p>}
      <WordList
        words={list}
        time={playhead - offset}
        className="story-word"
        heard={(w) => w.end > clip.trim_start && w.start < visibleEnd}
        chosen={(i) => range !== null && i >= range[0] && i <= range[1]}
        onWord={(i, e) => {
          setRange(e.shiftKey && range ? [Math.min(range[0], i), Math.max(range[1], i)] : [i, i]);
          onSeek(offset + Math.max(list[i]!.start, clip.trim_start));
        }}
      />
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
