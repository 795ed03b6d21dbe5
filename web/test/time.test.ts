import { describe, expect, it } from "vitest";
import { formatRemaining, spokenRemaining } from "../src/shared/time";

describe("formatRemaining", () => {
  it("counts down in minutes and seconds, never below zero", () => {
    expect(formatRemaining(14 * 60_000 + 5_000)).toBe("14:05");
    expect(formatRemaining(999)).toBe("0:01");
    expect(formatRemaining(0)).toBe("0:00");
    expect(formatRemaining(-5000)).toBe("0:00");
    expect(formatRemaining(3_600_000 + 61_000)).toBe("1:01:01");
  });
});

describe("spokenRemaining", () => {
  it("says what a screen reader should read", () => {
    expect(spokenRemaining(14 * 60_000 + 5_000)).toBe("14 minutes 5 seconds");
    expect(spokenRemaining(60_000)).toBe("1 minute");
    expect(spokenRemaining(1_000)).toBe("1 second");
    expect(spokenRemaining(0)).toBe("0 seconds");
  });
});
