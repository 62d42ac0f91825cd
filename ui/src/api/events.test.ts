// @vitest-environment node
import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it, vi } from "vitest";
import { makeGeneration } from "../test/utils";
import { applyEvent } from "./events";
import { genKeys } from "./generations";
import { onPieces } from "./pieces";
import { normalizeProviders } from "./providers";

describe("applyEvent", () => {
  it("writes a generation event into the cache and refreshes history", () => {
    const qc = new QueryClient();
    const refresh = vi.fn();
    applyEvent(qc, "generation", makeGeneration({ id: 4, status: "generating" }), refresh);
    expect(qc.getQueryData(genKeys.one(4))).toMatchObject({ status: "generating" });
    applyEvent(qc, "message", { type: "generation", generation: makeGeneration({ id: 4, status: "completed" }) }, refresh);
    expect(qc.getQueryData(genKeys.one(4))).toMatchObject({ status: "completed" });
    expect(refresh).toHaveBeenCalledTimes(2);
  });
  it("hands streamed audio pieces to their listeners, not to the cache", () => {
    const qc = new QueryClient();
    const refresh = vi.fn();
    const heard = vi.fn();
    const off = onPieces(heard);
    const piece = { type: "audio_piece", generation_id: 4, index: 0, sample_rate: 22050, audio: "UklGRg==" };
    applyEvent(qc, "audio_piece", piece, refresh);
    off();
    applyEvent(qc, "audio_piece", piece, refresh);
    expect(heard).toHaveBeenCalledTimes(1);
    expect(heard).toHaveBeenCalledWith(piece);
    expect(refresh).not.toHaveBeenCalled();
    expect(qc.getQueryData(genKeys.one(4))).toBeUndefined();
  });
  it("ignores anything else", () => {
    const qc = new QueryClient();
    const refresh = vi.fn();
    applyEvent(qc, "generation", { id: "x" }, refresh);
    applyEvent(qc, "message", null, refresh);
    expect(refresh).not.toHaveBeenCalled();
  });
});

describe("normalizeProviders", () => {
  it("reads GET /providers/list, with what this machine can run", () => {
    const support = { mlx: { can_run: false, reason: "needs a Mac with Apple Silicon" } };
    const o = normalizeProviders({ active: "auto", active_resolved: "pytorch-cpu", auto_reason: "no GPU", providers: [{ id: "mlx", state: "not_installed" }], support });
    expect(o).toMatchObject({ active: "auto", activeResolved: "pytorch-cpu", autoReason: "no GPU", support });
    expect(o.providers).toHaveLength(1);
    expect(normalizeProviders({})).toMatchObject({ active: null, providers: [], support: {}, recommended: null });
  });
});
