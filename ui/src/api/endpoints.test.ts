// @vitest-environment node
import { describe, expect, it } from "vitest";
import { ENDPOINTS } from "./endpoints";

import openapi from "../../openapi.json";

const schema = openapi as unknown as { paths: Record<string, Record<string, unknown>> };
// Path parameters may be named differently in the core; compare shapes.
const shape = (p: string) => p.replace(/\{[^}]+\}/g, "{}");
const routes = new Map<string, Set<string>>();
for (const [path, ops] of Object.entries(schema.paths)) {
  routes.set(shape(path), new Set(Object.keys(ops)));
}
const has = (method: string, path: string) => routes.get(shape(path))?.has(method) ?? false;

describe("the UI's endpoints exist in the core's OpenAPI schema", () => {
  for (const e of ENDPOINTS.filter((x) => !x.pending)) {
    it(`${e.method.toUpperCase()} ${e.path}`, () => {
      expect(has(e.method, e.path), `${e.method.toUpperCase()} ${e.path} is not in ui/openapi.json`).toBe(true);
    });
  }
  it("pending endpoints that have landed are no longer marked pending", () => {
    const landed = ENDPOINTS.filter((e) => e.pending && has(e.method, e.path)).map((e) => `${e.method} ${e.path}`);
    expect(landed, "these routes exist now: drop their `pending` mark and wire them").toEqual([]);
  });
});
