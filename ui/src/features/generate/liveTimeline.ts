// One generation's streamed audio as a player: pieces (small WAVs sent as they are made) are
// decoded with the Web Audio API and kept in index order, whatever order their decoding ends
// in; what has arrived can be played, paused, stopped and sought. Pieces that arrive while
// it plays are scheduled right after what is playing.
import { base64ToArrayBuffer, type AudioPiece } from "../../api/pieces";

/** The part of AudioContext the timeline uses (a fake in tests). */
export interface PieceContext {
  readonly currentTime: number;
  readonly destination: AudioNode;
  decodeAudioData(data: ArrayBuffer): Promise<AudioBuffer>;
  createBufferSource(): AudioBufferSourceNode;
}

/** Lead time before scheduled audio starts, so it is not clipped. */
export const LEAD_S = 0.05;
/** One waveform bar per this many seconds of audio. */
export const PEAK_S = 0.05;

export class LiveTimeline {
  /** Decoded pieces in index order, with no gap. */
  private buffers: AudioBuffer[] = [];
  private starts: number[] = [];
  private ready = new Map<number, AudioBuffer>();
  private next = 0;
  private total = 0;
  private sources: AudioBufferSourceNode[] = [];
  private lineEnd = 0; // context time at which the scheduled audio ends
  private anchorCtx = 0; // context time at which the position was anchorPos
  private anchorPos = 0;
  private lastPos = 0;
  private pausedAt = 0;
  private isPlaying = false;
  private disposed = false;
  /** Loudness per PEAK_S of arrived audio (0..1), for the growing waveform. */
  readonly peaks: number[] = [];

  constructor(private readonly ctx: PieceContext, private readonly onChange: () => void = () => undefined) {}

  get playing(): boolean {
    return this.isPlaying;
  }

  /** Seconds of audio that have arrived (in order, no gap). */
  get arrived(): number {
    return this.total;
  }

  /** Decode one piece and take in whatever is now contiguous. An undecodable piece throws. */
  async add(piece: AudioPiece): Promise<void> {
    const buffer = await this.ctx.decodeAudioData(base64ToArrayBuffer(piece.audio));
    if (this.disposed || piece.index < this.next) return;
    this.ready.set(piece.index, buffer);
    for (let b = this.ready.get(this.next); b !== undefined; b = this.ready.get(this.next)) {
      this.ready.delete(this.next);
      this.next += 1;
      this.starts.push(this.total);
      this.buffers.push(b);
      this.total += b.duration;
      this.peaks.push(...peaksOf(b));
      if (this.isPlaying) this.scheduleFrom(this.buffers.length - 1, 0);
    }
    this.onChange();
  }

  /** Where playback is, in seconds from the start. */
  position(): number {
    if (!this.isPlaying) return this.pausedAt;
    const raw = this.anchorPos + (this.ctx.currentTime - this.anchorCtx);
    this.lastPos = Math.max(this.lastPos, Math.min(this.total, raw));
    return this.lastPos;
  }

  /** Whether playing has reached the end of what has arrived. */
  atEnd(): boolean {
    return this.position() >= this.total - 1e-3;
  }

  /** Play from where it is; from the start when it is at the end of what arrived. */
  play(): void {
    this.start(this.pausedAt >= this.total - 1e-3 && this.total > 0 ? 0 : this.pausedAt);
  }

  private start(from: number): void {
    if (this.isPlaying || this.disposed) return;
    this.isPlaying = true;
    const when = this.ctx.currentTime + LEAD_S;
    this.anchorCtx = when;
    this.anchorPos = from;
    this.lastPos = from;
    this.lineEnd = when;
    const i = this.starts.findIndex((s, k) => from >= s && from < s + this.buffers[k]!.duration);
    if (i >= 0) {
      this.scheduleFrom(i, from - this.starts[i]!);
      for (let k = i + 1; k < this.buffers.length; k++) this.scheduleFrom(k, 0);
    }
    this.onChange();
  }

  pause(): void {
    if (!this.isPlaying) return;
    this.pausedAt = this.position();
    this.halt();
    this.onChange();
  }

  stop(): void {
    this.halt();
    this.pausedAt = 0;
    this.onChange();
  }

  /** Jump to `seconds` (within what has arrived), playing on if it was playing. */
  seek(seconds: number): void {
    const t = Math.max(0, Math.min(this.total, seconds));
    const wasPlaying = this.isPlaying;
    this.halt();
    this.pausedAt = t;
    if (wasPlaying) this.start(t);
    else this.onChange();
  }

  /** Stop for good (the page is left, or the finished clip takes over). */
  dispose(): void {
    this.halt();
    this.disposed = true;
  }

  private scheduleFrom(k: number, offset: number): void {
    const buffer = this.buffers[k]!;
    const start = Math.max(this.lineEnd, this.ctx.currentTime + LEAD_S);
    if (start > this.lineEnd + 1e-3) {
      // It came late: playing waited at the end of what had arrived, and goes on from here.
      this.anchorCtx = start;
      this.anchorPos = this.starts[k]! + offset;
    }
    const source = this.ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(this.ctx.destination);
    source.start(start, offset);
    this.sources.push(source);
    this.lineEnd = start + buffer.duration - offset;
  }

  private halt(): void {
    this.isPlaying = false;
    for (const source of this.sources) {
      try {
        source.stop();
      } catch {
        // Already ended.
      }
    }
    this.sources = [];
  }
}

function peaksOf(b: AudioBuffer): number[] {
  if (typeof b.getChannelData !== "function") return [];
  const data = b.getChannelData(0);
  const step = Math.max(1, Math.round(b.sampleRate * PEAK_S));
  const out: number[] = [];
  for (let i = 0; i < data.length; i += step) {
    let m = 0;
    for (let j = i; j < Math.min(data.length, i + step); j++) m = Math.max(m, Math.abs(data[j]!));
    out.push(Math.min(1, m));
  }
  return out;
}
