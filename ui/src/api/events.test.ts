// @vitest-environment node
import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it, vi } from "vitest";
import { makeGeneration } from "../test/utils";
import { applyEvent } from "./events";
import { genKeys } from "./generations";
import { needsSetup, normalizeProviders } from "./providers";

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
  it("ignores anything else", () => {
    const qc = new QueryClient();
    const refresh = vi.fn();
    applyEvent(qc, "generation", { id: "x" }, refresh);
    applyEvent(qc, "message", null, refresh);
    expect(refresh).not.toHaveBeenCalled();
  });
});

describe("normalizeProviders", () => {
  it("accepts the core's bare list and the provider API's object", () => {
    expect(normalizeProviders([{ id: "local", state: "stopped" }]).active).toBe("local");
    expect(normalizeProviders([]).active).toBeNull();
    const o = normalizeProviders({ active: "auto", active_resolved: "pytorch-cpu", auto_reason: "no GPU", providers: [{ id: "mlx", state: "not_installed" }] }, true);
    expect(o).toMatchObject({ api: true, active: "auto", activeResolved: "pytorch-cpu", autoReason: "no GPU" });
    expect(o.providers).toHaveLength(1);
  });
  it("needs setup only while nothing can speak", () => {
    const base = { active: "auto", providers: [{ id: "pytorch-cpu", state: "not_installed", installed: false }], remote: { configured: false }, openai: { key_set: false } };
    expect(needsSetup(normalizeProviders(base, true))).toBe(true);
    expect(needsSetup(normalizeProviders({ ...base, openai: { key_set: true } }, true))).toBe(false);
    expect(needsSetup(normalizeProviders({ ...base, providers: [{ id: "pytorch-cpu", state: "stopped", source: true }] }, true))).toBe(false);
    expect(needsSetup(normalizeProviders([{ id: "local", state: "stopped" }]))).toBe(false);
  });
});
