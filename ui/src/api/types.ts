// Types of the core's API. Request bodies and enums come from the core's OpenAPI schema
// (schema.gen.ts, `npm run gen:api`), so a change in the core breaks the typecheck here.
// The core's responses are untyped dicts in its schema so far; their shapes below mirror
// core/store/models.py and provider_sdk/models.py until the core declares response models.
import type { components } from "./schema.gen";

type Schemas = components["schemas"];

export type VoiceType = Schemas["VoiceType"];
export type GenerationStatus = "queued" | "loading_model" | "generating" | "completed" | "failed" | "cancelled";
export const FINAL_STATUSES: GenerationStatus[] = ["completed", "failed", "cancelled"];

export interface Profile {
  id: number;
  name: string;
  description: string;
  voice_type: VoiceType;
  language: string;
  preset_engine: string | null;
  preset_voice: string | null;
  default_engine: string | null;
  created_at: string;
  updated_at: string;
  sample_count?: number;
}

export type ProfileInput = Schemas["ProfileCreate"] & Schemas["ProfileUpdate"];

export interface Sample {
  id: number;
  profile_id: number;
  reference_text: string;
  duration: number;
  sample_rate: number;
  original_format: string;
  created_at: string;
  audio_url?: string | null;
}

export interface Generation {
  id: number;
  profile_id: number | null;
  profile_name: string;
  text: string;
  language: string;
  seed: number | null;
  engine: string | null;
  model_size: string | null;
  provider: string;
  instruct: string | null;
  status: GenerationStatus;
  error: string | null;
  group_id: string | null;
  favourite: boolean;
  audio_url: string | null;
  duration: number | null;
  sample_rate: number | null;
  version_count: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  queue_wait_ms: number | null;
  prompt_ms: number | null;
  synth_ms: number | null;
  rtf: number | null;
}

export type GenerateInput = Schemas["GenerateBody"];
export type FavouriteInput = Schemas["FavouriteBody"];
export type SampleUpdateInput = Schemas["SampleUpdate"];

export interface HistoryPage {
  items: Generation[];
  total: number;
  limit?: number;
  offset?: number;
}

export interface HistoryQuery {
  q?: string;
  profile_id?: number;
  status?: GenerationStatus;
  engine?: string;
  favourite?: boolean;
  limit: number;
  offset: number;
}

export interface Capabilities {
  clone: boolean;
  preset: boolean;
  design: boolean;
  instruct: boolean;
  streaming: boolean;
}

export interface PresetVoice {
  id: string;
  name: string;
  language?: string | null;
  description?: string;
}

export interface ModelInfo {
  model_size: string;
  display_name: string;
  size_mb: number;
  languages: string[];
  sample_rate: number;
  capabilities: Capabilities;
  preset_voices: PresetVoice[];
  downloaded: boolean;
}

export interface EngineInfo {
  name: string;
  display_name: string;
  default_model_size: string;
  models: ModelInfo[];
}

export interface Describe {
  provider: string;
  version: string;
  spec_version: string;
  engines: EngineInfo[];
}

export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
}

export interface Transcript {
  text: string;
  language?: string;
  duration?: number;
  segments?: TranscriptSegment[];
}

export interface Health {
  status: string;
  version?: string;
  data_dir?: string;
  [key: string]: unknown;
}
