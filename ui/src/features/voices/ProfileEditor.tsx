import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import { needForVoiceType } from "../../api/modelNeeds";
import { useDeleteProfile, useSaveProfile } from "../../api/profiles";
import type { Profile, ProfileInput, VoiceType } from "../../api/types";
import { useVoiceModels } from "../../api/voiceModels";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorNotice } from "../../components/Feedback";
import { Field } from "../../components/Field";
import { Icon } from "../../components/Icon";
import { LANGUAGES, profileLanguageOf } from "../../lib/format";
import { useUi } from "../../store/ui";
import { CapabilityUnavailable, ModelNeeded } from "../models/ModelNeeded";
import { PresetPicker } from "./PresetPicker";
import { SamplesPanel } from "./SamplesPanel";

const TYPES: { value: VoiceType; label: string; hint: string }[] = [
  { value: "cloned", label: "Cloned", hint: "From your own audio samples" },
  { value: "preset", label: "Preset", hint: "A voice that ships with an engine" },
  { value: "designed", label: "Designed", hint: "Described in words" },
];

function fieldError(err: unknown, field: string): string | null {
  if (!(err instanceof ApiError)) return null;
  return err.fieldErrors.find((f) => f.field === field || f.field.endsWith(`.${field}`))?.message ?? null;
}

export function ProfileEditor({
  profile,
  onSaved,
  onDeleted,
}: {
  profile: Profile | null;
  onSaved: (p: Profile) => void;
  onDeleted: () => void;
}) {
  const [form, setForm] = useState<ProfileInput>({
    name: profile?.name ?? "",
    description: profile?.description ?? "",
    voice_type: profile?.voice_type ?? "cloned",
    language: profile?.language ?? "en",
    preset_engine: profile?.preset_engine ?? null,
    preset_voice: profile?.preset_voice ?? null,
  });
  const [confirm, setConfirm] = useState(false);
  const save = useSaveProfile();
  const del = useDeleteProfile();
  const voiceModels = useVoiceModels();
  // The name a picked preset filled in: picking another preset replaces it, a typed name stays.
  const [autoName, setAutoName] = useState<string | null>(null);
  const toast = useUi((s) => s.toast);
  const setDraft = useUi((s) => s.setDraft);
  const navigate = useUi((s) => s.navigate);
  const set = (patch: Partial<ProfileInput>) => setForm((f) => ({ ...f, ...patch }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(
      { id: profile?.id ?? null, input: form },
      {
        onSuccess: (p) => {
          toast(profile ? `Saved “${p.name}”` : `Created voice “${p.name}”`, "success");
          onSaved(p);
        },
      },
    );
  };
  const nameError = fieldError(save.error, "name");
  // What a voice of this type needs on the active provider (not for presets: their engine is
  // known only once one is picked, and Generate says it then).
  const need = form.voice_type === "preset" || !form.voice_type ? null : needForVoiceType(voiceModels.data, form.voice_type);
  const otherError = save.error && !nameError ? save.error : null;

  return (
    <div className="stack">
      <form className="card" onSubmit={submit} aria-label={profile ? `Edit ${profile.name}` : "New voice"}>
        <div className="card-head">
          <h2>{profile ? profile.name : "New voice"}</h2>
          {profile && (
            <div className="row" style={{ gap: 6 }}>
              <button type="button" className="btn btn-sm" onClick={() => { setDraft({ profileId: String(profile.id) }); navigate("generate"); }}>
                <Icon name="generate" /> Use in Generate
              </button>
              <button type="button" className="btn btn-sm btn-danger" onClick={() => setConfirm(true)}>
                <Icon name="trash" /> Delete voice
              </button>
            </div>
          )}
        </div>
        <div className="card-body stack">
          <div className="grid-2">
            <Field label="Name" error={nameError}>
              {(p) => (
                <input {...p} className="input" value={form.name} maxLength={100} required autoFocus={!profile}
                  onChange={(e) => set({ name: e.target.value })} placeholder="e.g. Narrator" />
              )}
            </Field>
            <Field label="Language">
              {(p) => (
                <select {...p} className="select" value={form.language} onChange={(e) => set({ language: e.target.value })}>
                  {LANGUAGES.map((l) => <option key={l.code} value={l.code}>{l.name}</option>)}
                </select>
              )}
            </Field>
          </div>
          <fieldset className="field" style={{ border: 0, padding: 0, margin: 0 }}>
            <legend className="label" style={{ marginBottom: 5 }}>Voice type</legend>
            <div className="segmented" role="group" aria-label="Voice type">
              {TYPES.map((t) => (
                <button key={t.value} type="button" aria-pressed={form.voice_type === t.value} title={t.hint}
                  onClick={() => set({ voice_type: t.value })} disabled={profile !== null && profile.voice_type !== t.value && (profile.sample_count ?? 0) > 0}>
                  {t.label}
                </button>
              ))}
            </div>
          </fieldset>
          {form.voice_type === "preset" && (
            <PresetPicker engine={form.preset_engine ?? null} voice={form.preset_voice ?? null} language={form.language ?? "en"}
              error={fieldError(save.error, "preset_voice")}
              onPick={(preset) => {
                const fill = preset && (!form.name.trim() || form.name === autoName);
                // The profile speaks the preset's own language (a Hindi voice reads Hindi text).
                const language = profileLanguageOf(preset?.language);
                set({ preset_engine: preset?.engine ?? null, preset_voice: preset?.voice ?? null, ...(fill ? { name: preset.name } : {}), ...(language ? { language } : {}) });
                if (fill) setAutoName(preset.name);
              }} />
          )}
          {need?.model && !need.model.downloaded && <ModelNeeded key={`${need.model.engine}/${need.model.modelSize}`} need={need.model} />}
          {need?.unavailable && <CapabilityUnavailable info={{ message: need.unavailable, settings: "provider" }} />}
          <Field label={form.voice_type === "designed" ? "Voice description" : "Notes"}
            hint={form.voice_type === "designed" ? "Describe the voice: age, tone, accent, pace." : undefined}>
            {(p) => (
              <textarea {...p} className="textarea" rows={form.voice_type === "designed" ? 3 : 2} maxLength={2000}
                value={form.description ?? ""} onChange={(e) => set({ description: e.target.value })} />
            )}
          </Field>
          {otherError !== null && <ErrorNotice error={otherError} title="Could not save the voice" />}
          <div className="row" style={{ justifyContent: "flex-end" }}>
            <button type="submit" className="btn btn-primary" disabled={save.isPending || !form.name.trim()}>
              {save.isPending ? "Saving…" : profile ? "Save changes" : "Create voice"}
            </button>
          </div>
        </div>
      </form>
      {profile && profile.voice_type === "cloned" && <SamplesPanel profile={profile} />}
      <ConfirmDialog
        open={confirm}
        title={`Delete “${profile?.name ?? ""}”?`}
        message="The voice and all its samples are removed. Generations made with it stay in History."
        busy={del.isPending}
        onCancel={() => setConfirm(false)}
        onConfirm={() => {
          if (!profile) return;
          del.mutate(profile.id, {
            onSuccess: () => {
              setConfirm(false);
              toast(`Deleted “${profile.name}”`, "success");
              onDeleted();
            },
            onError: (err) => {
              setConfirm(false);
              toast(err.message, "error");
            },
          });
        }}
      />
    </div>
  );
}
