// What the browser already knows about a file before it is uploaded as a voice sample, and
// the microphone's errors, in the user's words.

export const SAMPLE_FORMATS = "wav, flac, ogg, mp3, m4a, webm — or a video";

/** Formats every browser decodes itself; others (m4a, video) are left to the server. */
const BROWSER_DECODES = /\.(wav|flac|ogg|oga|opus|mp3|webm)$/i;
const MAX_CHECK_BYTES = 64 * 1024 * 1024;

const notAudio = (name: string, why: string) =>
  `“${name}” ${why}. Use a recording in ${SAMPLE_FORMATS}.`;

/** A reason the file cannot be a sample, from its type alone; null when it may be. */
export function typeProblem(file: File): string | null {
  if (file.size === 0) return notAudio(file.name, "is empty");
  if (file.type && !/^(audio|video)\//.test(file.type)) return notAudio(file.name, `is not audio (it is ${file.type})`);
  return null;
}

/** Try to decode the file as the browser would; a reason when it cannot, else null (also when
 * the browser cannot tell: no Web Audio, a format left to the server, a very large file). */
export async function decodeProblem(file: File): Promise<string | null> {
  const Offline = typeof window === "undefined" ? undefined : window.OfflineAudioContext;
  if (!Offline || !BROWSER_DECODES.test(file.name) || file.size > MAX_CHECK_BYTES) return null;
  try {
    await new Offline(1, 1, 44100).decodeAudioData(await file.arrayBuffer());
    return null;
  } catch {
    return notAudio(file.name, "is not audio we can read");
  }
}

/** getUserMedia's errors (DOMException names) as a sentence with what to do. */
export function micErrorMessage(err: unknown): string {
  const name = err instanceof Error || err instanceof DOMException ? err.name : "";
  switch (name) {
    case "NotFoundError":
    case "DevicesNotFoundError":
    case "OverconstrainedError":
      return "No microphone found. Connect one and try again, or upload a file.";
    case "NotAllowedError":
    case "PermissionDeniedError":
    case "SecurityError":
      return "Microphone access was denied. Allow it in the browser, or upload a file.";
    case "NotReadableError":
    case "TrackStartError":
    case "AbortError":
      return "The microphone is busy or cannot be opened (another app may be using it). Close that app and try again, or upload a file.";
    default:
      return "The microphone could not start. Try again, or upload a file.";
  }
}
