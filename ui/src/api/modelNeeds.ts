// What a voice or a request needs that is not on this machine, as the core reports it:
//   - GET /models/tts `for_voice_type`: the model a new voice of each type would use on the
//     active provider (null with a reason in `unavailable` when the provider has none);
//   - a 409 `model_not_downloaded` (its `model` names the model, its size and how to get it);
//   - a 409 `capability_unavailable` (the provider cannot do it at all; `settings` names the
//     Settings section whose choice can).
import { ApiError } from "./client";
import type { TtsModelList, VoiceType } from "./types";

/** A model a voice would use, with what it takes to get it. */
export interface ModelNeed {
  engine: string;
  modelSize: string;
  displayName: string;
  sizeMb: number | null;
  downloaded: boolean;
  downloading: boolean;
  /** What it is needed for: clone | design | preset | speak. */
  purpose: string | null;
  /** The folder its files can be copied into by hand (air-gapped machines), if any. */
  localDir: string | null;
  /** The core's own sentence, when it came from an error. */
  message: string | null;
}

/** The active provider cannot do this at all: its message, and where to change it. */
export interface Unavailable {
  message: string;
  settings: string | null;
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** Read a ModelRef (`{engine, model_size, display_name, size_mb, downloaded, downloading}`). */
export function toModelNeed(ref: unknown, extra: { purpose?: string | null; message?: string | null } = {}): ModelNeed | null {
  if (!isRecord(ref)) return null;
  const engine = str(ref.engine);
  const modelSize = str(ref.model_size);
  if (!engine || !modelSize) return null;
  return {
    engine,
    modelSize,
    displayName: str(ref.display_name) ?? `${engine} ${modelSize}`,
    sizeMb: num(ref.size_mb),
    downloaded: ref.downloaded === true,
    downloading: ref.downloading === true,
    purpose: str(ref.purpose) ?? extra.purpose ?? null,
    localDir: str(ref.local_dir),
    message: extra.message ?? null,
  };
}

/** The missing model of a 409 `model_not_downloaded`, else null. */
export function missingModelOf(err: unknown): ModelNeed | null {
  if (!(err instanceof ApiError) || err.code !== "model_not_downloaded") return null;
  return toModelNeed(err.details.model, { message: err.message });
}

/** The provider's refusal of a 409 `capability_unavailable`, else null. */
export function unavailableOf(err: unknown): Unavailable | null {
  if (!(err instanceof ApiError) || err.code !== "capability_unavailable") return null;
  return { message: err.message, settings: str(err.details.settings) };
}

/** What a new voice of this type needs on the active provider, from GET /models/tts:
 * the model (downloaded or not), or why the provider cannot make such a voice. */
export function needForVoiceType(list: TtsModelList | undefined, type: VoiceType): { model: ModelNeed | null; unavailable: string | null } {
  const o = (list ?? {}) as unknown as Json;
  const refs = isRecord(o.for_voice_type) ? o.for_voice_type : {};
  const reasons = isRecord(o.unavailable) ? o.unavailable : {};
  const model = toModelNeed(refs[type], { purpose: type === "cloned" ? "clone" : type === "designed" ? "design" : "preset" });
  if (model && !model.localDir) {
    // Where its files can be copied by hand is on the model's row.
    const row = list?.engines.find((e) => e.name === model.engine)?.models.find((m) => m.model_size === model.modelSize);
    model.localDir = row?.local_dir ?? null;
  }
  return { model, unavailable: model ? null : str(reasons[type]) };
}

const PURPOSE: Record<string, string> = {
  clone: "Voice cloning",
  design: "Voice design",
  preset: "This preset voice",
  speak: "Speech",
};

/** "Voice cloning needs Qwen3-TTS 0.6B Base" — the headline of an inline download. */
export function needHeadline(need: ModelNeed): string {
  // "Qwen3-TTS 0.6B (voice cloning)" → "Qwen3-TTS 0.6B": the purpose is said already.
  const name = need.displayName.replace(/\s*\([^)]*\)\s*$/, "") || need.displayName;
  return `${PURPOSE[need.purpose ?? "speak"] ?? "Speech"} needs ${name}`;
}
