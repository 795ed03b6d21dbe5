/**
 * The gateway's HTTP API from the browser: same origin, JSON, bearer credentials, and
 * RFC 9457 problems turned into ApiError with the stable code. Every POST carries an
 * Idempotency-Key chosen by the caller, so a retried click replays the first answer.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail || code);
  }
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
}

const REQUEST_TIMEOUT_MS = 15_000;

async function request<T>(method: string, path: string, credential: string | null, body?: unknown, idempotencyKey?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (credential) headers.Authorization = `Bearer ${credential}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      credentials: "omit",
    });
  } catch {
    throw new ApiError(0, "network.unreachable", "The gateway did not answer. Check the connection and try again.");
  }
  const text = await response.text();
  const parsed: unknown = text ? safeJson(text) : null;
  if (!response.ok) {
    const problem = (parsed ?? {}) as { code?: string; detail?: string };
    throw new ApiError(response.status, problem.code ?? `http.${response.status}`, problem.detail ?? response.statusText);
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Query string from the set values only. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

/** A client for one credential (wallet token, operator key) or none (public reads). */
export class Api {
  constructor(readonly credential: string | null) {}

  get<T>(path: string): Promise<T> {
    return request<T>("GET", path, this.credential);
  }

  post<T>(path: string, body: unknown, idempotencyKey: string = newIdempotencyKey()): Promise<T> {
    return request<T>("POST", path, this.credential, body, idempotencyKey);
  }
}

/** Messages a person can act on, by stable code; the API's own detail otherwise. */
export function explain(error: unknown): string {
  if (!(error instanceof ApiError)) return "Something went wrong. Try again.";
  const known: Record<string, string> = {
    "auth.unauthenticated": "That key or token is not valid. Check it and sign in again.",
    "auth.forbidden": "This key cannot do that.",
    "checkout.already_paid": "This checkout has been paid already.",
    "checkout.expired": "This checkout has expired. Ask the merchant for a new code.",
    "ledger.insufficient_funds": "Not enough balance in the wallet for this payment.",
    "resource.not_found": "Not found.",
  };
  return known[error.code] ?? `${error.detail} (${error.code})`;
}
