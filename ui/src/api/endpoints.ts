// Every core route the UI calls, so a test can hold them against the core's OpenAPI
// schema (ui/openapi.json). `pending` marks routes of issues not landed yet (the provider
// API of issue 5, describe, Whisper models): the UI shows a clear "not available" state
// for them, and the test starts checking them the moment they appear in the schema.
export interface Endpoint {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  pending?: string;
}

export const ENDPOINTS: Endpoint[] = [
  { method: "get", path: "/health" },
  { method: "get", path: "/profiles" },
  { method: "post", path: "/profiles" },
  { method: "patch", path: "/profiles/{profile_id}" },
  { method: "delete", path: "/profiles/{profile_id}" },
  { method: "get", path: "/profiles/{profile_id}/samples" },
  { method: "post", path: "/profiles/{profile_id}/samples" },
  { method: "patch", path: "/profiles/{profile_id}/samples/{sample_id}" },
  { method: "delete", path: "/profiles/{profile_id}/samples/{sample_id}" },
  { method: "get", path: "/profiles/{profile_id}/samples/{sample_id}/audio" },
  { method: "get", path: "/presets" },
  { method: "post", path: "/transcribe" },
  { method: "post", path: "/generate" },
  { method: "get", path: "/generations/{generation_id}" },
  { method: "post", path: "/generations/{generation_id}/cancel" },
  { method: "post", path: "/generations/{generation_id}/retry" },
  { method: "post", path: "/generations/{generation_id}/regenerate" },
  { method: "post", path: "/generations/{generation_id}/favourite" },
  { method: "delete", path: "/generations/{generation_id}" },
  { method: "get", path: "/generations/{generation_id}/audio" },
  { method: "get", path: "/history" },
  { method: "get", path: "/events" },
  { method: "get", path: "/providers" },
  { method: "get", path: "/describe", pending: "engines and models of the active provider (issue 6 needs it)" },
  { method: "get", path: "/models/whisper", pending: "Whisper models (issue 4 item 4)" },
  { method: "post", path: "/models/whisper/{name}/download", pending: "Whisper models (issue 4 item 4)" },
  { method: "delete", path: "/models/whisper/{name}", pending: "Whisper models (issue 4 item 4)" },
  { method: "get", path: "/providers/list", pending: "provider API (issue 5 item 8): core/api/providers.py exists, not mounted yet" },
  { method: "post", path: "/providers/{provider_id}/install", pending: "provider API (issue 5 item 8)" },
  { method: "post", path: "/providers/{provider_id}/update", pending: "provider API (issue 5 item 8)" },
  { method: "post", path: "/providers/{provider_id}/start", pending: "provider API (issue 5 item 8)" },
  { method: "post", path: "/providers/{provider_id}/stop", pending: "provider API (issue 5 item 8)" },
  { method: "post", path: "/providers/{provider_id}/test", pending: "provider API (issue 5 item 8)" },
  { method: "delete", path: "/providers/{provider_id}", pending: "provider API (issue 5 item 8)" },
  { method: "put", path: "/providers/selection", pending: "provider API (issue 5 item 8)" },
  { method: "put", path: "/providers/remote", pending: "provider API (issue 5 item 8)" },
  { method: "put", path: "/providers/openai", pending: "provider API (issue 5 item 8)" },
  { method: "post", path: "/providers/{provider_id}/cancel", pending: "cancel a running install: asked of the core" },
];
