// The provider API, as core/api/providers.py defines it:
//   GET  /providers/list                       overview: active, auto reason, rows, what this
//                                              machine can run (support), remote, openai
//   POST /providers/{id}/install | /update     answers with an event stream: progress…, done | error
//   POST /providers/{id}/cancel                stops a running install (its stream ends in error)
//   DELETE /providers/{id}                     uninstall
//   POST /providers/{id}/start | /stop | /restart | /test
//   GET  /providers/{id}/log?lines=N           recent lines of the provider's log file
//   PUT  /providers/selection {provider}       auto | an id | remote | openai
//   PUT  /providers/remote {url, token}        connects (conformance check), then saves
//   PUT  /providers/openai {api_key, base_url}
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client";
import { positiveBytes, postTaskStream } from "./sse";

export interface ProviderRow {
  id: string;
  kind?: string;
  state: string;
  installed?: boolean;
  source?: boolean;
  installed_version?: string | null;
  available_version?: string | null;
  update_available?: string | boolean | null;
  compatible?: boolean | null;
  compatibility?: string | null;
  download_bytes?: number | null;
  installed_bytes?: number | null;
  active?: boolean;
  /** Whether this machine can run it, and why (not). */
  can_run?: boolean | null;
  reason?: string | null;
  error?: string | null;
  process?: { failure?: { message?: string; stderr_tail?: string } | null; log_path?: string } | null;
}

export interface Support {
  can_run: boolean | null;
  reason: string | null;
}

export interface Overview {
  /** The chosen provider: auto, an id, remote or openai; null when none is configured. */
  active: string | null;
  activeResolved: string | null;
  autoReason: string | null;
  providers: ProviderRow[];
  /** Whether this machine can run each known local flavor (also those with no row). */
  support: Record<string, Support>;
  recommended: { provider: string | null; reason: string } | null;
  remote: { configured: boolean; url: string | null; state: string; error: string | null } | null;
  openai: { key_set: boolean; base_url: string | null; state: string; error: string | null } | null;
}

export interface InstallProgress {
  provider: string;
  state: string;
  step?: string;
  done: number;
  total: number | null;
  speed?: number;
}

export interface ConnectionTest {
  ok: boolean;
  message: string;
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** Read GET /providers/list into one shape (missing parts become empty, never undefined). */
export function normalizeProviders(data: unknown): Overview {
  const o = (data ?? {}) as Json;
  const providers = Array.isArray(o.providers) ? (o.providers as ProviderRow[]) : [];
  const support = o.support && typeof o.support === "object" ? (o.support as Record<string, Support>) : {};
  return {
    active: str(o.active),
    activeResolved: str(o.active_resolved),
    autoReason: str(o.auto_reason),
    providers,
    support,
    recommended: (o.recommended as Overview["recommended"]) ?? null,
    remote: (o.remote as Overview["remote"]) ?? null,
    openai: (o.openai as Overview["openai"]) ?? null,
  };
}

export const providerKeys = { all: ["providers"] as const };

export function useProviders() {
  return useQuery({
    queryKey: providerKeys.all,
    queryFn: async ({ signal }) => normalizeProviders(await api.get<unknown>("/providers/list", undefined, signal)),
    retry: false,
    staleTime: 5_000,
  });
}

export function useProviderAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, action }: { id: string; action: "start" | "stop" | "restart" | "uninstall" }) => {
      if (action === "uninstall") return api.del(`/providers/${id}`);
      return api.post<{ provider: string; state: string }>(`/providers/${id}/${action}`);
    },
    onSettled: () => qc.invalidateQueries({ queryKey: providerKeys.all }),
  });
}

export function useSelectProvider() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (provider: string) => api.put<{ active: string }>("/providers/selection", { provider }),
    onSettled: () => qc.invalidateQueries({ queryKey: providerKeys.all }),
  });
}

/** Install (or update) with progress; resolves when the stream says done, rejects on error. */
export async function installProvider(
  id: string,
  onProgress: (p: InstallProgress) => void,
  opts: { update?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  await postTaskStream(`/providers/${id}/${opts.update ? "update" : "install"}`, (data) => {
    onProgress({
      provider: str(data.provider) ?? id, state: str(data.state) ?? "downloading", step: str(data.step) ?? undefined,
      done: Number(data.done ?? 0), total: positiveBytes(data.total),
      speed: typeof data.speed === "number" ? data.speed : undefined,
    });
  }, {
    failed: "The install failed.",
    unfinished: "The install stream ended before the install finished; check Settings → Provider.",
  }, opts.signal);
}

export function useSetRemote() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { url: string; token: string }) => api.put<{ saved: boolean; conformance?: Json }>("/providers/remote", body),
    onSettled: () => qc.invalidateQueries({ queryKey: providerKeys.all }),
  });
}

export function useSetOpenAI() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { api_key: string; base_url?: string }) => api.put<{ saved: boolean }>("/providers/openai", body),
    onSettled: () => qc.invalidateQueries({ queryKey: providerKeys.all }),
  });
}

/** Save the connection details, then ask the core to prove they work. */
export function useTestConnection() {
  return useMutation({
    mutationFn: async (
      body: { kind: "remote"; url: string; token: string } | { kind: "openai"; api_key: string; base_url?: string },
    ): Promise<ConnectionTest> => {
      if (body.kind === "remote") await api.put("/providers/remote", { url: body.url, token: body.token });
      else await api.put("/providers/openai", { api_key: body.api_key, ...(body.base_url ? { base_url: body.base_url } : {}) });
      const r = await api.post<{ ok: boolean; health?: Json; conformance?: Json | null }>(`/providers/${body.kind}/test`);
      const h = r.health ?? {};
      return {
        ok: r.ok,
        message: r.ok
          ? `Connected to ${str(h.provider) ?? body.kind} ${str(h.version) ?? ""} (${str(h.device) ?? "device unknown"}).`.replace(" (", " (").trim()
          : "The server answered, but is not usable.",
      };
    },
  });
}

export interface ProviderLog {
  provider: string;
  path: string;
  lines: string[];
}

/** The last `lines` lines of a local provider's log file; fetched while `enabled`. */
export function useProviderLog(id: string, enabled: boolean, lines = 50) {
  return useQuery({
    queryKey: [...providerKeys.all, id, "log", lines],
    queryFn: ({ signal }) => api.get<ProviderLog>(`/providers/${id}/log`, { lines }, signal),
    enabled,
    retry: false,
    refetchInterval: enabled ? 5_000 : false,
  });
}

/** Ask the core to stop a running install; its event stream then ends with an error. */
export function cancelInstall(id: string) {
  return api.post<{ provider: string; cancelling: boolean }>(`/providers/${id}/cancel`);
}
