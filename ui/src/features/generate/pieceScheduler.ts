// Progressive playback: streamed pieces of one generation, decoded with the Web Audio API and
// scheduled back to back (in index order, whatever order their decoding finishes in).
import { base64ToArrayBuffer, type AudioPiece } from "../../api/pieces";

/** The part of AudioContext the scheduler uses (a fake in tests). */
export interface PieceContext {
  readonly currentTime: number;
  readonly destination: AudioNode;
  decodeAudioData(data: ArrayBuffer): Promise<AudioBuffer>;
  createBufferSource(): AudioBufferSourceNode;
}

/** Lead time before the first piece starts, so it is not clipped. */
export const LEAD_S = 0.05;

interface Timeline {
  next: number; // the index to schedule next
  at: number; // when the next piece starts (context time); 0 = not started
  ready: Map<number, AudioBuffer>;
  sources: AudioBufferSourceNode[];
}

export class PieceScheduler {
  private timelines = new Map<number, Timeline>();

  constructor(private readonly ctx: PieceContext) {}

  /** Decode one piece and schedule whatever is now ready, in order. */
  async add(piece: AudioPiece): Promise<void> {
    const line = this.timeline(piece.generation_id);
    const buffer = await this.ctx.decodeAudioData(base64ToArrayBuffer(piece.audio));
    if (this.timelines.get(piece.generation_id) !== line) return; // stopped meanwhile
    line.ready.set(piece.index, buffer);
    for (let b = line.ready.get(line.next); b !== undefined; b = line.ready.get(line.next)) {
      line.ready.delete(line.next);
      const start = Math.max(line.at, this.ctx.currentTime + LEAD_S);
      const source = this.ctx.createBufferSource();
      source.buffer = b;
      source.connect(this.ctx.destination);
      source.start(start);
      line.sources.push(source);
      line.at = start + b.duration;
      line.next += 1;
    }
  }

  /** When this generation's scheduled audio ends (context time), or null if none yet. */
  endsAt(generationId: number): number | null {
    const line = this.timelines.get(generationId);
    return line && line.at > 0 ? line.at : null;
  }

  stop(generationId: number): void {
    const line = this.timelines.get(generationId);
    this.timelines.delete(generationId);
    for (const source of line?.sources ?? []) {
      try {
        source.stop();
      } catch {
        // Already ended.
      }
    }
  }

  stopAll(): void {
    for (const id of [...this.timelines.keys()]) this.stop(id);
  }

  private timeline(generationId: number): Timeline {
    let line = this.timelines.get(generationId);
    if (!line) {
      line = { next: 0, at: 0, ready: new Map(), sources: [] };
      this.timelines.set(generationId, line);
    }
    return line;
  }
}
