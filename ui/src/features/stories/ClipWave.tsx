import { useEffect, useRef } from "react";
import type WaveSurfer from "wavesurfer.js";

/** A take's waveform (wavesurfer.js, not interactive): the timeline positions and clips it. */
export function ClipWave({ url, width }: { url: string; width: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let instance: WaveSurfer | null = null;
    let cancelled = false;
    void import("wavesurfer.js").then(({ default: WS }) => {
      if (cancelled || !box.current) return;
      instance = WS.create({
        container: box.current,
        url,
        height: 40,
        interact: false,
        cursorWidth: 0,
        normalize: true,
        waveColor: "rgba(255,255,255,0.85)",
        progressColor: "rgba(255,255,255,0.85)",
      });
      instance.on("error", () => {});
    });
    return () => {
      cancelled = true;
      instance?.destroy();
    };
  }, [url]);
  return <div ref={box} className="story-wave" style={{ width }} aria-hidden="true" />;
}
