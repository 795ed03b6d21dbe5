/**
 * The payer's wallet, /wallet: sign in with a wallet token; balance and history; pay a
 * merchant's QR code (camera, image upload or pasted text -> preview -> confirm ->
 * receipt); show a one-time consumer-presented code with its countdown.
 */
import "../shared/styles.css";
import "./wallet.css";
import { Api, ApiError, explain, newIdempotencyKey, query, type Page } from "../shared/api";
import { byId, copyButton, fill, h, show } from "../shared/dom";
import { formatMinor, minorUnits, parseMajor } from "../shared/money";
import { qrSvg } from "../shared/qr-render";
import { remember, remembered } from "../shared/session";
import { formatDateTime, formatRemaining } from "../shared/time";
import { cameraAvailable, Scanner } from "./scan";

interface Wallet {
  id: string;
  name: string;
  currency: string;
  balance: number;
  available: number;
}
interface Transaction {
  id: string;
  amount: number;
  currency: string;
  code: string;
  status: string;
  payment_id: string | null;
  created_at: string;
}
interface Preview {
  scheme: string;
  merchant_name: string | null;
  merchant_city: string | null;
  amount: number | null;
  currency: string | null;
  networks: string[];
  checkout_id: string | null;
  payable: boolean;
  reason: string | null;
}
interface Payment {
  id: string;
  status: string;
  amount: number;
  currency: string;
  created_at: string;
}
interface CpmToken {
  payload: string;
  expires_at: string;
}

const TOKEN_KEY = "qrpay.wallet-token";
const HISTORY_PAGE = 10;
const CODE_LABELS: Record<string, string> = { payment: "Payment", refund: "Refund", top_up: "Top-up" };

let api = new Api(null);
let wallet: Wallet | null = null;
let scanned: { payload: string; preview: Preview } | null = null;
const idempotencyKeys = new Map<string, string>();
let historyCursor: string | null = null;
let cpmTimer = 0;
let scanner: Scanner | null = null;

// --- sign in -------------------------------------------------------------------------

async function signIn(token: string): Promise<boolean> {
  api = new Api(token);
  try {
    wallet = await api.get<Wallet>("/v1/wallet");
  } catch (error) {
    api = new Api(null);
    const box = byId("sign-in-error");
    box.textContent = explain(error);
    show(box, true);
    return false;
  }
  remember(TOKEN_KEY, token);
  show(byId("sign-in"), false);
  show(byId("wallet"), true);
  show(byId("account-bar"), true);
  byId("wallet-name").textContent = `Signed in as ${wallet.name}`;
  renderBalance();
  await loadHistory(true);
  return true;
}

function signOut(): void {
  remember(TOKEN_KEY, null);
  location.reload();
}

function renderBalance(): void {
  if (!wallet) return;
  byId("balance").textContent = formatMinor(wallet.balance, wallet.currency);
  byId("available").textContent = `Available: ${formatMinor(wallet.available, wallet.currency)}`;
}

async function refreshWallet(): Promise<void> {
  wallet = await api.get<Wallet>("/v1/wallet");
  renderBalance();
  await loadHistory(true);
}

// --- history -------------------------------------------------------------------------

async function loadHistory(fromStart: boolean): Promise<void> {
  if (fromStart) historyCursor = null;
  const page = await api.get<Page<Transaction>>(
    `/v1/wallet/transactions${query({ limit: HISTORY_PAGE, starting_after: historyCursor })}`,
  );
  const list = byId("history");
  if (fromStart) list.replaceChildren();
  for (const t of page.data) list.append(historyItem(t));
  historyCursor = page.data.length ? page.data[page.data.length - 1].id : historyCursor;
  show(byId("history-empty"), fromStart && page.data.length === 0);
  show(byId("history-more"), page.has_more);
}

function historyItem(t: Transaction): HTMLLIElement {
  const amount = formatMinor(t.amount, t.currency);
  return h(
    "li",
    {},
    h("span", { class: "what" }, h("strong", {}, CODE_LABELS[t.code] ?? t.code), h("br"),
      h("span", { class: "muted small" }, formatDateTime(t.created_at))),
    h("span", { class: `how-much ${t.amount > 0 ? "credit" : ""}` }, t.amount > 0 ? `+${amount}` : amount),
  );
}

