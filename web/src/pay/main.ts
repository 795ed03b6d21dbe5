/**
 * The hosted checkout page, /pay/{checkout_id}: who is paid and how much, the QR code, a
 * countdown, and the status live from the gateway's server-sent events. The checkout id
 * in the address is the only credential: the page reads the public view of the checkout.
 */
import "../shared/styles.css";
import "./pay.css";
import { Api, ApiError } from "../shared/api";
import { byId, copyButton, show } from "../shared/dom";
import { formatMinor } from "../shared/money";
import { formatRemaining, spokenRemaining } from "../shared/time";

interface PublicCheckout {
  id: string;
  merchant_name: string;
  merchant_city: string;
  amount: number;
  currency: string;
  currency_exponent: number;
  status: Status;
  expires_at: string;
  qr_payload: string;
}
type Status = "open" | "paid" | "expired" | "canceled";

const FINAL: ReadonlySet<Status> = new Set(["paid", "expired", "canceled"]);
const FALLBACK_POLL_MS = 5000;
const MINUTE_MS = 60_000;

const api = new Api(null);
const checkoutId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() ?? "");
let status: Status = "open";
let expiresAt = 0;
let stream: EventSource | null = null;
let ticker = 0;
let warnedLastMinute = false;

async function start(): Promise<void> {
  let checkout: PublicCheckout;
  try {
    checkout = await api.get<PublicCheckout>(`/v1/checkouts/${encodeURIComponent(checkoutId)}/public`);
  } catch (error) {
    show(byId("loading"), false);
    if (error instanceof ApiError && error.status === 404) show(byId("missing"), true);
    else fail("The checkout could not be loaded. Reload the page to try again.");
    return;
  }
  render(checkout);
  setStatus(checkout.status);
  if (!FINAL.has(status)) {
    ticker = window.setInterval(tick, 1000);
    tick();
    listen();
  }
}

function render(checkout: PublicCheckout): void {
  const amount = formatMinor(checkout.amount, checkout.currency, { exponent: checkout.currency_exponent });
  document.title = `Pay ${amount} to ${checkout.merchant_name} · qrpay`;
  byId("merchant-name").textContent = checkout.merchant_name;
  byId("merchant-city").textContent = checkout.merchant_city;
  byId("amount").textContent = amount;
  const qr = byId<HTMLImageElement>("qr");
  qr.src = `/v1/checkouts/${encodeURIComponent(checkout.id)}/public/qr.svg`;
  qr.alt = `QR code to pay ${amount} to ${checkout.merchant_name}. The same code is below as text.`;
  const payload = byId<HTMLTextAreaElement>("payload");
  payload.value = checkout.qr_payload;
  byId("copy-slot").replaceChildren(copyButton(payload, byId("copy-status"), "Copy code"));
  expiresAt = Date.parse(checkout.expires_at);
  show(byId("loading"), false);
  show(byId("checkout"), true);
}

/** Server-sent events; if the stream cannot be kept, poll the public view instead. */
function listen(): void {
  stream = new EventSource(`/v1/checkouts/${encodeURIComponent(checkoutId)}/events`);
  stream.addEventListener("status", (event) => {
    const data = JSON.parse((event as MessageEvent<string>).data) as { status: Status };
    byId("connection").textContent = "";
    setStatus(data.status);
  });
  stream.addEventListener("error", () => {
    if (FINAL.has(status)) return;
    if (stream?.readyState === EventSource.CLOSED) {
      byId("connection").textContent = "Live updates paused; checking every few seconds.";
      window.setTimeout(poll, FALLBACK_POLL_MS);
    }
    // CONNECTING: the browser reconnects by itself (the server ends streams after a bound).
  });
}

async function poll(): Promise<void> {
  if (FINAL.has(status)) return;
  try {
    const checkout = await api.get<PublicCheckout>(`/v1/checkouts/${encodeURIComponent(checkoutId)}/public`);
    setStatus(checkout.status);
  } catch {
    // Try again at the next poll.
  }
  if (!FINAL.has(status)) window.setTimeout(poll, FALLBACK_POLL_MS);
}

function tick(): void {
  const left = expiresAt - Date.now();
  byId("countdown").textContent = formatRemaining(left);
  byId("countdown-spoken").textContent = `, ${spokenRemaining(left)}`;
  if (left <= MINUTE_MS && left > 0 && !warnedLastMinute) {
    warnedLastMinute = true;
    byId("connection").textContent = "Less than a minute left to pay.";
  }
  // The server says "expired" too; this keeps the page right if the stream is down.
  if (left <= 0) setStatus("expired");
}

const MESSAGES: Record<Status, { kind: string; text: string; title?: string; detail?: string }> = {
  open: { kind: "info", text: "Waiting for payment. Scan the code with your wallet." },
  paid: { kind: "ok", text: "Paid. Thank you!", title: "Payment received", detail: "You can close this page." },
  expired: {
    kind: "bad",
    text: "This checkout has expired.",
    title: "Checkout expired",
    detail: "No money was taken. Ask the merchant for a new code.",
  },
  canceled: {
    kind: "bad",
    text: "The merchant canceled this checkout.",
    title: "Checkout canceled",
    detail: "No money was taken.",
  },
};

function setStatus(next: Status): void {
  if (FINAL.has(status) && next !== status) return; // a final status stays
  status = next;
  const message = MESSAGES[next] ?? MESSAGES.canceled;
  const box = byId("status");
  box.className = `notice ${message.kind}`;
  box.textContent = message.text;
  byId("checkout").dataset.status = next;
  if (!FINAL.has(next)) return;
  stream?.close();
  window.clearInterval(ticker);
  show(byId("countdown-line"), false);
  show(byId("code-card"), false);
  byId("done-title").textContent = message.title ?? "";
  byId("done-text").textContent = message.detail ?? "";
  show(byId("done-card"), true);
}

function fail(text: string): void {
  const main = byId("main");
  const notice = document.createElement("p");
  notice.className = "notice bad";
  notice.setAttribute("role", "alert");
  notice.textContent = text;
  main.append(notice);
}

void start();
