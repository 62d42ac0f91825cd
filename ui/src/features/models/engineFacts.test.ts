import { describe, expect, it } from "vitest";
import { languageName } from "../../lib/format";
import { factParts, factsOf, languageList, sizeLabel, speedLabel } from "./engineFacts";

describe("engine facts", () => {
  it("names languages, abbreviating long lists", () => {
    expect(languageName("en")).toBe("English");
    expect(languageName("en-gb")).toBe("British English");
    expect(languageName("hi")).toBe("Hindi");
    expect(languageName("not a tag!")).toBe("not a tag!");
    expect(languageList(["en", "fr", "ja"])).toBe("English, French, Japanese");
    expect(languageList(["en", "fr", "ja", "de"])).toBe("English, French, Japanese, German");
    expect(languageList(["en", "fr", "ja", "de", "es", "it", "pt", "ru", "zh"])).toBe("English, French, Japanese + 6 more");
    expect(languageList([])).toBe("");
  });

  it("says the size, or that the model ships with the provider or runs elsewhere", () => {
    expect(sizeLabel({ sizeMb: 2520, availability: "downloadable" })).toBe("≈ 2.5 GB");
    expect(sizeLabel({ sizeMb: 353, availability: "downloadable" })).toBe("≈ 353 MB");
    expect(sizeLabel({ sizeMb: 92, availability: "downloadable" })).toBe("≈ 92 MB");
    expect(sizeLabel({ sizeMb: 63, availability: "packaged" })).toBe("packaged");
    expect(sizeLabel({ sizeMb: 0, availability: "hosted" })).toBe("hosted");
  });

  it("turns the median RTF into words", () => {
    expect(speedLabel({ rtf: 0.33, takes: 12 })).toBe("about 3× faster than real time here (12 takes)");
    expect(speedLabel({ rtf: 0.4, takes: 1 })).toBe("about 2.5× faster than real time here (1 take)");
    expect(speedLabel({ rtf: 0.05, takes: 3 })).toBe("about 20× faster than real time here (3 takes)");
    expect(speedLabel({ rtf: 53.2, takes: 2 })).toBe("about 53× slower than real time here (2 takes)");
    expect(speedLabel({ rtf: 1.02, takes: 4 })).toBe("about real time here (4 takes)");
    expect(speedLabel(null)).toBe("speed not measured on this machine yet");
    expect(speedLabel({ rtf: 2.5, takes: 7 }, true)).toBe("2.5× slower than real time (7 takes)");
    expect(speedLabel(null, true)).toBe("not measured yet");
  });

  it("puts the facts in order, leaving the speed out while it is unknown", () => {
    const facts = { description: "x", languages: ["en"], sizeMb: 236, availability: "downloadable" as const };
    expect(factParts(facts)).toEqual(["English", "≈ 236 MB"]);
    expect(factParts({ ...facts, speed: null })).toEqual(["English", "≈ 236 MB", "speed not measured on this machine yet"]);
  });

  it("completes describe() with the model list's availability and speed", () => {
    const caps = { clone: true, preset: false, design: false, instruct: false, streaming: true, reproducible: true };
    const model = { model_size: "english", display_name: "Pocket TTS English", size_mb: 236, languages: ["en"], sample_rate: 24000, capabilities: caps, preset_voices: [], downloaded: true, managed: true };
    const engine = { name: "pocket-tts", display_name: "Pocket TTS", description: "Cloning on a CPU.", default_model_size: "english", models: [model], provider: "pytorch-cpu" };
    expect(factsOf(engine, model, undefined)).toEqual({ description: "Cloning on a CPU.", languages: ["en"], sizeMb: 236, availability: "downloadable", speed: undefined });
    const row = { ...model, availability: "downloadable" as const, loaded: false, downloading: false, local_dir: null, speed: { rtf: 0.5, takes: 2 } };
    const list = { provider: "pytorch-cpu", for_voice_type: { cloned: null, designed: null, preset: null }, unavailable: { cloned: null, designed: null, preset: null },
      engines: [{ provider: "pytorch-cpu", provider_kind: "local", name: "pocket-tts", display_name: "Pocket TTS", description: "", default_model_size: "english", models: [row] }] };
    expect(factsOf(engine, model, list).speed).toEqual({ rtf: 0.5, takes: 2 });
    expect(factsOf({ ...engine, provider: "openai" }, { ...model, managed: false }, undefined).availability).toBe("hosted");
  });
});
