// Types of the core's API. Request bodies, enums and the responses the core declares
// (core/api/responses.py) come from the core's OpenAPI schema (schema.gen.ts, `npm run
// gen:api`), so a change in the core breaks the typecheck here. Transcripts are by hand.
import type { components } from "./schema.gen";

type Schemas = components["schemas"];

export type VoiceType = Schemas["VoiceType"];
export type GenerationStatus = Schemas["GenerationStatus"];
export const FINAL_STATUSES: GenerationStatus[] = ["completed", "failed", "cancelled"];

export type Profile = Schemas["ProfileOut"];

export type ProfileInput = Schemas["ProfileCreate"] & Schemas["ProfileUpdate"];

export type Sample = Schemas["SampleOut"];

export type Generation = Schemas["GenerationOut"];
export type GenerateResult = Schemas["GenerateOut"];

export type GenerateInput = Schemas["GenerateBody"];
export type FavouriteInput = Schemas["FavouriteBody"];
export type SampleUpdateInput = Schemas["SampleUpdate"];

export type HistoryPage = Schemas["HistoryPage"];

export interface HistoryQuery {
  q?: string;
  profile_id?: number;
  status?: GenerationStatus;
  engine?: string;
  /** ISO datetimes (UTC): created at or after / at or before. */
  since?: string;
  until?: string;
  favourite?: boolean;
  limit: number;
  offset: number;
}

export type Capabilities = Schemas["Capabilities"];
export type PresetVoice = Schemas["PresetVoice"];
export type ModelInfo = Schemas["ModelInfo"];
export type EngineInfo = Schemas["DescribedEngine"];
export type Describe = Schemas["DescribeOut"];

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

export type Health = Schemas["HealthOut"];

export type WhisperModel = Schemas["WhisperModelOut"];
export type WhisperModelList = Schemas["WhisperModelList"];

export type TtsModel = Schemas["TtsModelOut"];
export type TtsEngineModels = Schemas["TtsEngineModels"];
export type TtsModelList = Schemas["TtsModelList"];
export type TtsModelDeleted = Schemas["TtsModelDeleted"];

export interface HistoryStats {
  total: number;
  by_engine: Record<string, number>;
}
