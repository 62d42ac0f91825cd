// Test helpers: a fetch stub routed by "METHOD /path" and a render with a fresh QueryClient.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, type RenderResult } from "@testing-library/react";
import type { ReactElement } from "react";
import { vi } from "vitest";
import type { Generation, Profile } from "../api/types";

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Handler = (call: Call) => Response | unknown | Promise<Response | unknown>;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

export function coreError(status: number, message: string, param: string | null = null, code = "validation_error"): Response {
  return json({ error: { code, message, param, type: "invalid_request_error" } }, status);
}

/** Stub fetch: routes are "GET /profiles" or "POST /profiles/{id}/samples" (matches /profiles/3/samples). */
export function stubFetch(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const table = Object.entries(routes).map(([key, handler]) => {
    const [method, pattern] = key.split(" ") as [string, string];
    const re = new RegExp(`^${pattern.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    return { method, re, handler };
  });
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://localhost");
    const method = (init?.method ?? "GET").toUpperCase();
    let body: unknown = init?.body;
    if (typeof body === "string") {
      try {
        body = JSON.parse(body);
      } catch {
        // keep the text
      }
    }
    const call = { method, path: url.pathname, query: url.searchParams, body };
    calls.push(call);
    const route = table.find((r) => r.method === method && r.re.test(url.pathname));
    if (!route) return json({ error: { code: "http_error", message: "Not Found" } }, 404);
    const out = await route.handler(call);
    return out instanceof Response ? out : json(out);
  });
  vi.stubGlobal("fetch", fn);
  return { calls, fn, called: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path) };
}

export function renderWithClient(ui: ReactElement): RenderResult & { client: QueryClient } {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const result = render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
  return { ...result, client };
}

export function makeGeneration(over: Partial<Generation> = {}): Generation {
  return {
    id: 1, profile_id: 1, profile_name: "Joe", text: "Hello world", language: "en", seed: 42,
    engine: "piper", model_size: "medium", provider: "local", instruct: null, status: "completed",
    error: null, error_code: null, normalize: true, group_id: null, favourite: false, audio_url: "/generations/1/audio", duration: 2.5,
    sample_rate: 22050, version_count: 1, created_at: "2026-11-22T06:00:00Z", started_at: null,
    completed_at: null, queue_wait_ms: 1, prompt_ms: 0, synth_ms: 500, rtf: 0.2, retryable: true, source: "app", ...over,
  };
}

export function makeProfile(over: Partial<Profile> = {}): Profile {
  return {
    id: 1, name: "Joe", description: "", voice_type: "preset", language: "en", preset_engine: "piper",
    preset_voice: "joe", default_engine: null, created_at: "2026-11-22T06:00:00Z",
    updated_at: "2026-11-22T06:00:00Z", sample_count: 0, ...over,
  };
}
