import { useEffect, useRef, useState } from "react";
import { Icon } from "../../components/Icon";
import { micErrorMessage } from "../../lib/audioFile";
import { formatDuration } from "../../lib/format";

const MAX_SECONDS = 30;

/** Record from the microphone with MediaRecorder; stops by itself at 30 s. */
export function MicRecorder({ onRecorded }: { onRecorded: (f: File) => void }) {
  const [recording, setRecording] = useState(false);
  const [elapsed, setElapsed] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const recorder = useRef<MediaRecorder | null>(null);
  const timer = useRef<ReturnType<typeof setInterval> | undefined>(undefined);

  useEffect(() => () => {
    clearInterval(timer.current);
    recorder.current?.stream.getTracks().forEach((t) => t.stop());
  }, []);

  const stop = () => {
    clearInterval(timer.current);
    if (recorder.current?.state === "recording") recorder.current.stop();
  };
  const start = async () => {
    setError(null);
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
      setError("This browser cannot record audio here. Upload a file instead.");
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const rec = new MediaRecorder(stream);
      const chunks: Blob[] = [];
      rec.ondataavailable = (e) => chunks.push(e.data);
      rec.onstop = () => {
        stream.getTracks().forEach((t) => t.stop());
        setRecording(false);
        const type = rec.mimeType || "audio/webm";
        const ext = type.includes("ogg") ? "ogg" : type.includes("mp4") ? "m4a" : "webm";
        onRecorded(new File(chunks, `recording-${new Date().toISOString().slice(11, 19).replace(/:/g, "")}.${ext}`, { type }));
      };
      recorder.current = rec;
      rec.start();
      setRecording(true);
      setElapsed(0);
      const t0 = Date.now();
      timer.current = setInterval(() => {
        const s = (Date.now() - t0) / 1000;
        setElapsed(s);
        if (s >= MAX_SECONDS) stop();
      }, 200);
    } catch (e) {
      setError(micErrorMessage(e));
    }
  };

  return (
    <>
      {recording ? (
        <button type="button" className="btn btn-sm btn-danger" onClick={stop} aria-label="Stop recording">
          <span className="rec-dot" aria-hidden="true" /> Stop · {formatDuration(elapsed)}
        </button>
      ) : (
        <button type="button" className="btn btn-sm" onClick={() => void start()}>
          <Icon name="mic" /> Record
        </button>
      )}
      {error && <span className="field-error" role="alert" style={{ flexBasis: "100%" }}>{error}</span>}
    </>
  );
}
