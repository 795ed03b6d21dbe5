/** Payments of every merchant: filters, a cursor-paged table, and one payment's timeline. */
import { explain, query, type Page } from "../shared/api";
import { fill, h } from "../shared/dom";
import { describeData, maskDigits } from "../shared/mask";
import { formatMinor } from "../shared/money";
import { formatDateTime } from "../shared/time";
import { statusBadge, type DashboardContext, type Panel } from "./panels";

interface Payment {
  id: string;
  status: string;
  amount: number;
  currency: string;
  amount_refunded: number;
  merchant_id: string;
  checkout_id: string | null;
  wallet_id: string | null;
  source: string;
  route: { network?: string; chosen?: string; reason?: string } | null;
  created_at: string;
}
interface Detail extends Payment {
  attempts: { id: string; connector: string; status: string; network_code: string | null; created_at: string }[];
  timeline: { kind: string; data: Record<string, unknown>; created_at: string }[];
  refunds: { id: string; amount: number; currency: string; status: string; created_at: string }[];
}
interface Merchant {
  id: string;
  display_name: string;
}

const PAGE_SIZE = 20;
const STATUSES = ["succeeded", "partially_refunded", "refunded", "processing", "authorized", "failed", "canceled"];

/** Filters and the cursors of the pages before this one, kept while the operator pages. */
const state = { filters: {} as Record<string, string>, cursors: [] as (string | null)[] };

function dayStart(date: string): string | null {
  return date ? new Date(`${date}T00:00:00`).toISOString() : null;
}

function field(id: string, label: string, control: HTMLElement): HTMLDivElement {
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

async function merchantNames(context: DashboardContext): Promise<Map<string, string>> {
  try {
    const page = await context.api.get<Page<Merchant>>("/v1/merchants?limit=100");
    return new Map(page.data.map((m) => [m.id, m.display_name]));
  } catch {
    return new Map();
  }
}

export const paymentsPanel: Panel = {
  route: "payments",
  title: "Payments",
  async render(container, context) {
    const names = await merchantNames(context);
    const merchant = h("select", {}, h("option", { value: "" }, "All merchants"),
      ...[...names].map(([id, name]) => h("option", { value: id }, name)));
    const status = h("select", {}, h("option", { value: "" }, "Any status"),
      ...STATUSES.map((s) => h("option", { value: s }, s.replace(/_/g, " "))));
    const network = h("input", { type: "text", autocomplete: "off", placeholder: "e.g. qrpay" });
    const from = h("input", { type: "date" });
    const to = h("input", { type: "date" });
    merchant.value = state.filters.merchant_id ?? "";
    status.value = state.filters.status ?? "";
    network.value = state.filters.network ?? "";
    from.value = state.filters.from ?? "";
    to.value = state.filters.to ?? "";
    const results = h("div", { id: "payments-results" });
    const form = h("form", { class: "filters card", "aria-label": "Filter payments" },
      field("f-status", "Status", status),
      field("f-merchant", "Merchant", merchant),
      field("f-network", "Network", network),
      field("f-from", "From (date)", from),
      field("f-to", "To (date, inclusive)", to),
      h("div", { class: "actions field" }, h("button", { type: "submit" }, "Apply filters"),
        h("button", { type: "reset", class: "secondary" }, "Clear")),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      state.filters = { status: status.value, merchant_id: merchant.value, network: network.value.trim(), from: from.value, to: to.value };
      state.cursors = [null];
      void loadPage(results, context, names);
    });
    form.addEventListener("reset", () => {
      state.filters = {};
      state.cursors = [null];
      window.setTimeout(() => void loadPage(results, context, names));
    });
    fill(container, h("h1", {}, "Payments"), form, results);
    if (state.cursors.length === 0) state.cursors = [null];
    await loadPage(results, context, names);
  },
};

