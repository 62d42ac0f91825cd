import { useEffect, useMemo, useState, type FormEvent, type KeyboardEvent } from "react";
import { ApiError } from "../../api/client";
import { useDescribe, useGenerate } from "../../api/generations";
import { useProfiles } from "../../api/profiles";
import type { Generation } from "../../api/types";
import { ErrorNotice, Notice } from "../../components/Feedback";
import { Field } from "../../components/Field";
import { Icon } from "../../components/Icon";
import { LANGUAGES, languageName } from "../../lib/format";
import { useUi } from "../../store/ui";
import { enginesFor, languagesFor } from "./engineOptions";

export const MAX_CHARS = 5000;
const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

export function GenerateForm({ onCreated }: { onCreated: (g: Generation[]) => void }) {
  const profiles = useProfiles();
  const describe = useDescribe();
  const generate = useGenerate();
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
  const [engineName, modelSize] = engineKey.split("/");
  const chosen = choices.find((c) => c.engine.name === engineName);
  const model = chosen?.models.find((m) => m.model_size === modelSize) ?? chosen?.models[0];
  const langs = languagesFor(model);
  const supportsInstruct = model?.capabilities.instruct ?? false;
  const seedValue = seed.trim() === "" ? null : Number(seed);
  const seedInvalid = seedValue !== null && (!Number.isInteger(seedValue) || seedValue < 0 || seedValue > 4294967295);
  const tooLong = text.length > MAX_CHARS;
  const canSubmit = Boolean(profile) && text.trim().length > 0 && !tooLong && !seedInvalid && !generate.isPending;

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (!canSubmit || !profile) return;
    generate.mutate(
      {
        profile_id: profile.id,
        text,
        language: language || null,
        seed: seedValue,
        engine: chosen ? chosen.engine.name : null,
        model_size: chosen && model ? model.model_size : null,
        instruct: supportsInstruct && instruct.trim() ? instruct.trim() : null,
        variations,
      },
      { onSuccess: onCreated },
    );
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
                <option value="">Automatic</option>
                {choices.flatMap((c) => c.models.map((m) => (
                  <option key={`${c.engine.name}/${m.model_size}`} value={`${c.engine.name}/${m.model_size}`}>
                    {c.engine.display_name} · {m.display_name}
                  </option>
                )))}
              </select>
            )}
          </Field>
          <Field label="Seed" error={seedInvalid ? "A whole number from 0 to 4294967295." : null} hint="Empty: random">
            {(p) => (
              <div className="row" style={{ flexWrap: "nowrap", gap: 6 }}>
                <input {...p} className="input" inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value)} placeholder="Random" />
                <button type="button" className="btn btn-icon" aria-label="Random seed" title="Random seed"
                  onClick={() => setSeed(String(Math.floor(Math.random() * 2 ** 31)))}>
                  <Icon name="dice" />
                </button>
              </div>
            )}
          </Field>
        </div>
        {supportsInstruct && (
          <Field label="Instruction" hint="How to say it, e.g. “whisper, slowly”.">
            {(p) => <input {...p} className="input" value={instruct} maxLength={2000} onChange={(e) => setInstruct(e.target.value)} />}
          </Field>
        )}
        {generate.isError && !textError && <ErrorNotice error={generate.error} title="Could not generate" />}
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
