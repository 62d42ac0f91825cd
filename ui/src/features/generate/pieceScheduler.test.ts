// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { AudioPiece } from "../../api/pieces";
import { LEAD_S, PieceScheduler, type PieceContext } from "./pieceScheduler";

/** A fake AudioContext: each "WAV" is the ASCII text of its duration; decoding resolves when
 * the test says so, in any order. */
function fakeContext() {
  const started: { duration: number; at: number }[] = [];
  const pending: { duration: number; resolve: (b: AudioBuffer) => void }[] = [];
  const ctx = {
    currentTime: 10,
    destination: {} as AudioNode,
    decodeAudioData(data: ArrayBuffer): Promise<AudioBuffer> {
      const duration = Number(new TextDecoder().decode(data));
      return new Promise((resolve) => pending.push({ duration, resolve }));
    },
    createBufferSource(): AudioBufferSourceNode {
      const node = {
        buffer: null as AudioBuffer | null,
        connect: () => undefined,
        start: (at: number) => started.push({ duration: node.buffer?.duration ?? -1, at }),
        stop: () => undefined,
      };
      return node as unknown as AudioBufferSourceNode;
    },
  };
  const decode = (i: number) => {
    const p = pending[i];
    if (!p) throw new Error(`no decode #${i}`);
    p.resolve({ duration: p.duration } as AudioBuffer);
  };
  return { ctx: ctx as PieceContext & { currentTime: number }, started, decode };
}

const piece = (index: number, seconds: number, generation_id = 7): AudioPiece => ({
  type: "audio_piece",
  generation_id,
  index,
  sample_rate: 22050,
  audio: btoa(String(seconds)),
});

describe("PieceScheduler", () => {
  it("schedules pieces back to back, in index order, whatever order they decode in", async () => {
    const { ctx, started, decode } = fakeContext();
    const s = new PieceScheduler(ctx);
    const adds = [s.add(piece(0, 1.5)), s.add(piece(1, 2)), s.add(piece(2, 0.5))];
    decode(2);
    decode(1);
    await Promise.resolve();
    expect(started).toEqual([]); // piece 0 is not decoded yet: nothing may start
    decode(0);
    await Promise.all(adds);
    const t0 = 10 + LEAD_S;
    expect(started).toEqual([
      { duration: 1.5, at: t0 },
      { duration: 2, at: t0 + 1.5 },
      { duration: 0.5, at: t0 + 3.5 },
    ]);
    expect(s.endsAt(7)).toBeCloseTo(t0 + 4);
  });

  it("starts a late piece now rather than in the past, and keeps generations apart", async () => {
    const { ctx, started, decode } = fakeContext();
    const s = new PieceScheduler(ctx);
    const first = s.add(piece(0, 1));
    decode(0);
    await first;
    ctx.currentTime = 20; // the next piece came long after the first ended
    const late = s.add(piece(1, 1));
    const other = s.add(piece(0, 3, 8));
    decode(1);
    decode(2);
    await Promise.all([late, other]);
    expect(started.map((x) => x.at)).toEqual([10 + LEAD_S, 20 + LEAD_S, 20 + LEAD_S]);
    s.stop(7);
    expect(s.endsAt(7)).toBeNull();
    expect(s.endsAt(8)).toBeCloseTo(23 + LEAD_S);
  });
});