// --- pay: decode, preview, confirm, receipt ------------------------------------------

function payError(text: string | null): void {
  const box = byId("pay-error");
  box.textContent = text ?? "";
  show(box, text !== null);
}

async function decodeImage(file: File): Promise<void> {
  payError(null);
  try {
    const { decodeQr } = await import("../shared/qr-decode");
    const text = await decodeQr(file);
    if (!text) {
      payError("No QR code was found in that image. Try a sharper or larger picture.");
      return;
    }
    byId<HTMLTextAreaElement>("payload").value = text;
    await showPreview(text);
  } catch {
    payError("That file could not be read as an image.");
  }
}

async function showPreview(payload: string): Promise<void> {
  payError(null);
  const cleaned = payload.trim();
  if (!cleaned) {
    payError("Paste a payment code first.");
    byId("payload").focus();
    return;
  }
  let preview: Preview;
  try {
    preview = await api.post<Preview>("/v1/qr/decode", { payload: cleaned });
  } catch (error) {
    payError(explain(error));
    return;
  }
  scanned = { payload: cleaned, preview };
  renderPreview(preview);
  show(byId("pay-input"), false);
  show(byId("preview"), true);
  const amountInput = byId<HTMLInputElement>("amount");
  (preview.amount === null ? amountInput : byId("confirm")).focus();
}

