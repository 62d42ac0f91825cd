// Server-sent events over fetch, for streams that answer a POST (EventSource only GETs):
// provider installs/updates and model downloads stream `progress` events, then `done` or `error`.
import { ApiError, toApiError } from "./client";

export interface SseEvent {
  event: string;
  data: string;
}

/** Incremental parser: feed text chunks, get complete events (per the SSE spec's framing). */
export class SseParser {
  private buffer = "";

  push(chunk: string): SseEvent[] {
    this.buffer += chunk.replace(/\r\n?/g, "\n");
    const out: SseEvent[] = [];
    let end: number;
    while ((end = this.buffer.indexOf("\n\n")) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (!line || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      if (data.length) out.push({ event, data: data.join("\n") });
    }
    return out;
  }
}

/** POST and read the answer as an event stream until it ends; errors become ApiError. */
export async function postEventStream(path: string, onEvent: (e: SseEvent) => void, signal?: AbortSignal): Promise<void> {
  // The browser's own network errors ("Failed to fetch", "network error") become sentences.
  const lost = (err: unknown, message: string) =>
    signal?.aborted || (err instanceof DOMException && err.name === "AbortError") ? err : new ApiError(message, { status: 0, code: "network" });
  let res: Response;
  try {
    res = await fetch(path, { method: "POST", headers: { Accept: "text/event-stream" }, signal });
  } catch (err) {
    throw lost(err, "Cannot reach the Voicebox core. Is it running?");
  }
  if (!res.ok) throw await toApiError(res, path);
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  for (;;) {
    let chunk: ReadableStreamReadResult<string>;
    try {
      chunk = await reader.read();
    } catch (err) {
      throw lost(err, "The connection to the core was lost before this finished; start it again to go on.");
    }
    if (chunk.done) break;
    for (const e of parser.push(chunk.value)) onEvent(e);
  }
}

/** POST a stream that reports a long task (an install, a model download): `progress` events,
 * each passed on as parsed JSON, then `done` or `error`. Resolves on `done`; throws the server's
 * message on `error`, `failed` when that event carries none, and `unfinished` when the stream
 * ends without either. Aborting `signal` closes the stream, which cancels the task. */
export async function postTaskStream(
  path: string,
  onProgress: (data: Record<string, unknown>) => void,
  messages: { failed: string; unfinished: string },
  signal?: AbortSignal,
): Promise<void> {
  let failure: string | null = null;
  let done = false;
  await postEventStream(path, (e) => {
    const data = JSON.parse(e.data) as Record<string, unknown>;
    if (e.event === "progress") onProgress(data);
    else if (e.event === "done") done = true;
    else if (e.event === "error") failure = typeof data.message === "string" ? data.message : messages.failed;
  }, signal);
  if (failure) throw new Error(failure);
  if (!done) throw new Error(messages.unfinished);
}

/** A positive byte count from a progress event, else null (unknown). */
export function positiveBytes(value: unknown): number | null {
  return typeof value === "number" && value > 0 ? value : null;
}
