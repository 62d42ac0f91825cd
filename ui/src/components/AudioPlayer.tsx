import { useEffect, useRef, useState, type MutableRefObject } from "react";
import type WaveSurfer from "wavesurfer.js";
import { formatDuration } from "../lib/format";
import { claimPlayback, releasePlayback } from "../lib/playback";
import { Icon } from "./Icon";

function cssVar(name: string, fallback: string): string {
  if (typeof window === "undefined") return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/**
 * Playback with a waveform (wavesurfer.js, loaded on first use so it stays out of the
 * initial bundle). Space/Enter on the play button, arrow keys on the waveform seek 5 s.
 * Starting it pauses any other player of the page. `takeOver` is asked, once the clip is
 * ready, where to start and whether to play (a streamed take handing over to its finished clip).
 */
export function AudioPlayer({
  src,
  label,
  compact = false,
  autoPlay = false,
  takeOver,
  stoppable = false,
  onTime,
  seekRef,
}: {
  src: string;
  label: string;
  compact?: boolean;
  autoPlay?: boolean;
  takeOver?: () => { at: number; play: boolean };
  /** Offer a Stop button (pause and back to the start). */
  stoppable?: boolean;
  /** Told the playback position (seconds) whenever it moves. */
  onTime?: (t: number) => void;
  /** Filled with a function that moves playback to a time (seconds), once the clip is ready. */
  seekRef?: MutableRefObject<((t: number) => void) | null>;
}) {
  const container = useRef<HTMLDivElement>(null);
  const ws = useRef<WaveSurfer | null>(null);
  const [playing, setPlaying] = useState(false);
  const [ready, setReady] = useState(false);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const handOver = useRef(takeOver);
  handOver.current = takeOver;
  const timeListener = useRef(onTime);
  timeListener.current = onTime;
  const seeker = useRef(seekRef);
  seeker.current = seekRef;

  useEffect(() => {
    let cancelled = false;
    let instance: WaveSurfer | null = null;
    setReady(false);
    setError(null);
    setPlaying(false);
    import("wavesurfer.js")
      .then(({ default: WS }) => {
        if (cancelled || !container.current) return;
        instance = WS.create({
          container: container.current,
          url: src,
          height: compact ? 32 : 56,
          waveColor: cssVar("--wave", "#b9b9d6"),
          progressColor: cssVar("--accent", "#5b5bd6"),
          cursorColor: cssVar("--accent", "#5b5bd6"),
          barWidth: 2,
          barGap: 1.5,
          barRadius: 2,
          normalize: true,
          dragToSeek: true,
        });
        ws.current = instance;
        const owner = instance;
        instance.on("ready", (d: number) => {
          setDuration(d);
          setReady(true);
          if (seeker.current) seeker.current.current = (t: number) => instance?.setTime(t);
          const from = handOver.current?.() ?? { at: 0, play: autoPlay };
          if (from.at > 0 && from.at < d) instance?.setTime(from.at);
          if (from.play) void instance?.play();
        });
        instance.on("timeupdate", (t: number) => {
          setTime(t);
          timeListener.current?.(t);
        });
        instance.on("play", () => {
          claimPlayback(owner, () => owner.pause());
          setPlaying(true);
        });
        instance.on("pause", () => {
          releasePlayback(owner);
          setPlaying(false);
        });
        instance.on("finish", () => {
          releasePlayback(owner);
          setPlaying(false);
        });
        instance.on("error", () => setError("This audio cannot be played: the file is missing or not in a format the browser can read."));
      })
      .catch(() => setError("The player could not start; reload the page."));
    return () => {
      cancelled = true;
      if (instance) releasePlayback(instance);
      instance?.destroy();
      ws.current = null;
      if (seeker.current) seeker.current.current = null;
    };
  }, [src, compact, autoPlay]);

  const toggle = () => {
    void ws.current?.playPause();
  };
  const stop = () => {
    ws.current?.stop();
    setTime(0);
  };
  const seekBy = (delta: number) => {
    const w = ws.current;
    if (!w) return;
    w.setTime(Math.max(0, Math.min(w.getDuration(), w.getCurrentTime() + delta)));
  };

  return (
    <div className="player" data-ready={ready} data-playing={playing}>
      <button
        type="button"
        className="btn btn-primary btn-icon"
        onClick={toggle}
        disabled={!ready}
        aria-label={`${playing ? "Pause" : "Play"} ${label}`}
        aria-pressed={playing}
      >
        <Icon name={playing ? "pause" : "play"} filled />
      </button>
      {stoppable && (
        <button type="button" className="btn btn-icon" onClick={stop} disabled={!ready} aria-label={`Stop ${label}`}>
          <Icon name="stop" filled />
        </button>
      )}
      <div
        ref={container}
        className="waveform"
        role="slider"
        tabIndex={0}
        aria-label={`Position in ${label}`}
        aria-valuemin={0}
        aria-valuemax={Math.round(duration)}
        aria-valuenow={Math.round(time)}
        aria-valuetext={`${formatDuration(time)} of ${formatDuration(duration)}`}
        onKeyDown={(e) => {
          if (e.key === "ArrowRight") seekBy(5);
          else if (e.key === "ArrowLeft") seekBy(-5);
          else if (e.key === " ") {
            e.preventDefault();
            toggle();
          } else return;
          e.preventDefault();
        }}
      />
      {error ? (
        <span className="field-error">{error}</span>
      ) : (
        <span className="mono faint" aria-hidden="true">
          {formatDuration(time)} / {formatDuration(duration)}
        </span>
      )}
    </div>
  );
}
