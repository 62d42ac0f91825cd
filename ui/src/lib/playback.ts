// One sound at a time: whichever player starts playing pauses the one that played before, so
// two copies never play on top of each other (a streamed take and a finished clip included).

interface Holder {
  owner: object;
  pause: () => void;
}

let current: Holder | null = null;

/** `owner` starts playing: pause whoever else plays. */
export function claimPlayback(owner: object, pause: () => void): void {
  if (current && current.owner !== owner) current.pause();
  current = { owner, pause };
}

/** `owner` stopped playing (paused, ended or left). */
export function releasePlayback(owner: object): void {
  if (current?.owner === owner) current = null;
}

/** Whether some player is playing now. */
export function somethingPlays(): boolean {
  return current !== null;
}

let shared: AudioContext | null = null;

/** The page's one AudioContext, made on first use (after a click, so it may play sound). */
export function audioContext(): AudioContext | null {
  if (typeof window === "undefined" || !window.AudioContext) return null;
  shared ??= new window.AudioContext();
  void shared.resume().catch(() => undefined);
  return shared;
}
