// Live updates: one server-sent event stream for the app. Generation events update the
// cached generation and refresh history; the connection state is shown in the shell.
import { useEffect } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { create } from "zustand";
import { genKeys } from "./generations";
import { isAudioPiece, publishPiece } from "./pieces";
import type { Generation } from "./types";

export const EVENTS_URL = "/events";

type LinkState = "connecting" | "open" | "closed";
export const useLink = create<{ state: LinkState; set: (s: LinkState) => void }>()((set) => ({
  state: "connecting",
  set: (state) => set({ state }),
}));

interface GenerationEvent {
  type: "generation";
  generation: Generation;
}

function isGenerationEvent(v: unknown): v is GenerationEvent {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return o.type === "generation" && typeof o.generation === "object" && o.generation !== null;
}

function isGeneration(v: unknown): v is Generation {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.id === "number" && typeof o.status === "string" && typeof o.text === "string";
}

/** Apply one event. The core sends `event: generation` with the generation as data; a
 * wrapped `{type: "generation", generation}` on the default channel is understood too. */
export function applyEvent(qc: QueryClient, eventName: string, data: unknown, refreshHistory: () => void): void {
  const gen = isGenerationEvent(data) ? data.generation : eventName === "generation" && isGeneration(data) ? data : null;
  if (isAudioPiece(data)) {
    publishPiece(data); // streamed audio: played by the Generate view, not cached
  } else if (gen) {
    qc.setQueryData(genKeys.one(gen.id), gen);
    refreshHistory();
  } else if (typeof data === "object" && data !== null) {
    const t = (data as { type?: unknown }).type;
    if (typeof t === "string" && t.startsWith("provider")) void qc.invalidateQueries({ queryKey: ["providers"] });
    if (typeof t === "string" && t.startsWith("profile")) void qc.invalidateQueries({ queryKey: ["profiles"] });
  }
}

export function useLiveEvents(): void {
  const qc = useQueryClient();
  const setLink = useLink((s) => s.set);
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refreshHistory = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void qc.invalidateQueries({ queryKey: genKeys.history }), 150);
    };
    const source = new EventSource(EVENTS_URL);
    const onData = (e: MessageEvent<string>) => {
      try {
        applyEvent(qc, e.type, JSON.parse(e.data), refreshHistory);
      } catch {
        // A keep-alive or a malformed line: ignore.
      }
    };
    let dropped = false;
    source.onopen = () => {
      setLink("open");
      // Events sent while the stream was down are lost: refetch what they would have changed.
      if (dropped) void qc.invalidateQueries({ predicate: (q) => q.queryKey[0] === "history" || q.queryKey[0] === "generation" });
      dropped = false;
    };
    source.onerror = () => {
      dropped = true;
      setLink(source.readyState === EventSource.CLOSED ? "closed" : "connecting");
    };
    source.onmessage = onData;
    source.addEventListener("generation", onData as EventListener);
    source.addEventListener("audio_piece", onData as EventListener);
    return () => {
      clearTimeout(timer);
      source.close();
    };
  }, [qc, setLink]);
}
