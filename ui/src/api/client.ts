// The one place that talks HTTP to the core. Every failure becomes an ApiError that
// carries the server's own message, so screens can show it where it happened.

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly fieldErrors: FieldError[];
  /** True when the server has no such endpoint (yet): 404/405 "Not Found", or the SPA's HTML. */
  readonly missingEndpoint: boolean;
  /** The error envelope's extra keys (e.g. `model` of a model_not_downloaded error). */
  readonly details: Record<string, unknown>;

  constructor(
    message: string,
    opts: { status: number; code?: string; fieldErrors?: FieldError[]; missingEndpoint?: boolean; details?: Record<string, unknown> },
  ) {
    super(message);
    this.name = "ApiError";
    this.status = opts.status;
    this.code = opts.code;
    this.fieldErrors = opts.fieldErrors ?? [];
    this.missingEndpoint = opts.missingEndpoint ?? false;
    this.details = opts.details ?? {};
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
  /** Return the raw Response (for audio downloads). */
  raw?: boolean;
}

export function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === "") continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Turn FastAPI's and the core's error bodies into one message and per-field messages. */
export function parseErrorBody(body: unknown): { message?: string; code?: string; fields: FieldError[]; details?: Record<string, unknown> } {
  const fields: FieldError[] = [];
  if (!isRecord(body)) return { fields };
  const envelope = body.error;
  if (isRecord(envelope)) {
    const message = typeof envelope.message === "string" ? envelope.message : undefined;
    const code = typeof envelope.code === "string" ? envelope.code : undefined;
    if (Array.isArray(envelope.fields)) fields.push(...collectFieldErrors(envelope.fields));
    else {
      const field = typeof envelope.param === "string" ? envelope.param : typeof envelope.field === "string" ? envelope.field : null;
      if (field && message) fields.push({ field, message });
    }
    return { message, code, fields, details: envelope };
  }
  const detail = body.detail;
  if (typeof detail === "string") return { message: detail, fields };
  if (isRecord(detail) && typeof detail.message === "string") {
    return { message: detail.message, code: typeof detail.code === "string" ? detail.code : undefined, fields };
  }
  if (Array.isArray(detail)) {
    fields.push(...collectFieldErrors(detail));
    const message = fields.map((f) => (f.field ? `${f.field}: ${f.message}` : f.message)).join("; ");
    return { message: message || undefined, code: "validation_error", fields };
  }
  if (typeof body.message === "string") return { message: body.message, fields };
  return { fields };
}

function collectFieldErrors(items: unknown[]): FieldError[] {
  const out: FieldError[] = [];
  for (const item of items) {
    if (!isRecord(item)) continue;
    const loc = Array.isArray(item.loc) ? item.loc : [];
    const field = loc.filter((p) => p !== "body" && p !== "query" && p !== "path").join(".");
    const message = typeof item.msg === "string" ? item.msg : typeof item.message === "string" ? item.message : "";
    if (message) out.push({ field: typeof item.field === "string" ? item.field : field, message });
  }
  return out;
}

const STATUS_TEXT: Record<number, string> = {
  401: "The server refused the request (not authorised).",
  413: "That upload is too large for the server.",
  503: "The server is busy starting up; try again in a moment.",
  507: "The server ran out of memory.",
};

export async function toApiError(res: Response, path: string): Promise<ApiError> {
  const type = res.headers.get("content-type") ?? "";
  let body: unknown = undefined;
  let text = "";
  try {
    text = await res.text();
    if (type.includes("json")) body = JSON.parse(text);
  } catch {
    // A body that isn't JSON keeps its text only.
  }
  const parsed = parseErrorBody(body);
  const missing =
    (res.status === 404 || res.status === 405) &&
    (parsed.message === undefined || parsed.message === "Not Found" || parsed.message === "Method Not Allowed");
  const message = missing
    ? `The server does not offer ${path.split("?")[0]} yet (HTTP ${res.status}). Update the core to use this.`
    : (parsed.message ?? STATUS_TEXT[res.status] ?? `Request failed: HTTP ${res.status} ${res.statusText}`.trim());
  return new ApiError(message, {
    status: res.status,
    code: parsed.code,
    fieldErrors: parsed.fields,
    missingEndpoint: missing,
    details: parsed.details,
  });
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const url = buildUrl(path, opts.query);
  const headers: Record<string, string> = { Accept: "application/json" };
  let body: BodyInit | undefined;
  if (opts.form) body = opts.form;
  else if (opts.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.json);
  }
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body, signal: opts.signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError("Cannot reach the Voicebox core. Is it running?", { status: 0, code: "network" });
  }
  if (!res.ok) throw await toApiError(res, path);
  if (opts.raw) return res as unknown as T;
  if (res.status === 204) return undefined as T;
  const type = res.headers.get("content-type") ?? "";
  if (type.includes("text/html")) {
    // The SPA fallback answered: the core has no such API route.
    throw new ApiError(`The server does not offer ${path} yet. Update the core to use this.`, {
      status: 404,
      missingEndpoint: true,
    });
  }
  if (!type.includes("json")) return (await res.text()) as unknown as T;
  return (await res.json()) as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>("GET", path, { query, signal }),
  post: <T>(path: string, json?: unknown) => request<T>("POST", path, { json }),
  put: <T>(path: string, json?: unknown) => request<T>("PUT", path, { json }),
  patch: <T>(path: string, json?: unknown) => request<T>("PATCH", path, { json }),
  del: <T = void>(path: string) => request<T>("DELETE", path),
  upload: <T>(path: string, form: FormData) => request<T>("POST", path, { form }),
};

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
