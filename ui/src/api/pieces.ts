// Streamed audio: while a streaming model speaks, the core sends one `audio_piece` event per
// piece (a small base64 WAV) on the event stream; whoever plays them listens here.

export interface AudioPiece {
  type: "audio_piece";
  generation_id: number;
  index: number;
  sample_rate: number;
  audio: string;
}

export function isAudioPiece(v: unknown): v is AudioPiece {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return o.type === "audio_piece" && typeof o.generation_id === "number" && typeof o.index === "number" && typeof o.audio === "string";
}

type PieceListener = (piece: AudioPiece) => void;
const listeners = new Set<PieceListener>();

export function publishPiece(piece: AudioPiece): void {
  for (const listener of [...listeners]) listener(piece);
}

/** Listen to every streamed piece; returns the unsubscribe function. */
export function onPieces(listener: PieceListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function base64ToArrayBuffer(b64: string): ArrayBuffer {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes.buffer;
}
