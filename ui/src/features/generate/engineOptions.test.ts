// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { Describe, ModelInfo } from "../../api/types";
import { makeProfile } from "../../test/utils";
import { enginesFor } from "./engineOptions";

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
