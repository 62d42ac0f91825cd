import { useRef } from "react";

export interface RateSample {
  t: number; // ms
  bytes: number;
}

/** Bytes per second over a sliding window of samples (oldest first). */
export function transferRate(samples: RateSample[], windowMs = 5000): number {
  if (samples.length < 2) return 0;
  const last = samples[samples.length - 1]!;
  let first = samples[0]!;
  for (const s of samples) {
    if (last.t - s.t <= windowMs) {
      first = s;
      break;
    }
  }
  const dt = (last.t - first.t) / 1000;
  return dt > 0 ? Math.max(0, (last.bytes - first.bytes) / dt) : 0;
}

/** Feed the downloaded byte count on each render; get a smoothed speed back. */
export function useTransferRate(bytes: number | null, now: () => number = () => performance.now()): number {
  const samples = useRef<RateSample[]>([]);
  if (bytes === null) {
    samples.current = [];
    return 0;
  }
  const list = samples.current;
  const last = list[list.length - 1];
  if (!last || last.bytes !== bytes) {
    if (last && bytes < last.bytes) list.length = 0; // restarted
    list.push({ t: now(), bytes });
    if (list.length > 50) list.splice(0, list.length - 50);
  }
  return transferRate(list);
}