function renderPreview(p: Preview): void {
  const currency = p.currency ?? wallet?.currency ?? "XXX";
  const facts: [string, string][] = [
    ["Merchant", p.merchant_name ?? "Unknown merchant"],
    ["City", p.merchant_city ?? "—"],
    ["Amount", p.amount === null ? "You enter it below" : formatMinor(p.amount, currency)],
    ["Currency", currency],
    ["Network", p.networks.join(", ") || p.scheme],
  ];
  fill(byId("preview-facts"), ...facts.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
  const needsAmount = p.amount === null;
  show(byId("amount-field"), needsAmount);
  byId<HTMLInputElement>("amount").value = "";
  byId("amount-hint").textContent = `In ${currency}, for example ${formatMinor(12 * 10 ** minorUnits(currency), currency)}.`;
  const refused = p.payable ? null : `This code cannot be paid: ${p.reason ?? "unknown reason"}.`;
  previewError(refused);
  byId<HTMLButtonElement>("confirm").disabled = !p.payable;
  byId("confirm").textContent = p.amount === null ? "Pay" : `Pay ${formatMinor(p.amount, currency)}`;
}

function previewError(text: string | null): void {
  const box = byId("preview-error");
  box.textContent = text ?? "";
  show(box, text !== null);
}

async function confirm(): Promise<void> {
  if (!scanned || !wallet) return;
  const currency = scanned.preview.currency ?? wallet.currency;
  let amount: number | null = null;
  if (scanned.preview.amount === null) {
    amount = parseMajor(byId<HTMLInputElement>("amount").value, currency);
    if (amount === null) {
      previewError(`Enter an amount above zero in ${currency}, with at most ${minorUnits(currency)} decimals.`);
      byId("amount").focus();
      return;
    }
  }
  // One key per code and amount: a retried click replays the first answer, never pays twice.
  const body = amount === null ? { qr_payload: scanned.payload } : { qr_payload: scanned.payload, amount };
  const bodyKey = JSON.stringify(body);
  const key = idempotencyKeys.get(bodyKey) ?? newIdempotencyKey();
  idempotencyKeys.set(bodyKey, key);
  const button = byId<HTMLButtonElement>("confirm");
  button.disabled = true;
  try {
    const payment = await api.post<Payment>("/v1/payments", body, key);
    showReceipt(payment, scanned.preview);
  } catch (error) {
    previewError(explain(error));
    button.disabled = error instanceof ApiError && error.status < 500 && error.code !== "network.unreachable";
  }
}

function showReceipt(payment: Payment, preview: Preview): void {
  show(byId("preview"), false);
  const ok = payment.status === "succeeded";
  const status = byId("receipt-status");
  status.className = `notice ${ok ? "ok" : "bad"}`;
  status.textContent = ok ? "Payment succeeded." : `Payment ${payment.status}.`;
  const facts: [string, string][] = [
    ["Paid to", preview.merchant_name ?? "—"],
    ["Amount", formatMinor(payment.amount, payment.currency)],
    ["Status", payment.status],
    ["Payment id", payment.id],
    ["Time", formatDateTime(payment.created_at)],
  ];
  fill(byId("receipt-facts"), ...facts.flatMap(([term, value]) => [h("dt", {}, term), h("dd", { class: term === "Payment id" ? "mono" : "" }, value)]));
  show(byId("receipt"), true);
  byId("receipt").focus();
  void refreshWallet();
}

function resetPay(): void {
  scanned = null;
  byId<HTMLTextAreaElement>("payload").value = "";
  byId<HTMLInputElement>("upload").value = "";
  show(byId("preview"), false);
  show(byId("receipt"), false);
  show(byId("pay-input"), true);
  payError(null);
  byId("payload").focus();
}

async function startCamera(): Promise<void> {
  payError(null);
  scanner = new Scanner(byId<HTMLVideoElement>("camera"), (text) => {
    show(byId("scanner"), false);
    byId<HTMLTextAreaElement>("payload").value = text;
    void showPreview(text);
  });
  show(byId("scanner"), true);
  try {
    await scanner.start();
  } catch {
    show(byId("scanner"), false);
    payError("The camera could not be opened. Allow camera access, or upload a picture of the code.");
  }
}

// --- consumer-presented code ---------------------------------------------------------

async function issueCpm(): Promise<void> {
  const status = byId("cpm-status");
  let token: CpmToken;
  try {
    token = await api.post<CpmToken>("/v1/wallet/cpm-tokens", {});
  } catch (error) {
    status.textContent = explain(error);
    show(byId("cpm"), true);
    return;
  }
  fill(byId("cpm-qr"), qrSvg(token.payload, "Your one-time payment code. The same code is below as text."));
  const field = byId<HTMLTextAreaElement>("cpm-payload");
  field.value = token.payload;
  fill(byId("cpm-copy-slot"), copyButton(field, status, "Copy code"));
  status.textContent = "Show this code to the cashier.";
  show(byId("cpm-countdown-line"), true);
  show(byId("cpm"), true);
  byId("cpm-issue").textContent = "New code";
  const expiresAt = Date.parse(token.expires_at);
  window.clearInterval(cpmTimer);
  const tick = (): void => {
    const left = expiresAt - Date.now();
    byId("cpm-countdown").textContent = formatRemaining(left);
    if (left <= 0) {
      window.clearInterval(cpmTimer);
      byId("cpm-qr").replaceChildren();
      field.value = "";
      show(byId("cpm-countdown-line"), false);
      status.textContent = "The code expired. Show a new one when you are ready to pay.";
    }
  };
  tick();
  cpmTimer = window.setInterval(tick, 1000);
}

// --- wiring --------------------------------------------------------------------------

function wire(): void {
  byId<HTMLFormElement>("sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = byId<HTMLInputElement>("token").value.trim();
    if (token) void signIn(token);
  });
  byId("sign-out").addEventListener("click", signOut);
  byId<HTMLFormElement>("paste-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void showPreview(byId<HTMLTextAreaElement>("payload").value);
  });
  byId<HTMLInputElement>("upload").addEventListener("change", (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void decodeImage(file);
  });
  byId<HTMLFormElement>("preview").addEventListener("submit", (event) => {
    event.preventDefault();
    void confirm();
  });
  byId("cancel").addEventListener("click", resetPay);
  byId("receipt-done").addEventListener("click", resetPay);
  byId("history-more").addEventListener("click", () => void loadHistory(false));
  byId("cpm-issue").addEventListener("click", () => void issueCpm());
  const scanButton = byId<HTMLButtonElement>("scan-start");
  show(scanButton, cameraAvailable());
  scanButton.addEventListener("click", () => void startCamera());
  byId("scan-stop").addEventListener("click", () => {
    scanner?.stop();
    show(byId("scanner"), false);
  });
}

wire();
const saved = remembered(TOKEN_KEY);
if (saved) void signIn(saved);
