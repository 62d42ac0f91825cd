import { useState } from "react";
import { sampleAudioUrl, useDeleteSample, useTranscribeSample, useUpdateSample } from "../../api/profiles";
import type { Sample } from "../../api/types";
import { AudioPlayer } from "../../components/AudioPlayer";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorNotice } from "../../components/Feedback";
import { Field } from "../../components/Field";
import { Icon } from "../../components/Icon";
import { useUi } from "../../store/ui";

export function SampleCard({ profileId, sample, index }: { profileId: number; sample: Sample; index: number }) {
  const [text, setText] = useState(sample.reference_text);
  const [confirm, setConfirm] = useState(false);
  const update = useUpdateSample(profileId);
  const transcribe = useTranscribeSample(profileId);
  const del = useDeleteSample(profileId);
  const toast = useUi((s) => s.toast);
  const dirty = text.trim() !== sample.reference_text.trim();
  const label = `sample ${index}`;

  return (
    <div className="stack" style={{ gap: 8, padding: 12, border: "1px solid var(--border)", borderRadius: "var(--radius)" }} data-testid="sample">
      <div className="row-between">
        <strong>Sample {index}</strong>
        <span className="faint">
          {sample.duration.toFixed(1)} s · {Math.round(sample.sample_rate / 1000)} kHz · {sample.original_format}
        </span>
      </div>
      <AudioPlayer src={sample.audio_url ?? sampleAudioUrl(profileId, sample.id)} label={label} compact />
      <Field label={`Transcript of ${label}`} error={update.error?.message}>
        {(p) => (
          <textarea {...p} className="textarea" rows={2} value={text} maxLength={5000}
            placeholder="Type exactly what is said, or click Transcribe."
            onChange={(e) => setText(e.target.value)} />
        )}
      </Field>
      {transcribe.isError && <ErrorNotice error={transcribe.error} title="Transcription failed" />}
      <div className="row" style={{ justifyContent: "flex-end" }}>
        <button type="button" className="btn btn-sm btn-danger" onClick={() => setConfirm(true)} aria-label={`Delete ${label}`}>
          <Icon name="trash" /> Delete
        </button>
        <span className="grow" />
        <button type="button" className="btn btn-sm" disabled={transcribe.isPending}
          onClick={() => transcribe.mutate(sample, { onSuccess: (t) => { setText(t); toast("Transcribed", "success"); } })}>
          <Icon name="text" /> {transcribe.isPending ? "Transcribing…" : "Transcribe"}
        </button>
        <button type="button" className="btn btn-sm btn-primary" disabled={!dirty || update.isPending}
          onClick={() => update.mutate({ sampleId: sample.id, referenceText: text }, { onSuccess: () => toast("Transcript saved", "success") })}>
          {update.isPending ? "Saving…" : "Save transcript"}
        </button>
      </div>
      <ConfirmDialog open={confirm} title={`Delete ${label}?`} message="The audio file is removed from this voice."
        busy={del.isPending} onCancel={() => setConfirm(false)}
        onConfirm={() => del.mutate(sample.id, { onSettled: () => setConfirm(false), onError: (e) => toast(e.message, "error") })} />
    </div>
  );
}
