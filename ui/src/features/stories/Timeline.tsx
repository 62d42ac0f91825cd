import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, errorMessage, request } from "../../api/client";
import { useUi } from "../../store/ui";
import type { Clip, ClipPatch, StoryDetail, Track } from "./api";
import { ClipWave } from "./ClipWave";
import { Transcript } from "./Transcript";
import { EditStack, deleteClip, duplicateClip, patchClip, patchTrack, snap, splitClip, visibleLength, type StoryApi } from "./edits";
import { StoryExport } from "./Export";

/** The app's API client, plus reading a clip's audio (kept so an undone delete can re-upload it). */
const storyApi: StoryApi = { ...api, blob: async (url) => (await request<Response>("GET", url, { raw: true })).blob() };

const SNAP_PX = 8;
type Drag = { clipId: number; kind: "move" | "trim-start" | "trim-end"; x0: number; dx: number };

function preview(clip: Clip, drag: Drag | null, zoom: number, edges: number[]): ClipPatch {
  if (!drag || drag.clipId !== clip.id) return {};
  const ds = drag.dx / zoom;
  const tolerance = SNAP_PX / zoom;
  if (drag.kind === "move") {
    const start = Math.max(0, clip.start + ds);
    const end = snap(start + visibleLength(clip), edges, tolerance);
    const snapped = snap(start, edges, tolerance);
    return { start: snapped !== start ? snapped : Math.max(0, end - visibleLength(clip)) };
  }
  const length = visibleLength(clip);
  if (drag.kind === "trim-start") {
    const d = Math.min(Math.max(ds, -clip.trim_start, -clip.start), length - 0.05);
    const start = snap(clip.start + d, edges, tolerance);
    const real = start - clip.start;
    return { start, trim_start: clip.trim_start + real };
  }
  const d = Math.max(Math.min(ds, clip.trim_end), -(length - 0.05));
  const end = snap(clip.start + length + d, edges, tolerance);
  return { trim_end: Math.max(0, clip.trim_end - (end - clip.start - length)) };
}

