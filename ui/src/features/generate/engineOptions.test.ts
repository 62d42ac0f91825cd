// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { Describe, ModelInfo } from "../../api/types";
import { makeProfile } from "../../test/utils";
import { autoModel, enginesFor, modelFullName } from "./engineOptions";

const model = (size: string, caps: Partial<ModelInfo["capabilities"]>): ModelInfo => ({
  model_size: size, display_name: size, size_mb: 10, languages: ["en"], sample_rate: 24000, preset_voices: [], downloaded: true,
  capabilities: { clone: false, preset: false, design: false, instruct: false, streaming: false, ...caps },
});
const describeData: Describe = {
  provider: "pytorch-cpu",
  engines: [
    { provider: "voicebox", name: "piper", display_name: "Piper", default_model_size: "medium", models: [model("medium", { preset: true })] },
    { provider: "voicebox", name: "qwen", display_name: "Qwen", default_model_size: "0.6B", models: [model("0.6B", { clone: true }), model("0.6B-VoiceDesign", { design: true, instruct: true })] },
  ],
};

describe("enginesFor", () => {
  it("offers cloning engines for a cloned voice", () => {
    const r = enginesFor(makeProfile({ voice_type: "cloned" }), describeData);
    expect(r.map((c) => [c.engine.name, c.models.map((m) => m.model_size)])).toEqual([["qwen", ["0.6B"]]]);
  });
  it("offers only the preset's own engine for a preset voice", () => {
    const r = enginesFor(makeProfile({ voice_type: "preset", preset_engine: "piper" }), describeData);
    expect(r.map((c) => c.engine.name)).toEqual(["piper"]);
  });
  it("offers design models for a designed voice, and nothing without describe()", () => {
    expect(enginesFor(makeProfile({ voice_type: "designed" }), describeData)[0]?.models[0]?.model_size).toBe("0.6B-VoiceDesign");
    expect(enginesFor(makeProfile(), undefined)).toEqual([]);
  });
});

describe("autoModel", () => {
  const voice = (id: string) => ({ id, name: id, language: "ja", description: "" });
  const kokoro = (japaneseOnDisk: boolean, defaultOnDisk: boolean): Describe => ({
    provider: "pytorch-cpu",
    engines: [{ provider: "voicebox", name: "kokoro", display_name: "Kokoro", default_model_size: "v1.0", models: [
      { ...model("v1.0", { preset: true }), managed: true, downloaded: defaultOnDisk, preset_voices: [voice("af_heart"), voice("jf_alpha")] },
      { ...model("v1.0-ja", { preset: true }), managed: true, downloaded: japaneseOnDisk, preset_voices: [voice("jf_alpha")] },
    ] }],
  });
  const alpha = makeProfile({ voice_type: "preset", preset_engine: "kokoro", preset_voice: "jf_alpha" });

  it("stands for the model the core will use: one carrying the voice that is on this machine", () => {
    expect(autoModel(alpha, kokoro(true, false), null)?.model.model_size).toBe("v1.0-ja");
    expect(autoModel(alpha, kokoro(true, true), null)?.model.model_size).toBe("v1.0"); // the default first
    expect(autoModel(alpha, kokoro(false, false), null)?.model.model_size).toBe("v1.0"); // none on disk: the default
    const heart = makeProfile({ voice_type: "preset", preset_engine: "kokoro", preset_voice: "af_heart" });
    expect(autoModel(heart, kokoro(true, false), null)?.model.model_size).toBe("v1.0"); // only it has the voice
  });

  it("follows the core's choice for a cloned voice", () => {
    const sam = makeProfile({ voice_type: "cloned", preset_engine: null, preset_voice: null });
    expect(autoModel(sam, describeData, { engine: "qwen", modelSize: "0.6B" })?.model.model_size).toBe("0.6B");
    expect(autoModel(sam, describeData, null)?.engine.name).toBe("qwen");
  });
});

describe("modelFullName", () => {
  it("names the engine once", () => {
    const qwen = describeData.engines[1]!;
    expect(modelFullName(qwen, { ...model("0.6B", { clone: true }), display_name: "Qwen 0.6B (voice cloning)" })).toBe("Qwen 0.6B (voice cloning)");
    expect(modelFullName(qwen, { ...model("0.6B", { clone: true }), display_name: "0.6B Base" })).toBe("Qwen 0.6B Base");
    const kokoro = { ...qwen, name: "kokoro", display_name: "Kokoro" };
    expect(modelFullName(kokoro, { ...model("v1.0", { preset: true }), display_name: "Kokoro-82M (54 preset voices)" })).toBe("Kokoro-82M (54 preset voices)");
  });
});
