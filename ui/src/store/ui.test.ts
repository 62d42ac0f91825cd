// @vitest-environment node
import { describe, expect, it } from "vitest";
import { pathOf, routeFromPath } from "./ui";

describe("routes", () => {
  it("live under /app/ and fall back to Generate", () => {
    expect(pathOf("history")).toBe("/app/history");
    expect(routeFromPath("/app/history")).toBe("history");
    expect(routeFromPath("/app/voices/extra")).toBe("voices");
    expect(routeFromPath("/history")).toBe("generate"); // that one is the API's
    expect(routeFromPath("/")).toBe("generate");
    expect(routeFromPath("/app/nope")).toBe("generate");
  });
});
