// @vitest-environment node
import { describe, expect, it } from "vitest";
import { makeGeneration } from "../../test/utils";
import { groupVariations } from "./grouping";

describe("groupVariations", () => {
  it("pulls the takes of a group together, in order, where the group first appears", () => {
    const items = [
      makeGeneration({ id: 9, group_id: "g" }),
      makeGeneration({ id: 8 }),
      makeGeneration({ id: 7, group_id: "g" }),
    ];
    const rows = groupVariations(items).map((r) => [r.gen.id, r.take, r.groupSize]);
    expect(rows).toEqual([[7, 0, 2], [9, 1, 2], [8, 0, 1]]);
  });
});
