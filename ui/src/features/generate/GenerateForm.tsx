import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { ApiError } from "../../api/client";
import { useDescribe, useGenerate } from "../../api/generations";
import { missingModelOf, needForVoiceType, unavailableOf, type ModelNeed } from "../../api/modelNeeds";
import { useProfiles } from "../../api/profiles";
import type { GenerateInput, Generation } from "../../api/types";
import { useVoiceModels } from "../../api/voiceModels";
import { ErrorNotice, Notice } from "../../components/Feedback";
import { Field } from "../../components/Field";
import { Icon } from "../../components/Icon";
import { formatMb, LANGUAGES, languageName } from "../../lib/format";
import { useUi } from "../../store/ui";
import { EngineFacts } from "../models/EngineFacts";
import { factsOf } from "../models/engineFacts";
import { CapabilityUnavailable, ModelNeeded } from "../models/ModelNeeded";
import { autoModel, enginesFor, findModel, languagesFor, modelFullName, modelLabel, seedUnsupported } from "./engineOptions";

export const MAX_CHARS = 5000;
const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

export function GenerateForm({ onCreated }: { onCreated: (g: Generation[]) => void }) {
  const profiles = useProfiles();
  const describe = useDescribe();
  const voiceModels = useVoiceModels();
  const generate = useGenerate();
  const lastInput = useRef<GenerateInput | null>(null);
  const navigate = useUi((s) => s.navigate);
  const draft = useUi((s) => s.draft);
  const setDraft = useUi((s) => s.setDraft);
  const storedProfile = useUi((s) => s.selectedProfileId);
  const [profileId, setProfileId] = useState<string>("");
  const [text, setText] = useState("");
  const [language, setLanguage] = useState("");
  const [engineKey, setEngineKey] = useState("");
  const [seed, setSeed] = useState("");
  const [instruct, setInstruct] = useState("");
  const [variations, setVariations] = useState(1);

  // Pick up "regenerate with changes" from History, else a sensible default voice.
  useEffect(() => {
    if (draft) {
      if (draft.profileId) setProfileId(draft.profileId);
      if (draft.text !== undefined) setText(draft.text);
      if (draft.language !== undefined) setLanguage(draft.language);
      if (draft.seed !== undefined) setSeed(draft.seed === null ? "" : String(draft.seed));
      if (draft.instruct !== undefined) setInstruct(draft.instruct);
      setDraft(null);
    }
  }, [draft, setDraft]);
  useEffect(() => {
    const list = profiles.data;
    if (!list || list.length === 0 || list.some((p) => String(p.id) === profileId)) return;
    const preferred = list.find((p) => String(p.id) === storedProfile) ?? list[0];
    // Functional update: a voice picked by a draft in the same render wins over the default.
    if (preferred) setProfileId((cur) => (list.some((p) => String(p.id) === cur) ? cur : String(preferred.id)));
  }, [profiles.data, profileId, storedProfile]);

  const profile = profiles.data?.find((p) => String(p.id) === profileId);
  const choices = useMemo(() => enginesFor(profile, describe.data), [profile, describe.data]);
  const forType = profile ? needForVoiceType(voiceModels.data, profile.voice_type) : null;
  const [engineName, modelSize] = engineKey.split("/");
  // The model that will be used: the one picked, else the one "Automatic" stands for.
  const picked = engineKey ? findModel(describe.data, engineName, modelSize) : autoModel(profile, describe.data, forType?.model ?? null);
  const model = picked?.model;
  const langs = languagesFor(model);
  const supportsInstruct = model?.capabilities.instruct ?? false;
  const seedReason = seedUnsupported(model);
  const seedValue = seed.trim() === "" || seedReason ? null : Number(seed);
  const seedInvalid = seedValue !== null && (!Number.isInteger(seedValue) || seedValue < 0 || seedValue > 4294967295);
  const tooLong = text.length > MAX_CHARS;
  const canSubmit = Boolean(profile) && text.trim().length > 0 && !tooLong && !seedInvalid && !generate.isPending;

  // A language the model cannot speak is not kept selected.
  useEffect(() => {
    if (language && langs && !langs.includes(language)) setLanguage("");
  }, [language, langs]);

  // What is missing: the model a failed request named, else the model that will be used when
  // it is not on this machine yet; or the provider cannot do it at all.
  const fromError = missingModelOf(generate.error);
  const need: ModelNeed | null = fromError ?? (picked && !picked.model.downloaded ? {
    engine: picked.engine.name, modelSize: picked.model.model_size,
    displayName: modelFullName(picked.engine, picked.model), sizeMb: picked.model.size_mb,
    downloaded: false, downloading: forType?.model?.engine === picked.engine.name && forType.model.modelSize === picked.model.model_size && forType.model.downloading,
    purpose: profile?.voice_type === "cloned" ? "clone" : profile?.voice_type === "designed" ? "design" : "preset",
    localDir: forType?.model?.engine === picked.engine.name ? forType.model.localDir : null, message: null,
  } : null);
  const unavailable = unavailableOf(generate.error) ?? (forType?.unavailable && choices.length === 0 ? { message: forType.unavailable, settings: "provider" } : null);

  const send = (input: GenerateInput) => {
    lastInput.current = input;
    generate.mutate(input, { onSuccess: onCreated });
  };
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (!canSubmit || !profile) return;
    send({
      profile_id: profile.id,
      text,
      language: language || null,
      seed: seedValue,
      engine: engineKey && picked ? picked.engine.name : null,
      model_size: engineKey && picked ? picked.model.model_size : null,
      instruct: supportsInstruct && instruct.trim() ? instruct.trim() : null,
      variations,
    });
  };
  /** The model is on disk now: the request that needed it goes ahead. */
  const resume = () => {
    if (fromError && lastInput.current) send(lastInput.current);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    }
  };
  const textError = generate.error instanceof ApiError ? generate.error.fieldErrors.find((f) => f.field === "text")?.message : undefined;

  if (profiles.isSuccess && profiles.data.length === 0) {
    return (
      <Notice kind="info" title="Create a voice first"
        action={<button type="button" className="btn btn-sm btn-primary" onClick={() => navigate("voices")}>Go to Voices</button>}>
        Speech is generated in one of your voices: clone one from a short clip or pick a preset.
      </Notice>
    );
  }
  return (
    // The form only catches the Ctrl/Cmd+Enter shortcut bubbling up from its own controls.
    // eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions
    <form className="card" onSubmit={submit} onKeyDown={onKeyDown} aria-label="Generate speech">
      <div className="card-body stack">
        <Field label="Text" error={textError ?? (tooLong ? `Too long: the limit is ${MAX_CHARS} characters.` : null)}
          hint={<span>{isMac ? "⌘" : "Ctrl"}+Enter to generate</span>}>
          {(p) => (
            <textarea {...p} className="textarea" rows={6} value={text} onChange={(e) => setText(e.target.value)}
              placeholder="What should the voice say?" autoFocus />
          )}
        </Field>
        <div className="faint" style={{ textAlign: "right", marginTop: -6 }} aria-live="polite" data-testid="char-count">
          {text.length.toLocaleString()} / {MAX_CHARS.toLocaleString()} characters
        </div>
        <div className="grid-4">
          <Field label="Voice">
            {(p) => (
              <select {...p} className="select" value={profileId} onChange={(e) => { setProfileId(e.target.value); setEngineKey(""); }}
                disabled={profiles.isPending}>
                {profiles.isPending && <option value="">Loading…</option>}
                {profiles.data?.map((pr) => <option key={pr.id} value={pr.id}>{pr.name}</option>)}
              </select>
            )}
          </Field>
          <Field label="Language">
            {(p) => (
              <select {...p} className="select" value={language} onChange={(e) => setLanguage(e.target.value)}>
                <option value="">Voice default{profile ? ` (${languageName(profile.language)})` : ""}</option>
                {(langs ?? LANGUAGES.map((l) => l.code)).map((c) => <option key={c} value={c}>{languageName(c)}</option>)}
              </select>
            )}
          </Field>
          <Field label="Engine and model" hint={describe.isError ? "The provider's engine list is unavailable; the core picks." : undefined}>
            {(p) => (
              <select {...p} className="select" value={engineKey} onChange={(e) => setEngineKey(e.target.value)}>
                <option value="">Automatic{!engineKey && picked ? ` (${modelFullName(picked.engine, picked.model)})` : ""}</option>
                {choices.map((c) => (
                  <optgroup key={c.engine.name} label={c.engine.display_name}>
                    {c.models.map((m) => (
                      <option key={`${c.engine.name}/${m.model_size}`} value={`${c.engine.name}/${m.model_size}`}>
                        {modelLabel(c.engine, m)}{m.downloaded ? "" : ` — not downloaded (${formatMb(m.size_mb)})`}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
            )}
          </Field>
          <Field label="Seed" error={seedInvalid ? "A whole number from 0 to 4294967295." : null} hint={seedReason ?? "Empty: random"}>
            {(p) => (
              <div className="row" style={{ flexWrap: "nowrap", gap: 6 }}>
                <input {...p} className="input" inputMode="numeric" value={seedReason ? "" : seed} onChange={(e) => setSeed(e.target.value)}
                  placeholder={seedReason ? "Not used" : "Random"} disabled={Boolean(seedReason)} />
                <button type="button" className="btn btn-icon" aria-label="Random seed" title="Random seed" disabled={Boolean(seedReason)}
                  onClick={() => setSeed(String(Math.floor(Math.random() * 2 ** 31)))}>
                  <Icon name="dice" />
                </button>
              </div>
            )}
          </Field>
        </div>
        {picked && <EngineFacts facts={factsOf(picked.engine, picked.model, voiceModels.data)} title={picked.engine.display_name} testId="model-facts" />}
        {supportsInstruct && (
          <Field label="Instruction" hint="How to say it, e.g. “whisper, slowly”.">
            {(p) => <input {...p} className="input" value={instruct} maxLength={2000} onChange={(e) => setInstruct(e.target.value)} />}
          </Field>
        )}
        {need && <ModelNeeded key={`${need.engine}/${need.modelSize}`} need={need} onReady={fromError ? resume : undefined} />}
        {unavailable && <CapabilityUnavailable info={unavailable} />}
        {generate.isError && !textError && !fromError && !unavailableOf(generate.error) && <ErrorNotice error={generate.error} title="Could not generate" />}
        <div className="row-between">
          <Field label="Variations">
            {(p) => (
              <select {...p} className="select" style={{ width: 90 }} value={variations} onChange={(e) => setVariations(Number(e.target.value))}>
                {Array.from({ length: 10 }, (_, i) => i + 1).map((n) => <option key={n} value={n}>{n}</option>)}
              </select>
            )}
          </Field>
          <button type="submit" className="btn btn-primary btn-lg" disabled={!canSubmit}>
            <Icon name="wave" /> {generate.isPending ? "Submitting…" : variations > 1 ? `Generate ${variations} takes` : "Generate"}
          </button>
        </div>
      </div>
    </form>
  );
}
