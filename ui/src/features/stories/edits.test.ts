import { describe, expect, it } from "vitest";
import type { Clip } from "./api";
import { scriptSpeakers as scriptSpeakersFor } from "./api";
import { renderProgress } from "./Export";
import { EditStack, deleteClip, duplicateClip, patchClip, patchTrack, snap, splitClip, type StoryApi } from "./edits";

const base = (over: Partial<Clip>): Clip => ({
  id: 1, track_id: 1, generation_id: 7, version: 1, label: "line", start: 0, trim_start: 0, trim_end: 0,
  gain_db: 0, fade_in: 0, fade_out: 0, muted: false, duration: 4, status: "completed", audio_url: "/stories/1/clips/1/audio",
  ...over,
});

/** An in-memory story behind the same paths and rules as the core's clip routes. */
class FakeStory implements StoryApi {
  clips = new Map<number, Clip>();
  tracks = new Map<number, Record<string, unknown>>([[1, { id: 1, muted: false, solo: false }]]);
  uploads: Blob[] = [];
  private next = 100;
  constructor(clips: Clip[]) {
    for (const c of clips) this.clips.set(c.id, { ...c });
  }
  private make(c: Omit<Clip, "id">): Clip {
    const clip = { ...c, id: this.next++ } as Clip;
    clip.audio_url = `/stories/1/clips/${clip.id}/audio`;
    this.clips.set(clip.id, clip);
    return clip;
  }
  private clip(path: string): Clip {
    const id = Number(/clips\/(\d+)/.exec(path)?.[1]);
    const c = this.clips.get(id);
    if (!c) throw new Error(`404 clip ${id}`);
    return c;
  }
  async patch<T>(path: string, json?: unknown): Promise<T> {
    if (path.includes("/tracks/")) {
      const t = this.tracks.get(Number(path.split("/").pop()))!;
      Object.assign(t, json);
      return t as T;
    }
    return Object.assign(this.clip(path), json) as T;
  }
  async post<T>(path: string, json?: unknown): Promise<T> {
    if (path.endsWith("/split")) {
      const c = this.clip(path);
      const at = (json as { at: number }).at;
      const cut = at - c.start + c.trim_start;
      const right = this.make({ ...c, start: at, trim_start: cut, fade_in: 0 });
      Object.assign(c, { trim_end: (c.duration ?? 0) - cut, fade_out: 0 });
      return [c, right] as T;
    }
    if (path.endsWith("/duplicate")) {
      const c = this.clip(path);
      return this.make({ ...c, start: c.start + (c.duration ?? 0) - c.trim_start - c.trim_end }) as T;
    }
    return this.make({ ...base({}), ...(json as Partial<Clip>) }) as T;
  }
  async del<T>(path: string): Promise<T> {
    this.clips.delete(this.clip(path).id);
    return undefined as T;
  }
  async upload<T>(_path: string, form: FormData): Promise<T> {
    this.uploads.push(form.get("file") as Blob);
    return this.make({ ...base({}), generation_id: null, version: null, track_id: Number(form.get("track_id")), start: Number(form.get("start")), label: String(form.get("label")) }) as T;
  }
  async blob(url: string): Promise<Blob> {
    return new Blob([`audio of ${url}`]);
  }
  /** The story's clips without ids, in timeline order. */
  state() {
    return [...this.clips.values()]
      .map((c) => Object.fromEntries(Object.entries(c).filter(([k]) => k !== "id" && k !== "audio_url")) as Partial<Clip>)
      .sort((a, b) => a.start! - b.start!);
  }
}

