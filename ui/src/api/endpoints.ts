// Every core route the UI calls, so a test can hold them against the core's OpenAPI
// schema (ui/openapi.json). `pending` marks routes of issues not landed yet (none now): the
// UI shows a clear "not available" state for them, and the test starts checking them the
// moment they appear in the schema.
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
  { method: "post", path: "/presets/preview" },
  { method: "get", path: "/settings/first-run" },
  { method: "post", path: "/settings/first-run" },
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
  { method: "get", path: "/describe" },
  { method: "get", path: "/history/stats" },
  { method: "get", path: "/models/whisper" },
  { method: "post", path: "/models/whisper/{name}/download" },
  { method: "delete", path: "/models/whisper/{name}" },
  { method: "put", path: "/models/whisper/active" },
  { method: "get", path: "/models/tts" },
  { method: "post", path: "/models/tts/{engine}/{model_size}/download" },
  { method: "post", path: "/models/tts/{engine}/{model_size}/cancel" },
  { method: "delete", path: "/models/tts/{engine}/{model_size}" },
  { method: "get", path: "/providers/list" },
  { method: "post", path: "/providers/{provider_id}/install" },
  { method: "post", path: "/providers/{provider_id}/update" },
  { method: "post", path: "/providers/{provider_id}/cancel" },
  { method: "post", path: "/providers/{provider_id}/start" },
  { method: "post", path: "/providers/{provider_id}/stop" },
  { method: "post", path: "/providers/{provider_id}/restart" },
  { method: "post", path: "/providers/{provider_id}/test" },
  { method: "get", path: "/providers/{provider_id}/log" },
  { method: "delete", path: "/providers/{provider_id}" },
  { method: "put", path: "/providers/selection" },
  { method: "put", path: "/providers/remote" },
  { method: "put", path: "/providers/openai" },
];
