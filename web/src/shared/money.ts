/**
 * Money on screen. The API speaks integer minor units (12050 THB is 120.50 baht); these
 * helpers turn them into text with Intl.NumberFormat and back from what a payer types,
 * with exact decimal strings (never float arithmetic on amounts).
 */

/** Minor-unit digits of a currency: the API's value when it sent one, else Intl's (ISO 4217). */
export function minorUnits(currency: string): number {
  const options = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions();
  return options.maximumFractionDigits ?? 2;
}

/** "12050" with exponent 2 -> "120.50"; "-5" -> "-0.05". Exact, through BigInt. */
export function decimalString(amountMinor: number, exponent: number): string {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`not an integer amount: ${amountMinor}`);
  const negative = amountMinor < 0;
  const digits = BigInt(Math.abs(amountMinor)).toString().padStart(exponent + 1, "0");
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

export interface FormatOptions {
  exponent?: number;
  locale?: string;
}

/** An amount in minor units as the reader's locale writes money: "฿120.50", "¥1,200". */
export function formatMinor(amountMinor: number, currency: string, options: FormatOptions = {}): string {
  const exponent = options.exponent ?? minorUnits(currency);
  const format = new Intl.NumberFormat(options.locale, {
    style: "currency",
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  // A decimal string keeps every digit; a float would round large amounts.
  return format.format(decimalString(amountMinor, exponent) as Intl.StringNumericLiteral);
}

/**
 * What a payer typed ("120.5", "1,200", "120,50" is refused) in minor units, or null when
 * it is not a positive amount with at most the currency's digits after the point.
 */
export function parseMajor(text: string, currency: string, exponent = minorUnits(currency)): number | null {
  const cleaned = text.trim().replace(/[\s_]/g, "");
  const pattern = exponent > 0 ? new RegExp(`^(\\d{1,3}(,\\d{3})*|\\d+)(\\.\\d{1,${exponent}})?$`) : /^(\d{1,3}(,\d{3})*|\d+)$/;
  if (!pattern.test(cleaned)) return null;
  const [whole = "0", fraction = ""] = cleaned.replace(/,/g, "").split(".");
  const minor = BigInt(whole + fraction.padEnd(exponent, "0"));
  if (minor <= 0n || minor > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(minor);
}
