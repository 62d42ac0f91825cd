import type { Describe, EngineInfo, Generation, ModelInfo, Profile } from "../../api/types";

export interface EngineChoice {
  engine: EngineInfo;
  models: ModelInfo[];
}

/** Engines that can speak in this profile's voice, per the provider's describe(). */
export function enginesFor(profile: Profile | undefined, describe: Describe | undefined): EngineChoice[] {
  if (!profile || !describe) return [];
  const out: EngineChoice[] = [];
  for (const engine of describe.engines) {
    const models = engine.models.filter((m) => {
      if (profile.voice_type === "cloned") return m.capabilities.clone;
      if (profile.voice_type === "designed") return m.capabilities.design;
      return engine.name === profile.preset_engine && m.capabilities.preset;
    });
    if (models.length > 0) out.push({ engine, models });
  }
  return out;
}

export function languagesFor(model: ModelInfo | undefined): string[] | null {
  return model && model.languages.length > 0 ? model.languages : null;
}

/** A model of the describe() by engine and size. */
export function findModel(describe: Describe | undefined, engine: string | null | undefined, size: string | null | undefined): { engine: EngineInfo; model: ModelInfo } | null {
  const e = describe?.engines.find((x) => x.name === engine);
  const m = e?.models.find((x) => x.model_size === size);
  return e && m ? { engine: e, model: m } : null;
}

/** The model "Automatic" stands for, as the core plans it: the model the core names for this
 * voice type (GET /models/tts `for_voice_type`) for cloned and designed voices; otherwise, among
 * the models that fit (each engine's default first; for a preset, those carrying its voice),
 * the first one already on this machine, else the first. */
export function autoModel(profile: Profile | undefined, describe: Describe | undefined, forType: { engine: string; modelSize: string } | null): { engine: EngineInfo; model: ModelInfo } | null {
  const choices = enginesFor(profile, describe);
  if (forType && profile?.voice_type !== "preset") {
    const hit = choices.find((c) => c.engine.name === forType.engine)?.models.find((m) => m.model_size === forType.modelSize);
    const engine = choices.find((c) => c.engine.name === forType.engine)?.engine;
    if (hit && engine) return { engine, model: hit };
  }
  const voice = profile?.voice_type === "preset" ? profile.preset_voice : null;
  const ordered = choices.flatMap((c) => {
    const models = [...c.models].sort((a, b) => Number(a.model_size !== c.engine.default_model_size) - Number(b.model_size !== c.engine.default_model_size));
    const withVoice = voice ? models.filter((m) => (m.preset_voices ?? []).some((v) => v.id === voice)) : models;
    return (withVoice.length > 0 ? withVoice : models).map((model) => ({ engine: c.engine, model }));
  });
  return ordered.find((c) => c.model.downloaded || !c.model.managed) ?? ordered[0] ?? null;
}

/** Why the seed field is off for this model, or null when a seed is honoured. */
export function seedUnsupported(model: ModelInfo | undefined): string | null {
  if (!model || model.capabilities.reproducible !== false) return null;
  const name = model.display_name.replace(/\s*\([^)]*\)\s*$/, "") || model.display_name;
  return `${name} takes no seed: each take is new.`;
}

/** Whether a failed generation may succeed on retry (the core's `retryable`). */
export function canRetry(g: Pick<Generation, "retryable">): boolean {
  return g.retryable !== false;
}

/** A model's name within its engine's group: "0.6B (voice cloning)", not "Qwen3-TTS 0.6B (…)". */
export function modelLabel(engine: EngineInfo, model: ModelInfo): string {
  const prefix = `${engine.display_name} `;
  return model.display_name.startsWith(prefix) ? model.display_name.slice(prefix.length) : model.display_name;
}

/** A model's full name: "Qwen3-TTS 0.6B (voice cloning)"; a name that already starts with the
 * engine's ("Kokoro-82M …") is kept as it is. */
export function modelFullName(engine: EngineInfo, model: ModelInfo): string {
  if (model.display_name.startsWith(engine.display_name)) return model.display_name;
  return `${engine.display_name} ${modelLabel(engine, model)}`;
}
