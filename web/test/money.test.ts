import { describe, expect, it } from "vitest";
import { decimalString, formatMinor, minorUnits, parseMajor } from "../src/shared/money";

describe("minorUnits", () => {
  it("follows ISO 4217 exponents", () => {
    expect(minorUnits("THB")).toBe(2);
    expect(minorUnits("JPY")).toBe(0);
    expect(minorUnits("KWD")).toBe(3);
  });
});

describe("decimalString", () => {
  it("places the point by the exponent, exactly", () => {
    expect(decimalString(12050, 2)).toBe("120.50");
    expect(decimalString(5, 2)).toBe("0.05");
    expect(decimalString(-5, 2)).toBe("-0.05");
    expect(decimalString(1200, 0)).toBe("1200");
    expect(decimalString(1, 3)).toBe("0.001");
    expect(decimalString(9007199254740991, 2)).toBe("90071992547409.91");
  });
  it("refuses what is not an integer", () => {
    expect(() => decimalString(1.5, 2)).toThrow(RangeError);
  });
});

// Intl separates a currency code from the number with a no-break space.
const spaced = (text: string): string => text.replace(/\u00a0/g, " ");

describe("formatMinor", () => {
  it("formats minor units in the currency's own digits", () => {
    expect(spaced(formatMinor(12050, "THB", { locale: "en-US" }))).toBe("THB 120.50");
    expect(spaced(formatMinor(120000, "JPY", { locale: "en-US" }))).toBe("¥120,000");
    expect(spaced(formatMinor(1234, "KWD", { locale: "en-US" }))).toBe("KWD 1.234");
    expect(spaced(formatMinor(-250, "USD", { locale: "en-US" }))).toBe("-$2.50");
  });
  it("uses the exponent the API sent over Intl's default", () => {
    expect(spaced(formatMinor(12050, "THB", { locale: "en-US", exponent: 0 }))).toBe("THB 12,050");
  });
  it("follows the locale", () => {
    expect(spaced(formatMinor(123456, "EUR", { locale: "de-DE" }))).toBe("1.234,56 €");
  });
});

describe("parseMajor", () => {
  it("reads what a payer types into minor units", () => {
    expect(parseMajor("120.5", "THB")).toBe(12050);
    expect(parseMajor(" 1,200.00 ", "THB")).toBe(120000);
    expect(parseMajor("12", "JPY")).toBe(12);
    expect(parseMajor("0.001", "KWD")).toBe(1);
  });
  it("refuses zero, negatives, too many decimals and words", () => {
    for (const text of ["0", "0.00", "-1", "1.234", "12.5", "abc", "", "1,20"]) {
      const currency = text === "12.5" ? "JPY" : "THB";
      expect(parseMajor(text, currency), text).toBeNull();
    }
  });
});
