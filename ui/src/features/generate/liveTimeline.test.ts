// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { AudioPiece } from "../../api/pieces";
import { LEAD_S, LiveTimeline, type PieceContext } from "./liveTimeline";
import { textShareDone } from "./TakePlayer";

/** A fake AudioContext: each "WAV" is the ASCII text of its duration; decoding resolves when
 * the test says so, in any order. Sources record when they start, from where, and stops. */
function fakeContext() {
  const started: { duration: number; at: number; offset: number; stopped: boolean }[] = [];
  const pending: { duration: number; resolve: (b: AudioBuffer) => void }[] = [];
  const ctx = {
    currentTime: 10,
    destination: {} as AudioNode,
    decodeAudioData(data: ArrayBuffer): Promise<AudioBuffer> {
      const duration = Number(new TextDecoder().decode(data));
      return new Promise((resolve) => pending.push({ duration, resolve }));
    },
    createBufferSource(): AudioBufferSourceNode {
      const rec = { duration: -1, at: -1, offset: 0, stopped: false };
      const node = {
        buffer: null as AudioBuffer | null,
        connect: () => undefined,
        start: (at: number, offset = 0) => {
          Object.assign(rec, { duration: node.buffer?.duration ?? -1, at, offset });
          started.push(rec);
        },
        stop: () => {
          rec.stopped = true;
        },
      };
      return node as unknown as AudioBufferSourceNode;
    },
  };
  const decode = (i: number) => {
    const p = pending[i];
    if (!p) throw new Error(`no decode #${i}`);
    p.resolve({ duration: p.duration } as AudioBuffer);
  };
  const playing = () => started.filter((s) => !s.stopped);
  return { ctx: ctx as PieceContext & { currentTime: number }, started, playing, decode };
}

const piece = (index: number, seconds: number): AudioPiece => ({
  type: "audio_piece", generation_id: 7, index, sample_rate: 22050, audio: btoa(String(seconds)),
});

describe("LiveTimeline", () => {
  it("keeps pieces in index order, whatever order they decode in, and plays them back to back", async () => {
    const { ctx, started, decode } = fakeContext();
    const line = new LiveTimeline(ctx);
    line.play(); // nothing has arrived yet: it waits
    const adds = [line.add(piece(0, 1.5)), line.add(piece(1, 2)), line.add(piece(2, 0.5))];
    decode(2);
    decode(1);
    await Promise.resolve();
    expect(started).toEqual([]); // piece 0 is not decoded yet: nothing may start
    decode(0);
    await Promise.all(adds);
    const t0 = 10 + LEAD_S;
    expect(started.map((s) => [s.duration, s.at])).toEqual([[1.5, t0], [2, t0 + 1.5], [0.5, t0 + 3.5]]);
    expect(line.arrived).toBe(4);
  });

  it("pauses where it is, plays on from there, stops back to the start, and seeks within what arrived", async () => {
    const { ctx, playing, decode } = fakeContext();
    const line = new LiveTimeline(ctx);
    const adds = [line.add(piece(0, 2)), line.add(piece(1, 2))];
    decode(0);
    decode(1);
    await Promise.all(adds);
    line.play();
    ctx.currentTime = 10 + LEAD_S + 2.5;
    expect(line.position()).toBeCloseTo(2.5);
    line.pause();
    expect(playing()).toEqual([]); // paused: no source is left sounding
    expect(line.position()).toBeCloseTo(2.5);
    line.play();
    expect(playing().map((s) => [s.duration, s.offset])).toEqual([[2, 0.5]]); // piece 1, half a second in
    line.seek(99); // beyond what arrived: the end of it
    expect(line.position()).toBeCloseTo(4);
    line.seek(1);
    expect(playing().map((s) => [s.duration, s.offset])).toEqual([[2, 1], [2, 0]]);
    line.stop();
    expect(playing()).toEqual([]);
    expect(line.position()).toBe(0);
    expect(line.playing).toBe(false);
  });

  it("waits at the end of what arrived and goes on when the next piece comes", async () => {
    const { ctx, playing, decode } = fakeContext();
    const line = new LiveTimeline(ctx);
    const first = line.add(piece(0, 1));
    decode(0);
    await first;
    line.play();
    ctx.currentTime = 20; // the next piece comes long after the first ended
    expect(line.position()).toBe(1);
    expect(line.atEnd()).toBe(true);
    const late = line.add(piece(1, 1));
    decode(1);
    await late;
    expect(playing().at(-1)?.at).toBeCloseTo(20 + LEAD_S);
    ctx.currentTime = 20 + LEAD_S + 0.5;
    expect(line.position()).toBeCloseTo(1.5);
    line.dispose();
    expect(playing()).toEqual([]);
  });
});

describe("textShareDone", () => {
  it("estimates the share of the text spoken from the audio so far, never claiming all of it", () => {
    expect(textShareDone(2, 60)).toBeCloseTo(0.5);
    expect(textShareDone(100, 60)).toBe(0.99);
    expect(textShareDone(1, 0)).toBe(0);
  });
});
