/**
 * The operator dashboard, /dashboard: sign in with the operator key, then one panel per
 * section, chosen by the address's hash (#payments, #payment/ID, #stats, #merchants).
 */
import "../shared/styles.css";
import "./dashboard.css";
import { Api, explain } from "../shared/api";
import { byId, fill, h, show } from "../shared/dom";
import { remember, remembered } from "../shared/session";
import { merchantsPanel } from "./merchants";
import type { DashboardContext, Panel } from "./panels";
import { paymentPanel, paymentsPanel } from "./payments";
import { statsPanel } from "./stats";

/** Add a section by adding its panel here (see panels.ts for what is still to come). */
const PANELS: Panel[] = [paymentsPanel, paymentPanel, statsPanel, merchantsPanel];
const KEY = "qrpay.operator-key";

let context: DashboardContext | null = null;

async function signIn(key: string): Promise<void> {
  const api = new Api(key);
  try {
    await api.get("/v1/operator/payments?limit=1");
  } catch (error) {
    const box = byId("sign-in-error");
    box.textContent = explain(error);
    show(box, true);
    return;
  }
  remember(KEY, key);
  context = { api, go: (route) => { location.hash = `#${route}`; } };
  show(byId("sign-in"), false);
  show(byId("panel"), true);
  show(byId("nav"), true);
  show(byId("sign-out"), true);
  await route();
}

async function route(): Promise<void> {
  if (!context) return;
  const [name = "", ...rest] = location.hash.replace(/^#/, "").split("/");
  const panel = PANELS.find((p) => p.route === name) ?? PANELS[0];
  const current = panel.title ? panel.route : "payments";
  fill(byId("nav"), ...PANELS.filter((p) => p.title).map((p) =>
    h("a", { href: `#${p.route}`, "aria-current": p.route === current ? "page" : null }, p.title!)));
  const container = byId("panel");
  await panel.render(container, context, rest.length ? decodeURIComponent(rest.join("/")) : null);
  document.title = `${panel.title ?? "Payment"} · qrpay operator`;
}

byId<HTMLFormElement>("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = byId<HTMLInputElement>("operator-key").value.trim();
  if (key) void signIn(key);
});
byId("sign-out").addEventListener("click", () => {
  remember(KEY, null);
  location.hash = "";
  location.reload();
});
window.addEventListener("hashchange", () => {
  void route().then(() => byId("main").focus());
});
const saved = remembered(KEY);
if (saved) void signIn(saved);
