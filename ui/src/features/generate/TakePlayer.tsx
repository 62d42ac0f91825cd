// One player per generation: while the take is made it plays the streamed pieces as they
// arrive (pause, stop, seek within what has arrived, a waveform that grows); once the take is
// finished the finished clip takes over at the same position, and the streamed copy stops.
import { useEffect, useReducer, useRef, type KeyboardEvent, type MouseEvent } from "react";
import { generationAudioUrl } from "../../api/generations";
import { onPieces } from "../../api/pieces";
import { FINAL_STATUSES, type Generation } from "../../api/types";
import { AudioPlayer } from "../../components/AudioPlayer";
import { ProgressBar } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { formatDuration } from "../../lib/format";
import { audioContext, claimPlayback, releasePlayback, somethingPlays } from "../../lib/playback";
import { LiveTimeline } from "./liveTimeline";

/** Characters of English speech per second of audio, to estimate how much text is done. */
const CHARS_PER_SECOND = 15;
const BAR_PX = 3;

/** How much of the text the audio so far covers (an estimate from its length), 0..0.99. */
export function textShareDone(audioSeconds: number, textLength: number): number {
  if (textLength <= 0) return 0;
  return Math.min(0.99, (audioSeconds * CHARS_PER_SECOND) / textLength);
}

function since(iso: string | null | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : Math.max(0, (Date.now() - t) / 1000);
}

function LiveWave({ line }: { line: LiveTimeline }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const pos = line.position();
  const n = line.peaks.length;
  useEffect(() => {
    const c = canvas.current;
    const g = c?.getContext("2d");
    if (!c || !g) return;
    const w = c.clientWidth;
    const h = c.clientHeight;
    c.width = w * devicePixelRatio;
    c.height = h * devicePixelRatio;
    g.scale(devicePixelRatio, devicePixelRatio);
    const styles = getComputedStyle(document.documentElement);
    const wave = styles.getPropertyValue("--wave").trim() || "#b9b9d6";
    const accent = styles.getPropertyValue("--accent").trim() || "#5b5bd6";
    const cols = Math.max(1, Math.min(n, Math.floor(w / BAR_PX)));
    const per = n / cols;
    const played = line.arrived > 0 ? (pos / line.arrived) * cols : 0;
    for (let c2 = 0; c2 < cols; c2++) {
      let m = 0;
      for (let k = Math.floor(c2 * per); k < Math.min(n, Math.floor((c2 + 1) * per) || 1); k++) m = Math.max(m, line.peaks[k] ?? 0);
      const bar = Math.max(2, m * h);
      g.fillStyle = c2 < played ? accent : wave;
      g.fillRect(c2 * BAR_PX, (h - bar) / 2, BAR_PX - 1, bar);
    }
  }, [n, pos, line]);
  /** The waveform is drawn at BAR_PX per bar until it fills the width, then squeezed. */
  const seconds = (x: number, width: number) => {
    const drawn = Math.min(width, Math.max(1, Math.min(n, Math.floor(width / BAR_PX)) * BAR_PX));
    return (Math.min(x, drawn) / drawn) * line.arrived;
  };
  const onClick = (e: MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    line.seek(seconds(e.clientX - r.left, r.width));
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "ArrowRight") line.seek(pos + 5);
    else if (e.key === "ArrowLeft") line.seek(pos - 5);
    else return;
    e.preventDefault();
  };
  return (
    <canvas ref={canvas} className="live-wave" role="slider" tabIndex={0} aria-label="Position in the take so far"
      aria-valuemin={0} aria-valuemax={Math.round(line.arrived)} aria-valuenow={Math.round(pos)}
      aria-valuetext={`${formatDuration(pos)} of ${formatDuration(line.arrived)} so far`}
      onClick={onClick} onKeyDown={onKey} data-peaks={n} />
  );
}

function play(l: LiveTimeline): void {
  claimPlayback(l, () => {
    l.pause();
    releasePlayback(l);
  });
  l.play();
}

