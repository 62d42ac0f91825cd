import type { Describe, EngineInfo, ModelInfo, Profile } from "../../api/types";

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
