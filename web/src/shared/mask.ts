/**
 * Masking for what the dashboard shows of network messages and timeline data: a run of
 * 12 or more digits (a card number, an account number) keeps its last four.
 */

const LONG_DIGITS = /\d{12,}/g;

export function maskDigits(text: string): string {
  return text.replace(LONG_DIGITS, (digits) => "•".repeat(digits.length - 4) + digits.slice(-4));
}

/** A timeline entry's data as "key: value" lines, nested values as JSON, every line masked. */
export function describeData(data: Record<string, unknown>): string[] {
  return Object.entries(data).map(([key, value]) => {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return maskDigits(`${key}: ${text}`);
  });
}
