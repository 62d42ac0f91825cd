// Timeline edits as reversible commands. The server is the source of truth: each command
// knows the API calls that make its change and the inverse calls that take it back. A clip
// that an undo re-creates (after a delete) or a redo re-makes (after a split or duplicate)
// gets a new id from the server; `IdMap` keeps later steps pointing at the live clip.
import type { Clip, ClipPatch, Track } from "./api";

/** The calls a command needs (the app's `api` client fits; tests pass an in-memory one). */
export interface StoryApi {
  patch<T>(path: string, json?: unknown): Promise<T>;
  post<T>(path: string, json?: unknown): Promise<T>;
  del<T = void>(path: string): Promise<T>;
  upload<T>(path: string, form: FormData): Promise<T>;
  blob(url: string): Promise<Blob>;
}

export interface Command {
  label: string;
  run(api: StoryApi, ids: IdMap): Promise<void>;
  undo(api: StoryApi, ids: IdMap): Promise<void>;
}

export const EDITABLE = ["start", "trim_start", "trim_end", "gain_db", "fade_in", "fade_out", "muted", "track_id"] as const;

export function fieldsOf(clip: Clip, keys: readonly (keyof ClipPatch)[]): ClipPatch {
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = clip[k as keyof Clip];
  return out as ClipPatch;
}

/** Maps a clip's first id to the id of the clip that stands for it now. */
export class IdMap {
  private now = new Map<number, number>();
  resolve(id: number): number {
    return this.now.get(id) ?? id;
  }
  alias(first: number, current: number) {
    this.now.set(first, current);
  }
}

const clipPath = (storyId: number, id: number) => `/stories/${storyId}/clips/${id}`;

/** A change of some clip fields (move, trim, gain, fades, mute, track). */
export function patchClip(storyId: number, clip: Clip, after: ClipPatch, label = "edit"): Command {
  const before = fieldsOf(clip, Object.keys(after) as (keyof ClipPatch)[]);
  return {
    label,
    run: async (api, ids) => void (await api.patch(clipPath(storyId, ids.resolve(clip.id)), after)),
    undo: async (api, ids) => void (await api.patch(clipPath(storyId, ids.resolve(clip.id)), before)),
  };
}

/** A track's mute or solo. */
export function patchTrack(storyId: number, track: Track, after: Partial<Pick<Track, "muted" | "solo" | "gain_db">>): Command {
  const before = Object.fromEntries(Object.keys(after).map((k) => [k, track[k as keyof Track]]));
  const path = `/stories/${storyId}/tracks/${track.id}`;
  return {
    label: "track",
    run: async (api) => void (await api.patch(path, after)),
    undo: async (api) => void (await api.patch(path, before)),
  };
}

/** Split at a timeline time; undo deletes the second half and gives the first back its trim. */
export function splitClip(storyId: number, clip: Clip, at: number): Command {
  let right: number | null = null;
  const before = fieldsOf(clip, ["start", "trim_start", "trim_end", "fade_in", "fade_out"]);
  return {
    label: "split",
    run: async (api, ids) => {
      const [, made] = await api.post<[Clip, Clip]>(`${clipPath(storyId, ids.resolve(clip.id))}/split`, { at });
      if (right === null) right = made.id;
      else ids.alias(right, made.id);
    },
    undo: async (api, ids) => {
      if (right !== null) await api.del(clipPath(storyId, ids.resolve(right)));
      await api.patch(clipPath(storyId, ids.resolve(clip.id)), before);
    },
  };
}

/** Duplicate a clip; undo deletes the copy, redo makes it again where it was. */
export function duplicateClip(storyId: number, clip: Clip): Command {
  let copy: Clip | null = null;
  return {
    label: "duplicate",
    run: async (api, ids) => {
      const made = await api.post<Clip>(`${clipPath(storyId, ids.resolve(clip.id))}/duplicate`);
      if (copy === null) copy = made;
      else {
        ids.alias(copy.id, made.id);
        await api.patch(clipPath(storyId, made.id), fieldsOf(copy, ["start", "track_id"]));
      }
    },
    undo: async (api, ids) => {
      if (copy !== null) await api.del(clipPath(storyId, ids.resolve(copy.id)));
    },
  };
}

/** Delete a clip; undo makes it again with the same fields (an imported clip's audio is kept
 * in memory and uploaded again). */
export function deleteClip(storyId: number, clip: Clip): Command {
  let audio: Blob | null = null;
  return {
    label: "delete",
    run: async (api, ids) => {
      if (clip.generation_id === null && audio === null) audio = await api.blob(clip.audio_url);
      await api.del(clipPath(storyId, ids.resolve(clip.id)));
    },
    undo: async (api, ids) => {
      const fields = fieldsOf(clip, ["start", "trim_start", "trim_end", "gain_db", "fade_in", "fade_out", "muted"]);
      let made: Clip;
      if (clip.generation_id !== null) {
        made = await api.post<Clip>(`/stories/${storyId}/clips`, { ...fields, track_id: clip.track_id, generation_id: clip.generation_id, version: clip.version, label: clip.label });
      } else {
        const form = new FormData();
        form.append("track_id", String(clip.track_id));
        form.append("start", String(clip.start));
        form.append("label", clip.label);
        form.append("file", audio ?? new Blob(), "clip.wav");
        made = await api.upload<Clip>(`/stories/${storyId}/clips/import`, form);
        await api.patch(clipPath(storyId, made.id), fields);
      }
      ids.alias(clip.id, made.id);
    },
  };
}

/** Done and undone commands, replayed against the server in order. */
export class EditStack {
  private done: Command[] = [];
  private undone: Command[] = [];
  readonly ids = new IdMap();

  constructor(private readonly api: StoryApi) {}

  /** Run a new command; it clears the redo list. A command that fails is not recorded. */
  async exec(command: Command) {
    await command.run(this.api, this.ids);
    this.done.push(command);
    this.undone = [];
  }

  async undo(): Promise<Command | undefined> {
    const command = this.done.pop();
    if (!command) return undefined;
    try {
      await command.undo(this.api, this.ids);
      this.undone.push(command);
    } catch (err) {
      this.done.push(command);
      throw err;
    }
    return command;
  }

  async redo(): Promise<Command | undefined> {
    const command = this.undone.pop();
    if (!command) return undefined;
    try {
      await command.run(this.api, this.ids);
      this.done.push(command);
    } catch (err) {
      this.undone.push(command);
      throw err;
    }
    return command;
  }

  get canUndo() {
    return this.done.length > 0;
  }

  get canRedo() {
    return this.undone.length > 0;
  }
}

/** Snap `value` (seconds) to the nearest of `edges` within `tolerance`. */
export function snap(value: number, edges: number[], tolerance: number): number {
  let best = value;
  let distance = tolerance;
  for (const edge of edges) {
    const d = Math.abs(edge - value);
    if (d <= distance) {
      best = edge;
      distance = d;
    }
  }
  return best;
}

export const visibleLength = (c: Clip) => Math.max(0, (c.duration ?? 0) - c.trim_start - c.trim_end);