describe("timeline edits", () => {
  it("snaps to the nearest edge within the tolerance", () => {
    expect(snap(1.04, [0, 1, 2], 0.05)).toBe(1);
    expect(snap(1.2, [0, 1, 2], 0.05)).toBe(1.2);
    expect(snap(1.96, [1.9, 2], 0.1)).toBe(2);
  });

  it("undoes and redoes field edits in order, and a new edit clears the redo list", async () => {
    const story = new FakeStory([base({})]);
    const stack = new EditStack(story);
    await stack.exec(patchClip(1, story.clips.get(1)!, { start: 1 }));
    await stack.exec(patchClip(1, story.clips.get(1)!, { gain_db: -6, fade_in: 0.5, muted: true }));
    await stack.undo();
    expect(story.clips.get(1)).toMatchObject({ start: 1, gain_db: 0, fade_in: 0, muted: false });
    await stack.undo();
    expect(story.clips.get(1)!.start).toBe(0);
    expect(stack.canUndo).toBe(false);
    await stack.redo();
    expect(story.clips.get(1)!.start).toBe(1);
    await stack.exec(patchClip(1, story.clips.get(1)!, { fade_out: 1 }));
    expect(stack.canRedo).toBe(false);
  });

  it("undoes a split (the second half goes, the first gets its trim back) and redoes it", async () => {
    const story = new FakeStory([base({ start: 2, fade_out: 0.3 })]);
    const original = story.state();
    const stack = new EditStack(story);
    await stack.exec(splitClip(1, story.clips.get(1)!, 3.5));
    const split = story.state();
    expect(split).toHaveLength(2);
    await stack.undo();
    expect(story.state()).toEqual(original);
    await stack.redo();
    expect(story.state()).toEqual(split);
    await stack.undo();
    expect(story.state()).toEqual(original);
  });

  it("undoes a duplicate, and a later edit of the copy still applies after redo makes it anew", async () => {
    const story = new FakeStory([base({})]);
    const stack = new EditStack(story);
    await stack.exec(duplicateClip(1, story.clips.get(1)!));
    const copy = [...story.clips.values()].find((c) => c.id !== 1)!;
    await stack.exec(patchClip(1, copy, { gain_db: -3 }));
    const edited = story.state();
    await stack.undo();
    await stack.undo();
    expect(story.clips.size).toBe(1);
    await stack.redo();
    await stack.redo();
    expect(story.state()).toEqual(edited);
    expect(story.clips.has(copy.id)).toBe(false); // made anew, under another id
  });

  it("undoes a delete with every field, for a generated and an imported clip, and edits reach the re-made clip", async () => {
    const story = new FakeStory([
      base({ start: 1, trim_start: 0.2, trim_end: 0.3, gain_db: -4, fade_in: 0.1, fade_out: 0.2, muted: true, version: 2 }),
      base({ id: 2, generation_id: null, version: null, start: 6, trim_end: 1, gain_db: 3, label: "door.wav", audio_url: "/stories/1/clips/2/audio" }),
    ]);
    const original = story.state();
    const stack = new EditStack(story);
    await stack.exec(patchClip(1, story.clips.get(1)!, { start: 2 }));
    await stack.exec(deleteClip(1, story.clips.get(1)!));
    await stack.exec(deleteClip(1, story.clips.get(2)!));
    expect(story.clips.size).toBe(0);
    await stack.undo();
    await stack.undo();
    expect(await story.uploads[0]!.text()).toBe("audio of /stories/1/clips/2/audio");
    await stack.undo(); // the move, on the clip that stands for clip 1 now
    expect(story.state()).toEqual(original);
    await stack.redo();
    await stack.redo();
    await stack.redo();
    expect(story.clips.size).toBe(0);
  });

  it("undoes a track's mute and solo", async () => {
    const story = new FakeStory([]);
    const stack = new EditStack(story);
    const track = { id: 1, muted: false, solo: false, gain_db: 0, name: "A", position: 0, story_id: 1 };
    await stack.exec(patchTrack(1, track, { muted: true }));
    expect(story.tracks.get(1)!.muted).toBe(true);
    await stack.undo();
    expect(story.tracks.get(1)!.muted).toBe(false);
  });

  it("keeps a command whose undo fails on the undo list", async () => {
    const story = new FakeStory([base({})]);
    const stack = new EditStack(story);
    await stack.exec(patchClip(1, story.clips.get(1)!, { start: 1 }));
    story.clips.clear();
    await expect(stack.undo()).rejects.toThrow("404");
    expect(stack.canUndo).toBe(true);
  });

  it("reads a script's speakers in order", () => {
    expect(scriptSpeakersFor("Alice: hi\nBob: yo\n[pause 1s]\nAlice: again\n[2]: numbered")).toEqual(["Alice", "Bob", "2"]);
  });
});

describe("export progress", () => {
  it("reads this story's render progress from an event and ignores others", () => {
    expect(renderProgress(JSON.stringify({ type: "story_render", story_id: 3, progress: 0.42 }), 3)).toBe(0.42);
    expect(renderProgress(JSON.stringify({ type: "story_render", story_id: 4, progress: 0.5 }), 3)).toBeNull();
    expect(renderProgress(JSON.stringify({ type: "generation", story_id: 3, progress: 0.5 }), 3)).toBeNull();
    expect(renderProgress(JSON.stringify({ type: "story_render", story_id: 3, progress: 1.7 }), 3)).toBe(1);
    expect(renderProgress("ping", 3)).toBeNull();
  });
});
