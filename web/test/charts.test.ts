import { describe, expect, it } from "vitest";
import { hourSlots, niceMax, seriesBy, successRate } from "../src/dashboard/charts";

describe("niceMax", () => {
  it("rounds an axis up to 1, 2, 2.5 or 5 times a power of ten", () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(18)).toBe(20);
    expect(niceMax(21)).toBe(25);
    expect(niceMax(100)).toBe(100);
  });
});

describe("hourSlots", () => {
  it("lists every hour of the range", () => {
    expect(hourSlots("2026-11-24T08:00:00Z", "2026-11-24T11:00:00Z")).toEqual([
      "2026-11-24T08:00:00.000Z",
      "2026-11-24T09:00:00.000Z",
      "2026-11-24T10:00:00.000Z",
    ]);
  });
});

describe("seriesBy", () => {
  it("puts each row in its series and slot, null where a slot has none", () => {
    const slots = hourSlots("2026-11-24T08:00:00Z", "2026-11-24T10:00:00Z");
    const rows = [
      { hour: "2026-11-24T08:00:00Z", network: "qrpay", n: 2 },
      { hour: "2026-11-24T09:00:00+00:00", network: "pix", n: 1 },
      { hour: "2026-11-24T09:00:00Z", network: "qrpay", n: 3 },
      { hour: "2026-11-24T12:00:00Z", network: "qrpay", n: 9 },
    ];
    const series = seriesBy(rows, slots, (r) => r.hour, (r) => r.network, (g) => g.reduce((s, r) => s + r.n, 0));
    expect(series).toEqual([
      { name: "pix", values: [null, 1] },
      { name: "qrpay", values: [2, 3] },
    ]);
  });
});

describe("successRate", () => {
  it("is a percentage, or null with nothing to count", () => {
    expect(successRate(4, 3)).toBe(75);
    expect(successRate(0, 0)).toBeNull();
  });
});
