// Plays the pieces of this page's generations as the provider streams them.
import { useEffect, useRef } from "react";
import { onPieces } from "../../api/pieces";
import { PieceScheduler } from "./pieceScheduler";

export function useProgressivePlayback(ids: number[]): void {
  const watched = useRef(new Set<number>());
  useEffect(() => {
    watched.current = new Set(ids);
  }, [ids]);
  useEffect(() => {
    const AudioCtx = typeof window === "undefined" ? undefined : window.AudioContext;
    if (!AudioCtx) return;
    let ctx: AudioContext | null = null;
    let scheduler: PieceScheduler | null = null;
    const unsubscribe = onPieces((piece) => {
      if (!watched.current.has(piece.generation_id)) return;
      if (!ctx || !scheduler) {
        ctx = new AudioCtx(); // after the Generate click: the page may play sound
        scheduler = new PieceScheduler(ctx);
      }
      void ctx.resume().catch(() => undefined);
      scheduler.add(piece).catch(() => undefined); // an undecodable piece is skipped
    });
    return () => {
      unsubscribe();
      scheduler?.stopAll();
      void ctx?.close().catch(() => undefined);
    };
  }, []);
}
