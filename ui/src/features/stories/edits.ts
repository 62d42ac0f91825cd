// Timeline edits as reversible steps: each holds a clip's fields before and after, so undo
// and redo replay them through the same PATCH.
import type { Clip, ClipPatch } from "./api";

export interface Edit {
  clipId: number;
  before: ClipPatch;
  after: ClipPatch;
}

export const EDITABLE = ["start", "trim_start", "trim_end", "gain_db", "fade_in", "fade_out", "muted", "track_id"] as const;

export function fieldsOf(clip: Clip, keys: readonly (keyof ClipPatch)[]): ClipPatch {
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = clip[k as keyof Clip];
  return out as ClipPatch;
}

export class EditStack {
  private done: Edit[] = [];
  private undone: Edit[] = [];

  push(edit: Edit) {
    this.done.push(edit);
    this.undone = [];
  }

  undo(): Edit | undefined {
    const edit = this.done.pop();
    if (edit) this.undone.push(edit);
    return edit;
  }

  redo(): Edit | undefined {
    const edit = this.undone.pop();
    if (edit) this.done.push(edit);
    return edit;
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
