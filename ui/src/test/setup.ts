import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach, vi } from "vitest";

// The machine is shared and slow at times: wait up to 5 s for async UI, not 1 s.
configure({ asyncUtilTimeout: 5000 });

afterEach(() => {
  cleanup();
  if (typeof localStorage !== "undefined") localStorage.clear();
});

// wavesurfer.js draws on a canvas and decodes audio, which jsdom cannot do: a small fake
// with the same surface stands in for it in component tests (the e2e test uses the real one).
vi.mock("wavesurfer.js", () => {
  class FakeWaveSurfer {
    private handlers = new Map<string, ((...a: unknown[]) => void)[]>();
    private playing = false;
    private time = 0;
    static create() {
      const ws = new FakeWaveSurfer();
      setTimeout(() => ws.emit("ready", 3), 0);
      return ws;
    }
    on(ev: string, fn: (...a: unknown[]) => void) {
      this.handlers.set(ev, [...(this.handlers.get(ev) ?? []), fn]);
    }
    emit(ev: string, ...args: unknown[]) {
      for (const fn of this.handlers.get(ev) ?? []) fn(...args);
    }
    playPause() {
      this.playing = !this.playing;
      this.emit(this.playing ? "play" : "pause");
      return Promise.resolve();
    }
    play() {
      this.playing = true;
      this.emit("play");
      return Promise.resolve();
    }
    pause() {
      if (!this.playing) return;
      this.playing = false;
      this.emit("pause");
    }
    stop() {
      this.pause();
      this.setTime(0);
    }
    getDuration() { return 3; }
    getCurrentTime() { return this.time; }
    setTime(t: number) {
      this.time = t;
      this.emit("timeupdate", t);
    }
    destroy() {}
  }
  return { default: FakeWaveSurfer };
});
