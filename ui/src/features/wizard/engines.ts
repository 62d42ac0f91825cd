// The engines each provider choice brings, for the first run, before any provider runs and can
// describe itself. It mirrors what the providers' describe() says (providers/pytorch_*/, mlx/,
// providers/engines/*); once a provider runs, Settings and Generate show its own words and the
// speed measured on this machine.
import type { OptionId } from "./catalog";

export interface EngineGuide {
  name: string;
  title: string;
  /** What it is for, and its quality/speed trade-off. */
  purpose: string;
  languages: string[];
  size: string;
}

const QWEN_LANGUAGES = ["en", "zh", "ja", "ko", "de", "fr", "ru", "pt", "es", "it"];

export const ENGINES: Record<string, EngineGuide> = {
  piper: { name: "piper", title: "Piper", purpose: "One small US English voice: instant on any CPU, plain quality, no cloning.",
    languages: ["en"], size: "63 MB, included" },
  qwen: { name: "qwen", title: "Qwen3-TTS", purpose: "Voice cloning, preset speakers and voice design: the best quality, slow without a GPU.",
    languages: QWEN_LANGUAGES, size: "2.5 to 4.5 GB per model, fetched when first used" },
  "qwen-mlx": { name: "qwen-mlx", title: "Qwen3-TTS (MLX)", purpose: "Voice cloning, preset speakers and voice design: the best quality, quick on the Mac's GPU.",
    languages: QWEN_LANGUAGES, size: "2.5 to 4.5 GB per model, fetched when first used" },
  kokoro: { name: "kokoro", title: "Kokoro", purpose: "54 preset voices, small and fast on an ordinary CPU; no cloning.",
    languages: ["en", "en-gb", "es", "fr", "hi", "it", "ja", "pt", "zh"], size: "120 to 350 MB (Japanese voices included)" },
  "pocket-tts": { name: "pocket-tts", title: "Pocket TTS", purpose: "Voice cloning faster than real time on an ordinary CPU; less natural than Qwen3-TTS.",
    languages: ["en", "fr", "de", "es", "it", "pt"], size: "236 MB per language, fetched when first used" },
  openai: { name: "openai", title: "OpenAI speech", purpose: "OpenAI's preset voices with your key: good quality, no cloning; text leaves this machine.",
    languages: [], size: "nothing to download" },
};

/** The engines of each local provider, as its flavor carries them. */
export const FLAVOR_ENGINES: Record<string, string[]> = {
  "pytorch-cpu": ["piper", "qwen", "kokoro", "pocket-tts"],
  "pytorch-cuda": ["piper", "qwen", "kokoro"],
  mlx: ["qwen-mlx", "piper"],
};

/** The engines a choice brings; Auto brings those of the provider it stands for. Remote: none
 * known (they are the server's). */
export function enginesOf(id: OptionId, autoTarget: string): EngineGuide[] {
  const names = id === "openai" ? ["openai"] : id === "remote" ? [] : FLAVOR_ENGINES[id === "auto" ? autoTarget : id] ?? [];
  return names.map((n) => ENGINES[n]).filter((e): e is EngineGuide => e !== undefined);
}