/** `onChanged` reloads the story; the promise settles once the reloaded story is shown. */
export function Timeline({ story, onChanged }: { story: StoryDetail; onChanged: () => Promise<unknown> }) {
  const toast = useUi((s) => s.toast);
  const [zoom, setZoom] = useState(80);
  const [drag, setDrag] = useState<Drag | null>(null);
  /** A dropped clip's new place, shown until the saved story arrives (no snap back meanwhile). */
  const [dropped, setDropped] = useState<{ clipId: number; patch: ClipPatch } | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [playhead, setPlayhead] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [, bump] = useState(0);
  const stack = useRef(new EditStack(storyApi));
  const chain = useRef(Promise.resolve());
  const audio = useRef<HTMLAudioElement>(null);
  const length = Math.max(10, ...story.clips.map((c) => c.start + visibleLength(c) + 2));
  const mixUrl = `/stories/${story.id}/audio?v=${encodeURIComponent(story.updated_at)}`;

  /** Run a command through the undo stack (or undo/redo one), then reload the story. */
  const perform = useCallback(
    (step: (stack: EditStack) => Promise<unknown>) => {
      // One at a time, in the order asked (a held Ctrl+Z must not race its own steps).
      chain.current = chain.current.then(async () => {
        try {
          await step(stack.current);
        } catch (err) {
          toast(errorMessage(err), "error");
        }
        bump((n) => n + 1);
        await onChanged();
      });
      return chain.current;
    },
    [onChanged, toast],
  );

  const edit = useCallback(
    async (clip: Clip, after: ClipPatch) => {
      if (!Object.keys(after).length) return;
      await perform((s) => s.exec(patchClip(story.id, clip, after)));
    },
    [perform, story.id],
  );

  const replay = useCallback((which: "undo" | "redo") => perform((s) => (which === "undo" ? s.undo() : s.redo())), [perform]);

  const edges = useMemo(
    () => story.clips.filter((c) => c.id !== drag?.clipId).flatMap((c) => [c.start, c.start + visibleLength(c)]).concat([playhead]),
    [story.clips, drag?.clipId, playhead],
  );

  const split = useCallback(async () => {
    const clip = story.clips.find((c) => c.id === selected);
    if (clip) await perform((s) => s.exec(splitClip(story.id, clip, playhead)));
  }, [story, selected, playhead, perform]);

  const duplicate = useCallback((clip: Clip) => perform((s) => s.exec(duplicateClip(story.id, clip))), [story.id, perform]);

  const remove = useCallback(async () => {
    const clip = story.clips.find((c) => c.id === selected);
    if (!clip) return;
    setSelected(null);
    await perform((s) => s.exec(deleteClip(story.id, clip)));
  }, [story, selected, perform]);

  const selectedClip = story.clips.find((c) => c.id === selected);
  const seek = useCallback((t: number) => {
    setPlayhead(t);
    if (audio.current && !audio.current.paused) audio.current.currentTime = t;
  }, []);

  const toggle = useCallback(() => {
    const el = audio.current;
    if (!el) return;
    if (el.paused) {
      el.currentTime = playhead;
      void el.play().catch((err) => toast(errorMessage(err), "error"));
    } else el.pause();
  }, [playhead, toast]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === "z") {
        e.preventDefault();
        void replay(e.shiftKey ? "redo" : "undo");
      } else if (mod && e.key.toLowerCase() === "y") {
        e.preventDefault();
        void replay("redo");
      } else if (e.key === " ") {
        e.preventDefault();
        toggle();
      } else if (e.key.toLowerCase() === "s" && !mod) void split();
      else if (e.key === "Delete" || e.key === "Backspace") void remove();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [replay, toggle, split, remove]);

  useEffect(() => {
    if (!playing) return;
    let frame = 0;
    const tick = () => {
      if (audio.current) setPlayhead(audio.current.currentTime);
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [playing]);

  const down = (clip: Clip, kind: Drag["kind"]) => (e: React.PointerEvent) => {
    e.stopPropagation();
    (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
    setSelected(clip.id);
    setDrag({ clipId: clip.id, kind, x0: e.clientX, dx: 0 });
  };
  const move = (e: React.PointerEvent) => {
    if (drag) setDrag({ ...drag, dx: e.clientX - drag.x0 });
  };
  const up = () => {
    if (!drag) return;
    const clip = story.clips.find((c) => c.id === drag.clipId);
    setDrag(null);
    if (!clip || Math.abs(drag.dx) < 2) return;
    const patch = preview(clip, drag, zoom, edges);
    setDropped({ clipId: clip.id, patch });
    void edit(clip, patch).finally(() => setDropped(null));
  };

  const setTrack = (track: Track, patch: { muted?: boolean; solo?: boolean }) => void perform((s) => s.exec(patchTrack(story.id, track, patch)));

  return (
    <section className="story-editor" aria-label="Timeline">
      <div className="story-toolbar">
        <button type="button" className="btn" onClick={toggle} aria-label={playing ? "Pause" : "Play from the playhead"}>
          {playing ? "Pause" : "Play"}
        </button>
        <button type="button" className="btn" onClick={() => void replay("undo")} disabled={!stack.current.canUndo}>
          Undo
        </button>
        <button type="button" className="btn" onClick={() => void replay("redo")} disabled={!stack.current.canRedo}>
          Redo
        </button>
        <button type="button" className="btn" onClick={() => void split()} disabled={selected === null}>
          Split at playhead
        </button>
        <label className="story-zoom">
          Zoom
          <input type="range" min={20} max={400} value={zoom} onChange={(e) => setZoom(Number(e.target.value))} />
        </label>
        <span className="story-time" data-testid="playhead">{playhead.toFixed(2)} s</span>
        <StoryExport storyId={story.id} />
        <a className="btn" href={`/stories/${story.id}/captions?format=srt`} download={`story-${story.id}.srt`}>
          Captions (SRT)
        </a>
        <a className="btn" href={`/stories/${story.id}/captions?format=vtt`} download={`story-${story.id}.vtt`}>
          Captions (VTT)
        </a>
      </div>
      <audio
        ref={audio}
        src={mixUrl}
        preload="none"
        onPlay={() => setPlaying(true)}
        onPause={() => setPlaying(false)}
        onEnded={() => setPlaying(false)}
        data-testid="mix"
      >
        <track kind="captions" srcLang="en" label="Captions" src={`/stories/${story.id}/captions?format=vtt&v=${encodeURIComponent(story.updated_at)}`} />
      </audio>
      <div className="story-scroll" onPointerMove={move} onPointerUp={up}>
        <div
          className="story-ruler"
          style={{ width: length * zoom }}
          role="slider"
          tabIndex={0}
          aria-label="Playhead"
          aria-valuemin={0}
          aria-valuemax={Math.round(length)}
          aria-valuenow={Math.round(playhead * 100) / 100}
          onClick={(e) => setPlayhead(Math.max(0, (e.clientX - e.currentTarget.getBoundingClientRect().left) / zoom))}
          onKeyDown={(e) => {
            if (e.key === "ArrowRight") setPlayhead((p) => p + 0.5);
            if (e.key === "ArrowLeft") setPlayhead((p) => Math.max(0, p - 0.5));
          }}
        >
          {Array.from({ length: Math.ceil(length) }, (_, s) => (
            <span key={s} className="story-tick" style={{ left: s * zoom }}>
              {s % 5 === 0 ? `${s}s` : ""}
            </span>
          ))}
        </div>
        {story.tracks.map((track) => (
          <div key={track.id} className="story-track" data-testid="track">
            <div className="story-track-head">
              <span>{track.name}</span>
              <button type="button" className="btn btn-small" aria-pressed={track.muted} onClick={() => setTrack(track, { muted: !track.muted })}>
                Mute
              </button>
              <button type="button" className="btn btn-small" aria-pressed={track.solo} onClick={() => setTrack(track, { solo: !track.solo })}>
                Solo
              </button>
            </div>
            <div className="story-lane" style={{ width: length * zoom }}>
              {story.clips
                .filter((c) => c.track_id === track.id)
                .map((clip) => {
                  const held = dropped?.clipId === clip.id ? dropped.patch : {};
                  const shown = { ...clip, ...held, ...preview(clip, drag, zoom, edges) } as Clip;
                  return (
                    <div
                      key={clip.id}
                      className={`story-clip${selected === clip.id ? " is-selected" : ""}${clip.muted ? " is-muted" : ""}`}
                      style={{ left: shown.start * zoom, width: Math.max(4, visibleLength(shown) * zoom) }}
                      data-testid="clip"
                      data-clip-id={clip.id}
                      data-start={shown.start}
                      data-trim-start={shown.trim_start}
                      data-trim-end={shown.trim_end}
                      title={clip.label}
                      onPointerDown={down(clip, "move")}
                    >
                      <div className="story-clip-inner" style={{ marginLeft: -shown.trim_start * zoom }}>
                        {clip.status === "completed" || clip.status === null ? (
                          <ClipWave url={clip.audio_url} width={(clip.duration ?? 0) * zoom} />
                        ) : (
                          <span className="story-pending">{clip.status}…</span>
                        )}
                      </div>
                      <span className="story-clip-label">{clip.label}</span>
                      <span className="story-handle story-handle-start" data-testid="trim-start" onPointerDown={down(clip, "trim-start")} />
                      <span className="story-handle story-handle-end" data-testid="trim-end" onPointerDown={down(clip, "trim-end")} />
                    </div>
                  );
                })}
            </div>
          </div>
        ))}
        <div className="story-cursor" style={{ left: playhead * zoom }} aria-hidden="true" data-testid="cursor" />
      </div>
      {selectedClip && (
        <fieldset className="card story-inspector" aria-label="Selected clip">
          <legend>Clip: {selectedClip.label.slice(0, 60)}</legend>
          {(
            [
              ["gain_db", "Gain (dB)", -60, 24, 0.5],
              ["fade_in", "Fade in (s)", 0, 10, 0.05],
              ["fade_out", "Fade out (s)", 0, 10, 0.05],
            ] as const
          ).map(([key, label, min, max, step]) => (
            <label key={key} className="field">
              <span className="label">{label}</span>
              <input
                className="input"
                type="number"
                min={min}
                max={max}
                step={step}
                defaultValue={selectedClip[key]}
                key={`${selectedClip.id}-${selectedClip[key]}`}
                onBlur={(e) => {
                  const value = Number(e.target.value);
                  if (Number.isFinite(value) && value !== selectedClip[key]) void edit(selectedClip, { [key]: value });
                }}
              />
            </label>
          ))}
          <label className="field story-check">
            <input type="checkbox" checked={selectedClip.muted} onChange={(e) => void edit(selectedClip, { muted: e.target.checked })} />
            <span>Muted</span>
          </label>
          <button type="button" className="btn" onClick={() => void duplicate(selectedClip)}>
            Duplicate
          </button>
        </fieldset>
      )}
      {selectedClip && <Transcript storyId={story.id} clip={selectedClip} playhead={playhead} onSeek={seek} onChanged={onChanged} />}
    </section>
  );
}
