// What a speech model is for, in short plain words: its engine's description, its languages,
// its size and how fast it has been on this machine (GET /models/tts `speed`).
import type { EngineInfo, ModelInfo, TtsModelList } from "../../api/types";
import { formatMb, languageName } from "../../lib/format";

export interface MeasuredSpeed {
  /** Median seconds of synthesis per second of audio: below 1 is faster than real time. */
  rtf: number;
  takes: number;
}

export interface ModelFacts {
  description: string;
  languages: string[];
  sizeMb: number;
  availability: "downloadable" | "packaged" | "hosted";
  /** undefined: not known (the model list has not answered); null: nothing measured yet. */
  speed?: MeasuredSpeed | null;
}

/** "English, French, Japanese + 6 more": the first `shown` names, then how many are left. */
export function languageList(codes: string[], shown = 3): string {
  const names = codes.map(languageName);
  if (names.length <= shown + 1) return names.join(", ");
  return `${names.slice(0, shown).join(", ")} + ${names.length - shown} more`;
}

/** "≈ 2.5 GB" to download, "packaged" when it ships with the provider, "hosted" when it runs elsewhere. */
export function sizeLabel(f: Pick<ModelFacts, "sizeMb" | "availability">): string {
  if (f.availability === "hosted") return "hosted";
  if (f.availability === "packaged") return "packaged";
  return `≈ ${f.sizeMb < 1000 ? `${Math.round(f.sizeMb)} MB` : formatMb(f.sizeMb)}`;
}

const times = (factor: number) => `${factor >= 10 ? Math.round(factor) : Math.round(factor * 10) / 10}×`;

/** "about 3× faster than real time here (12 takes)", or that nothing was measured yet;
 * `short` (under a "Speed here" heading): "3× faster than real time (12 takes)", "not measured yet". */
export function speedLabel(speed: MeasuredSpeed | null | undefined, short = false): string {
  if (!speed || !(speed.rtf > 0)) return short ? "not measured yet" : "speed not measured on this machine yet";
  const takes = `${speed.takes} ${speed.takes === 1 ? "take" : "takes"}`;
  const here = short ? "" : " here";
  const about = short ? "" : "about ";
  if (speed.rtf > 0.91 && speed.rtf < 1.1) return `${about}real time${here} (${takes})`;
  const pace = speed.rtf < 1 ? `${times(1 / speed.rtf)} faster` : `${times(speed.rtf)} slower`;
  return `${about}${pace} than real time${here} (${takes})`;
}

/** The facts after the description, in order: languages, size, speed (when known). */
export function factParts(f: ModelFacts): string[] {
  const parts: string[] = [];
  if (f.languages.length > 0) parts.push(languageList(f.languages));
  parts.push(sizeLabel(f));
  if (f.speed !== undefined) parts.push(speedLabel(f.speed));
  return parts;
}

/** The facts of a model of the provider's describe(), completed by GET /models/tts when it has
 * answered (whether it is packaged or hosted, and its speed measured here). */
export function factsOf(engine: EngineInfo, model: ModelInfo, list: TtsModelList | undefined): ModelFacts {
  const row = list?.engines.find((e) => e.name === engine.name)?.models.find((m) => m.model_size === model.model_size);
  const fallback = engine.provider === "openai" ? "hosted" : model.managed ? "downloadable" : "packaged";
  return {
    description: engine.description ?? "",
    languages: model.languages,
    sizeMb: model.size_mb,
    availability: row?.availability ?? fallback,
    speed: row ? row.speed : undefined,
  };
}
