// @vitest-environment node
import { describe, expect, it, vi } from "vitest";
import { SseParser } from "./sse";

describe("SseParser", () => {
  it("frames events across chunks, skips comments, joins data lines", () => {
    const p = new SseParser();
    expect(p.push(": ping\n\nevent: progress\ndata: {\"done\"")).toEqual([]);
    expect(p.push(": 1}\n\nevent: done\r\ndata: a\r\ndata: b\r\n\r\n")).toEqual([
      { event: "progress", data: "{\"done\": 1}" },
      { event: "done", data: "a\nb" },
    ]);
  });
});

describe("postEventStream when the network fails", () => {
  it("says the core cannot be reached, in words, not the browser's own error", async () => {
    const { postEventStream } = await import("./sse");
    vi.stubGlobal("fetch", vi.fn(() => Promise.reject(new TypeError("Failed to fetch"))));
    await expect(postEventStream("/models/tts/qwen/0.6B/download", () => {})).rejects.toThrow("Cannot reach the Voicebox core. Is it running?");
  });
});
