// @vitest-environment node
import { describe, expect, it } from "vitest";
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
