// Export of the whole story: the server renders the mix and reports `story_render` progress
// events (0-1) on the app's event stream, shown here as a progress bar while the file is made.
import { useState } from "react";
import { errorMessage, request } from "../../api/client";
import { EVENTS_URL } from "../../api/events";
import { useUi } from "../../store/ui";

const FORMATS = ["mp3", "wav", "flac", "opus"] as const;
type Format = (typeof FORMATS)[number];

/** The progress (0-1) an event reports for `storyId`, or null when it is about something else. */
export function renderProgress(data: string, storyId: number): number | null {
  try {
    const e = JSON.parse(data) as { type?: unknown; story_id?: unknown; progress?: unknown };
    if (e.type === "story_render" && e.story_id === storyId && typeof e.progress === "number") return Math.min(1, Math.max(0, e.progress));
  } catch {
    // A keep-alive or another kind of line.
  }
  return null;
}

function save(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function StoryExport({ storyId }: { storyId: number }) {
  const toast = useUi((s) => s.toast);
  const [format, setFormat] = useState<Format>("mp3");
  const [progress, setProgress] = useState<number | null>(null);

  const run = async () => {
    setProgress(0);
    const source = typeof EventSource === "undefined" ? null : new EventSource(EVENTS_URL);
    const onEvent = (e: MessageEvent<string>) => {
      const p = renderProgress(e.data, storyId);
      if (p !== null) setProgress(p);
    };
    if (source) {
      source.addEventListener("story_render", onEvent);
      source.onmessage = onEvent;
      // Listen before the render starts, so its first events are not missed.
      await new Promise<void>((res) => {
        source.onopen = () => res();
        source.onerror = () => res();
      });
    }
    try {
      const res = await request<Response>("GET", `/stories/${storyId}/audio`, { query: { format }, raw: true });
      save(await res.blob(), `story-${storyId}.${format === "opus" ? "ogg" : format}`);
    } catch (err) {
      toast(errorMessage(err), "error");
    } finally {
      source?.close();
      setProgress(null);
    }
  };

  return (
    <span className="story-export">
      <label className="story-zoom">
        Format
        <select className="select" value={format} onChange={(e) => setFormat(e.target.value as Format)} disabled={progress !== null}>
          {FORMATS.map((f) => (
            <option key={f} value={f}>
              {f.toUpperCase()}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="btn" onClick={() => void run()} disabled={progress !== null}>
        {progress === null ? "Export audio" : "Rendering…"}
      </button>
      {progress !== null && (
        <div
          className="progress story-progress"
          role="progressbar"
          aria-label="Rendering the mix"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(progress * 100)}
          data-testid="render-progress"
        >
          <div style={{ width: `${progress * 100}%` }} />
        </div>
      )}
    </span>
  );
}
