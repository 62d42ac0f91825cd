import { useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, errorMessage } from "../../api/client";
import { generationAudioUrl } from "../../api/generations";
import type { components } from "../../api/schema.gen";
import type { Generation } from "../../api/types";
import { AudioPlayer } from "../../components/AudioPlayer";
import { WordList } from "../../components/WordList";

type Word = components["schemas"]["WordOut"];

/** The URL of a take's captions (GET /history/{id}/captions). */
export const captionsUrl = (id: number, format: "srt" | "vtt") => `/history/${id}/captions?format=${format}`;

/** A completed take's player with its words below: the word being heard is highlighted, and
 * clicking a word plays from there. Its captions download as SRT or WebVTT. */
export function TakePlayer({ g }: { g: Generation }) {
  const [time, setTime] = useState(0);
  const seek = useRef<((t: number) => void) | null>(null);
  const words = useQuery({
    // A new version of the take has other words.
    queryKey: ["take-words", g.id, g.version_count],
    queryFn: ({ signal }) => api.get<Word[]>(`/history/${g.id}/words`, undefined, signal),
    staleTime: Infinity,
  });
  const name = `generation ${g.id}`;
  return (
    <div className="take-player">
      <AudioPlayer src={generationAudioUrl(g)} label={name} autoPlay stoppable onTime={setTime} seekRef={seek} />
      <div className="row" style={{ alignItems: "baseline", gap: 8, marginTop: 8 }}>
        <div className="grow">
          {words.isPending ? (
            <p className="faint">Finding word timings…</p>
          ) : words.isError ? (
            <p className="field-error" role="alert">{errorMessage(words.error)}</p>
          ) : (
            <WordList
              words={words.data}
              time={time}
              label={`Words of ${name}`}
              onWord={(i) => {
                const at = words.data[i]!.start;
                setTime(at);
                seek.current?.(at);
              }}
            />
          )}
        </div>
        <a className="btn btn-sm" href={captionsUrl(g.id, "srt")} download={`voicebox-${g.id}.srt`} aria-label={`Captions (SRT) of ${name}`}>
          Captions (SRT)
        </a>
        <a className="btn btn-sm btn-ghost" href={captionsUrl(g.id, "vtt")} download={`voicebox-${g.id}.vtt`} aria-label={`Captions (WebVTT) of ${name}`}>
          VTT
        </a>
      </div>
    </div>
  );
}
