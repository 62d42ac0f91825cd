import { describe, expect, it } from "vitest";
import { scriptSpeakers as scriptSpeakersFor } from "./api";
import { EditStack, snap } from "./edits";

describe("timeline edits", () => {
  it("snaps to the nearest edge within the tolerance", () => {
    expect(snap(1.04, [0, 1, 2], 0.05)).toBe(1);
    expect(snap(1.2, [0, 1, 2], 0.05)).toBe(1.2);
    expect(snap(1.96, [1.9, 2], 0.1)).toBe(2);
  });

  it("undoes and redoes in order, and a new edit clears the redo list", () => {
    const stack = new EditStack();
    stack.push({ clipId: 1, before: { start: 0 }, after: { start: 1 } });
    stack.push({ clipId: 1, before: { start: 1 }, after: { start: 2 } });
    expect(stack.undo()?.before).toEqual({ start: 1 });
    expect(stack.undo()?.before).toEqual({ start: 0 });
    expect(stack.canUndo).toBe(false);
    expect(stack.redo()?.after).toEqual({ start: 1 });
    stack.push({ clipId: 2, before: { gain_db: 0 }, after: { gain_db: -6 } });
    expect(stack.canRedo).toBe(false);
  });

  it("reads a script's speakers in order", () => {
    expect(scriptSpeakersFor("Alice: hi\nBob: yo\n[pause 1s]\nAlice: again\n[2]: numbered")).toEqual(["Alice", "Bob", "2"]);
  });
});