function pause(l: LiveTimeline): void {
  l.pause();
  releasePlayback(l);
}

function stop(l: LiveTimeline): void {
  l.stop();
  releasePlayback(l);
}

export function TakePlayer({ g }: { g: Generation }) {
  const [, redraw] = useReducer((x: number) => x + 1, 0);
  const line = useRef<LiveTimeline | null>(null);
  const autoplay = useRef(false);
  const final = FINAL_STATUSES.includes(g.status);
  const label = `generation ${g.id}`;

  // Streamed pieces of this take, while it is made.
  useEffect(() => {
    if (final) return;
    return onPieces((piece) => {
      if (piece.generation_id !== g.id) return;
      if (!line.current) {
        const ctx = audioContext();
        if (!ctx) return;
        line.current = new LiveTimeline(ctx, redraw);
        autoplay.current = !somethingPlays(); // the first take plays by itself; later ones wait
      }
      const l = line.current;
      l.add(piece)
        .then(() => {
          if (!autoplay.current || l.arrived <= 0) return;
          autoplay.current = false;
          play(l);
        })
        .catch(() => undefined); // an undecodable piece is skipped
    });
  }, [g.id, final]);

  // Leaving the page (or clearing the list) stops the streamed copy.
  useEffect(() => () => {
    const l = line.current;
    if (l) releasePlayback(l);
    l?.dispose();
  }, []);

  // A failed or cancelled take stops; a clock ticks while work runs or audio plays.
  useEffect(() => {
    if (final && g.status !== "completed") {
      line.current?.stop();
      if (line.current) releasePlayback(line.current);
    }
  }, [final, g.status]);
  const ticking = !final || Boolean(line.current?.playing);
  useEffect(() => {
    if (!ticking) return;
    const t = setInterval(redraw, 200);
    return () => clearInterval(t);
  }, [ticking]);

  /** The finished clip is ready: it starts where the stream is, and the stream stops. */
  const takeOver = () => {
    const l = line.current;
    line.current = null;
    if (!l) return { at: 0, play: false };
    const ended = l.position() >= l.arrived - 0.05;
    const out = { at: ended ? 0 : l.position(), play: l.playing && !ended };
    releasePlayback(l);
    l.dispose();
    return out;
  };

  if (g.status === "completed" && g.audio_url) {
    return <AudioPlayer src={generationAudioUrl(g)} label={label} takeOver={takeOver} stoppable />;
  }
  const l = line.current;
  if (final) return null;
  const elapsed = since(g.started_at ?? g.created_at);
  const share = l ? textShareDone(l.arrived, g.text.length) : null;
  return (
    <div className="stack" style={{ gap: 8 }} data-testid="take-progress">
      {l && l.arrived > 0 && (
        <div className="player" data-ready="true" data-playing={l.playing} data-live="true">
          <button type="button" className="btn btn-primary btn-icon" aria-label={`${l.playing ? "Pause" : "Play"} ${label}`} aria-pressed={l.playing}
            onClick={() => (l.playing ? pause(l) : play(l))}>
            <Icon name={l.playing ? "pause" : "play"} filled />
          </button>
          <button type="button" className="btn btn-icon" aria-label={`Stop ${label}`} onClick={() => stop(l)}>
            <Icon name="stop" filled />
          </button>
          <LiveWave line={l} />
          <span className="mono faint" aria-hidden="true">{formatDuration(l.position())} / {formatDuration(l.arrived)}</span>
        </div>
      )}
      <ProgressBar value={share === null ? null : share * 100} label={`Progress of ${label}`} />
      <span className="faint" aria-live="off">
        {g.status === "queued" ? "Waiting in the queue" : "Working"} · {formatDuration(elapsed)} elapsed
        {share !== null && ` · about ${Math.round(share * 100)} % of the text spoken · ${formatDuration(l?.arrived)} of audio so far`}
      </span>
    </div>
  );
}
