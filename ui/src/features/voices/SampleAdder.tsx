import { useEffect, useRef, useState, type DragEvent } from "react";
import { ApiError } from "../../api/client";
import { transcribeBlob, useAddSample } from "../../api/profiles";
import { AudioPlayer } from "../../components/AudioPlayer";
import { ErrorNotice, Notice } from "../../components/Feedback";
import { Field } from "../../components/Field";
import { Icon } from "../../components/Icon";
import { decodeProblem, SAMPLE_FORMATS, typeProblem } from "../../lib/audioFile";
import { useUi } from "../../store/ui";
import { MicRecorder } from "./MicRecorder";

const ACCEPT = "audio/*,video/*,.wav,.flac,.ogg,.mp3,.m4a,.webm,.mp4";

/** Pick a clip (drop, browse or record), preview it, give its transcript, upload it. */
export function SampleAdder({ profileId }: { profileId: number }) {
  const [clip, setClip] = useState<File | null>(null);
  const [url, setUrl] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [drag, setDrag] = useState(false);
  const [transcribing, setTranscribing] = useState(false);
  const [transcribeError, setTranscribeError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const editor = useRef<HTMLDivElement>(null);
  const add = useAddSample(profileId);
  const toast = useUi((s) => s.toast);

  useEffect(() => {
    if (!clip) return setUrl(null);
    const u = URL.createObjectURL(clip);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [clip]);

  // What the browser knows already: a file that is not audio cannot be added.
  useEffect(() => {
    setProblem(clip ? typeProblem(clip) : null);
    if (!clip || typeProblem(clip)) return;
    let current = true;
    void decodeProblem(clip).then((p) => {
      if (current) setProblem(p);
    });
    return () => {
      current = false;
    };
  }, [clip]);

  // The editor opens below the drop zone: bring it into view (the page scrolls, not the shell).
  useEffect(() => {
    const el = editor.current;
    if (!url || !el || typeof window.scrollBy !== "function") return;
    const below = el.getBoundingClientRect().bottom - window.innerHeight;
    if (below > 0) window.scrollBy({ top: below + 16 });
  }, [url]);

  const choose = (f: File | undefined | null) => {
    if (!f) return;
    add.reset();
    setTranscribeError(null);
    setClip(f);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDrag(false);
    choose(e.dataTransfer.files[0]);
  };
  const transcribe = async () => {
    if (!clip) return;
    setTranscribing(true);
    setTranscribeError(null);
    try {
      setText((await transcribeBlob(clip)).text.trim());
    } catch (err) {
      setTranscribeError(err);
    } finally {
      setTranscribing(false);
    }
  };
  const upload = () => {
    if (!clip) return;
    add.mutate(
      { file: clip, referenceText: text },
      {
        onSuccess: () => {
          toast("Sample added", "success");
          setClip(null);
          setText("");
          if (input.current) input.current.value = "";
        },
      },
    );
  };
  const uploadError = add.error instanceof ApiError || add.error instanceof Error ? add.error : null;

  return (
    <div className="stack" aria-label="Add a sample" role="group">
      <div className="dropzone" data-active={drag} onDragOver={(e) => { e.preventDefault(); setDrag(true); }}
        onDragLeave={() => setDrag(false)} onDrop={onDrop} data-testid="dropzone">
        <Icon name="upload" />
        <div>
          <strong>Drop an audio file here</strong>
          <div className="faint">{SAMPLE_FORMATS}</div>
        </div>
        <div className="row" style={{ justifyContent: "center" }}>
          <button type="button" className="btn btn-sm" onClick={() => input.current?.click()}>Browse…</button>
          <MicRecorder onRecorded={choose} />
        </div>
        <input ref={input} type="file" accept={ACCEPT} className="sr-only" aria-label="Audio file for a new sample" tabIndex={-1}
          onChange={(e) => choose(e.target.files?.[0])} />
      </div>
      {clip && url && (
        <div className="stack" style={{ gap: 8 }} ref={editor}>
          <div className="row-between">
            <span className="faint">New sample: {clip.name}</span>
            <button type="button" className="btn btn-sm btn-ghost" onClick={() => { setClip(null); add.reset(); }}>Discard</button>
          </div>
          {problem ? <Notice kind="error" title="This file cannot be a sample">{problem}</Notice> : <AudioPlayer src={url} label="new sample" compact />}
          <Field label="Transcript of the new sample" hint="Leave empty and click Transcribe to fill it in.">
            {(p) => (
              <textarea {...p} className="textarea" rows={2} value={text} maxLength={5000} onChange={(e) => setText(e.target.value)} />
            )}
          </Field>
          {transcribeError !== null && <ErrorNotice error={transcribeError} title="Transcription failed" />}
          {uploadError && <ErrorNotice error={uploadError} title="The server refused this sample" />}
          <div className="row" style={{ justifyContent: "flex-end" }}>
            <button type="button" className="btn btn-sm" onClick={() => void transcribe()} disabled={transcribing || problem !== null}>
              <Icon name="text" /> {transcribing ? "Transcribing…" : "Transcribe"}
            </button>
            <button type="button" className="btn btn-sm btn-primary" onClick={upload} disabled={add.isPending || problem !== null}
              title={problem ?? undefined}>
              {add.isPending ? "Uploading…" : "Add sample"}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
