// @vitest-environment node
import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatEta, formatSpeed } from "./format";
import { transferRate } from "./rate";

describe("format", () => {
  it("formats sizes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(350 * 1024 * 1024)).toBe("350 MB");
    expect(formatBytes(null)).toBe("—");
  });
  it("formats durations", () => {
    expect(formatDuration(3.6)).toBe("0:04");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(undefined)).toBe("—");
  });
  it("formats speed and time left", () => {
    expect(formatSpeed(2 * 1024 * 1024)).toBe("2.0 MB/s");
    expect(formatSpeed(0)).toBe("—");
    expect(formatEta(100, 0)).toBe("—");
    expect(formatEta(10 * 1024 * 1024, 1024 * 1024)).toBe("10 s");
    expect(formatEta(150 * 1024 * 1024, 1024 * 1024)).toBe("2 min 30 s");
  });
});

describe("transferRate", () => {
  it("is bytes per second over the window", () => {
    expect(transferRate([])).toBe(0);
    expect(transferRate([{ t: 0, bytes: 0 }, { t: 1000, bytes: 1000 }, { t: 2000, bytes: 3000 }])).toBe(1500);
  });
  it("ignores samples older than the window", () => {
    const s = [{ t: 0, bytes: 0 }, { t: 10_000, bytes: 100 }, { t: 12_000, bytes: 4100 }];
    expect(transferRate(s, 5000)).toBe(2000);
  });
});
