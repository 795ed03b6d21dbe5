import { describe, expect, it } from "vitest";
import { describeData, maskDigits } from "../src/shared/mask";

describe("maskDigits", () => {
  it("keeps the last four of long digit runs only", () => {
    expect(maskDigits("pan 4111111111111111 ok")).toBe("pan ••••••••••••1111 ok");
    expect(maskDigits("stan 000123 rrn 12345678901")).toBe("stan 000123 rrn 12345678901");
  });
});

describe("describeData", () => {
  it("writes a timeline entry as masked key: value lines", () => {
    expect(describeData({ connector: "onus", latency_ms: 1.5, account: "001234567890123" })).toEqual([
      "connector: onus",
      "latency_ms: 1.5",
      "account: •••••••••••0123",
    ]);
  });
});