async function loadPage(results: HTMLElement, context: DashboardContext, names: Map<string, string>): Promise<void> {
  const f = state.filters;
  const toDay = f.to ? new Date(Date.parse(`${f.to}T00:00:00`) + 86_400_000).toISOString() : null;
  const path = `/v1/operator/payments${query({
    limit: PAGE_SIZE,
    status: f.status,
    merchant_id: f.merchant_id,
    network: f.network,
    created_gte: dayStart(f.from ?? ""),
    created_lt: toDay,
    starting_after: state.cursors[state.cursors.length - 1],
  })}`;
  fill(results, h("p", { class: "muted", role: "status" }, "Loading payments…"));
  let page: Page<Payment>;
  try {
    page = await context.api.get<Page<Payment>>(path);
  } catch (error) {
    fill(results, h("p", { class: "notice bad", role: "alert" }, explain(error)));
    return;
  }
  const number = state.cursors.length;
  // data-label: on a phone each row becomes a card, and the label names each cell.
  const rows = page.data.map((p) =>
    h("tr", {},
      h("td", { "data-label": "Created" }, formatDateTime(p.created_at)),
      h("td", { "data-label": "Payment" }, h("a", { href: `#payment/${p.id}`, class: "mono-id" }, p.id)),
      h("td", { "data-label": "Merchant" }, names.get(p.merchant_id) ?? p.merchant_id),
      h("td", { "data-label": "Amount", class: "num" }, formatMinor(p.amount, p.currency)),
      h("td", { "data-label": "Status" }, statusBadge(p.status)),
      h("td", { "data-label": "Network" }, p.route?.network ?? "—"),
      h("td", { "data-label": "Source" }, p.source),
    ));
  const table = page.data.length
    ? h("div", { class: "table-wrap cards-on-phone", tabindex: 0, role: "region", "aria-label": "Payments table" },
        h("table", {},
          h("caption", { class: "visually-hidden" }, `Payments, page ${number}, newest first`),
          h("thead", {}, h("tr", {}, ...["Created", "Payment", "Merchant", "Amount", "Status", "Network", "Source"].map(
            (t) => h("th", { scope: "col", class: t === "Amount" ? "num" : "" }, t)))),
          h("tbody", {}, ...rows)))
    : h("p", { class: "muted" }, "No payments match these filters.");
  const previous = h("button", { type: "button", class: "secondary", disabled: number <= 1 }, "Previous page");
  const next = h("button", { type: "button", class: "secondary", disabled: !page.has_more }, "Next page");
  previous.addEventListener("click", () => {
    state.cursors.pop();
    void loadPage(results, context, names);
  });
  next.addEventListener("click", () => {
    state.cursors.push(page.data[page.data.length - 1].id);
    void loadPage(results, context, names);
  });
  fill(results, table, h("div", { class: "pager" }, previous, h("span", { class: "muted small", role: "status" }, `Page ${number}`), next));
}

export const paymentPanel: Panel = {
  route: "payment",
  async render(container, context, paymentId) {
    if (!paymentId) return context.go("payments");
    let p: Detail;
    try {
      p = await context.api.get<Detail>(`/v1/operator/payments/${encodeURIComponent(paymentId)}`);
    } catch (error) {
      fill(container, h("p", { class: "notice bad", role: "alert" }, explain(error)));
      return;
    }
    const facts: [string, string | Node][] = [
      ["Status", statusBadge(p.status)],
      ["Amount", formatMinor(p.amount, p.currency)],
      ["Refunded", formatMinor(p.amount_refunded, p.currency)],
      ["Merchant", p.merchant_id],
      ["Payer wallet", p.wallet_id ?? "—"],
      ["Checkout", p.checkout_id ?? "—"],
      ["Source", p.source],
      ["Network", p.route?.network ?? "—"],
      ["Connector", p.route?.chosen ?? "—"],
      ["Route reason", p.route?.reason ?? "—"],
      ["Created", formatDateTime(p.created_at)],
    ];
    const timeline = h("ol", { class: "timeline", "aria-label": "Timeline, oldest first" },
      ...p.timeline.map((e) => h("li", {},
        h("span", { class: "kind" }, e.kind.replace(/^payment\./, "").replace(/_/g, " ")), " ",
        h("time", { class: "muted small", datetime: e.created_at }, formatDateTime(e.created_at)),
        h("ul", { class: "data" }, ...describeData(e.data).map((line) => h("li", {}, line))),
      )));
    const attempts = h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ...["Attempt", "Connector", "Status", "Network code"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...p.attempts.map((a) => h("tr", {},
        h("td", { class: "mono-id" }, a.id), h("td", {}, a.connector), h("td", {}, statusBadge(a.status)),
        h("td", {}, maskDigits(a.network_code ?? "—")))))));
    const refunds = p.refunds.length
      ? h("ul", {}, ...p.refunds.map((r) => h("li", {}, `${formatMinor(r.amount, r.currency)} · ${r.status} · ${formatDateTime(r.created_at)}`)))
      : h("p", { class: "muted" }, "No refunds.");
    fill(container,
      h("p", {}, h("a", { href: "#payments" }, "← All payments")),
      h("h1", { id: "payment-title" }, "Payment ", h("span", { class: "mono-id" }, p.id)),
      h("div", { class: "detail-grid" },
        h("section", { class: "card", "aria-labelledby": "summary-title" }, h("h2", { id: "summary-title" }, "Summary"),
          h("dl", { class: "facts" }, ...facts.flatMap(([t, v]) => [h("dt", {}, t), h("dd", {}, v)]))),
        h("section", { class: "card", "aria-labelledby": "timeline-title" }, h("h2", { id: "timeline-title" }, "Timeline"), timeline),
        h("section", { class: "card", "aria-labelledby": "attempts-title" }, h("h2", { id: "attempts-title" }, "Attempts"), attempts,
          h("p", { class: "hint" }, "Network messages appear here once connectors record them; numbers are masked.")),
        h("section", { class: "card", "aria-labelledby": "refunds-title" }, h("h2", { id: "refunds-title" }, "Refunds"), refunds),
      ));
  },
};
