// @vitest-environment node
import { describe, expect, it, vi } from "vitest";
import { ApiError, api, buildUrl, parseErrorBody, toApiError } from "./client";
import { coreError, json, stubFetch } from "../test/utils";

describe("parseErrorBody", () => {
  it("reads the core's envelope with its param", () => {
    const r = parseErrorBody({ error: { code: "conflict", message: "a profile named 'Joe' already exists", param: "name" } });
    expect(r).toMatchObject({
      message: "a profile named 'Joe' already exists",
      code: "conflict",
      fields: [{ field: "name", message: "a profile named 'Joe' already exists" }],
    });
  });
  it("keeps the envelope's extra keys as details (the missing model of a 409)", async () => {
    const model = { engine: "qwen", model_size: "0.6B", display_name: "Qwen3-TTS 0.6B Base", size_mb: 2500 };
    const res = new Response(JSON.stringify({ error: { code: "model_not_downloaded", message: "Voice cloning needs …", param: "model_size", model } }),
      { status: 409, headers: { "content-type": "application/json" } });
    const err = await toApiError(res, "/generate");
    expect(err.code).toBe("model_not_downloaded");
    expect(err.details.model).toEqual(model);
  });
  it("reads FastAPI's validation detail list", () => {
    const r = parseErrorBody({ detail: [{ loc: ["body", "text"], msg: "Field required", type: "missing" }] });
    expect(r.fields).toEqual([{ field: "text", message: "Field required" }]);
    expect(r.message).toBe("text: Field required");
  });
  it("reads a plain detail string and ignores junk", () => {
    expect(parseErrorBody({ detail: "nope" }).message).toBe("nope");
    expect(parseErrorBody("junk")).toEqual({ fields: [] });
  });
});

describe("request", () => {
  it("drops empty query values", () => {
    expect(buildUrl("/history", { q: "", limit: 20, favourite: undefined, status: null })).toBe("/history?limit=20");
  });

  it("throws an ApiError with the server's own message", async () => {
    stubFetch({ "POST /profiles": () => coreError(409, "a profile named 'Joe' already exists; pick another name", "name", "conflict") });
    const err = await api.post("/profiles", { name: "Joe" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toBe("a profile named 'Joe' already exists; pick another name");
    expect((err as ApiError).status).toBe(409);
    expect((err as ApiError).missingEndpoint).toBe(false);
  });

  it("marks a route the core does not have as a missing endpoint", async () => {
    stubFetch({});
    const err = (await api.get("/providers/cpu/logs").catch((e: unknown) => e)) as ApiError;
    expect(err.missingEndpoint).toBe(true);
    expect(err.message).toMatch(/does not offer \/providers\/cpu\/logs yet/);
  });

  it("treats the SPA's HTML fallback as a missing endpoint", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("<!doctype html>", { headers: { "content-type": "text/html" } })));
    const err = (await api.get("/describe").catch((e: unknown) => e)) as ApiError;
    expect(err.missingEndpoint).toBe(true);
  });

  it("says the core is unreachable on a network error", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => { throw new TypeError("Failed to fetch"); }));
    const err = (await api.get("/health").catch((e: unknown) => e)) as ApiError;
    expect(err.message).toMatch(/Cannot reach the Voicebox core/);
    expect(err.status).toBe(0);
  });

  it("returns JSON and handles 204", async () => {
    const f = stubFetch({ "GET /health": () => json({ status: "healthy" }), "DELETE /generations/{id}": () => new Response(null, { status: 204 }) });
    await expect(api.get("/health")).resolves.toEqual({ status: "healthy" });
    await expect(api.del("/generations/3")).resolves.toBeUndefined();
    expect(f.called("DELETE", "/generations/3")).toHaveLength(1);
  });
});
