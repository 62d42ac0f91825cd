import { useEffect, useState } from "react";
import { missingModelOf } from "../../api/modelNeeds";
import { previewPreset, usePresets, type Preset } from "../../api/profiles";
import { AudioPlayer } from "../../components/AudioPlayer";
import { ErrorNotice } from "../../components/Feedback";
import { Field } from "../../components/Field";
import { Icon } from "../../components/Icon";
import { ModelNeeded } from "../models/ModelNeeded";

/** One entry per engine and voice (a voice offered by several model sizes is listed once). */
export function uniquePresets(list: Preset[] | undefined): Preset[] {
  const seen = new Set<string>();
  return (list ?? []).filter((p) => {
    const key = `${p.engine}::${p.voice}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Choose a preset voice, and hear a short sample of it before the profile is made. */
export function PresetPicker({ engine, voice, language, error, onPick }: {
  engine: string | null;
  voice: string | null;
  language: string;
  error: string | null;
  onPick: (preset: Preset | null) => void;
}) {
  const presets = usePresets();
  const list = uniquePresets(presets.data);
  const chosen = list.find((p) => p.engine === engine && p.voice === voice) ?? null;
  const [sample, setSample] = useState<{ key: string; url: string } | null>(null);
  const [loading, setLoading] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  useEffect(() => () => {
    if (sample) URL.revokeObjectURL(sample.url);
  }, [sample]);

  const key = chosen ? `${chosen.engine}::${chosen.voice}::${language}` : "";
  const listen = async () => {
    if (!chosen) return;
    setLoading(true);
    setFailure(null);
    try {
      // The preset's own language when the profile's is not one it speaks.
      const lang = chosen.language && chosen.language.split(/[-_]/)[0] !== language ? null : language;
      const blob = await previewPreset(chosen, lang);
      setSample({ key, url: URL.createObjectURL(blob) });
    } catch (e) {
      setFailure(e);
    } finally {
      setLoading(false);
    }
  };
  const missing = missingModelOf(failure);
  return (
    <div className="stack" style={{ gap: 8 }}>
      <Field label="Preset voice" error={error}
        hint={presets.isError ? "Preset voices are unavailable: the provider cannot be reached." : undefined}>
        {(p) => (
          <div className="row" style={{ flexWrap: "nowrap", gap: 6 }}>
            <select {...p} className="select" value={chosen ? `${chosen.engine}::${chosen.voice}` : ""}
              onChange={(e) => {
                setFailure(null);
                onPick(list.find((x) => `${x.engine}::${x.voice}` === e.target.value) ?? null);
              }}>
              <option value="">{presets.isPending ? "Loading…" : "Choose a voice"}</option>
              {list.map((v) => (
                <option key={`${v.engine}::${v.voice}`} value={`${v.engine}::${v.voice}`}>
                  {v.name} — {v.engine}{v.language ? ` (${v.language})` : ""}
                </option>
              ))}
            </select>
            <button type="button" className="btn" disabled={!chosen || loading} onClick={() => void listen()}
              aria-label={chosen ? `Listen to ${chosen.name}` : "Listen to the chosen voice"}>
              <Icon name="play" /> {loading ? "Preparing…" : "Listen"}
            </button>
          </div>
        )}
      </Field>
      {chosen?.description && <span className="faint">{chosen.description}</span>}
      {sample && sample.key === key && chosen && (
        <AudioPlayer key={sample.url} src={sample.url} label={`the ${chosen.name} sample`} compact autoPlay />
      )}
      {missing ? <ModelNeeded need={missing} onReady={() => void listen()} />
        : failure !== null && <ErrorNotice error={failure} title="Cannot play a sample of this voice" />}
    </div>
  );
}
