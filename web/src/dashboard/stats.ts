/** Charts: payment volume and success rate per hour and network; latency percentiles. */
import { explain, query } from "../shared/api";
import { fill, h } from "../shared/dom";
import { formatHour } from "../shared/time";
import { hourSlots, lines, seriesBy, stackedBars, successRate, type Series } from "./charts";
import type { Panel } from "./panels";

interface Volume {
  hour: string;
  network: string;
  currency: string;
  created: number;
  succeeded: number;
  amount_succeeded: number;
}
interface Latency {
  hour: string;
  network: string;
  samples: number;
  latency_ms_p50: number;
  latency_ms_p95: number;
  latency_ms_p99: number;
}
interface Stats {
  created_gte: string;
  created_lt: string;
  volume: Volume[];
  latency: Latency[];
}

const RANGES = [
  [24, "Last 24 hours"],
  [72, "Last 3 days"],
  [168, "Last 7 days"],
] as const;
let hours = 24;

function formatMs(ms: number): string {
  return `${ms < 1 ? ms.toFixed(3) : ms.toFixed(1)} ms`;
}

function legend(series: Series[]): HTMLUListElement {
  return h("ul", { class: "legend" }, ...series.map((s, k) => h("li", {}, h("span", { class: `swatch c${k % 5}`, "aria-hidden": "true" }), s.name)));
}

function dataTable(caption: string, head: string[], rows: (string | number)[][]): HTMLDetailsElement {
  return h("details", {}, h("summary", {}, `${caption} as a table`),
    h("div", { class: "table-wrap" }, h("table", {},
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, ...head.map((t, i) => h("th", { scope: "col", class: i > 1 ? "num" : "" }, t)))),
      h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((v, i) => h("td", { class: i > 1 ? "num" : "" }, String(v)))))))));
}

function chartCard(id: string, title: string, note: string, ...content: Node[]): HTMLElement {
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), h("p", { class: "hint" }, note), ...content);
}

export const statsPanel: Panel = {
  route: "stats",
  title: "Charts",
  async render(container, context) {
    const range = h("select", { id: "range" }, ...RANGES.map(([value, label]) => h("option", { value }, label)));
    range.value = String(hours);
    range.addEventListener("change", () => {
      hours = Number(range.value);
      void this.render(container, context, null);
    });
    const body = h("div", {}, h("p", { class: "muted", role: "status" }, "Loading…"));
    fill(container, h("h1", {}, "Charts"), h("div", { class: "field period" }, h("label", { for: "range" }, "Period"), range), body);
    let stats: Stats;
    try {
      stats = await context.api.get<Stats>(`/v1/operator/stats/payments${query({ hours })}`);
    } catch (error) {
      fill(body, h("p", { class: "notice bad", role: "alert" }, explain(error)));
      return;
    }
    const slots = hourSlots(stats.created_gte, stats.created_lt);
    const created = seriesBy(stats.volume, slots, (v) => v.hour, (v) => v.network, (g) => g.reduce((n, v) => n + v.created, 0));
    const rate = seriesBy(stats.volume, slots, (v) => v.hour, (v) => v.network,
      (g) => successRate(g.reduce((n, v) => n + v.created, 0), g.reduce((n, v) => n + v.succeeded, 0)) ?? 0);
    const p95 = seriesBy(stats.latency, slots, (l) => l.hour, (l) => l.network, (g) => g[0].latency_ms_p95);
    const total = stats.volume.reduce((n, v) => n + v.created, 0);
    const ok = stats.volume.reduce((n, v) => n + v.succeeded, 0);
    const samples = stats.latency.reduce((n, l) => n + l.samples, 0);
    const worstP99 = Math.max(0, ...stats.latency.map((l) => l.latency_ms_p99));
    fill(body,
      h("div", { class: "kpis" },
        h("div", { class: "kpi" }, h("div", { class: "muted small" }, "Payments"), h("div", { class: "value" }, String(total))),
        h("div", { class: "kpi" }, h("div", { class: "muted small" }, "Success rate"),
          h("div", { class: "value" }, total ? `${(100 * ok / total).toFixed(1)} %` : "—")),
        h("div", { class: "kpi" }, h("div", { class: "muted small" }, "Worst p99 latency"),
          h("div", { class: "value" }, samples ? `${formatMs(worstP99)}` : "—")),
      ),
      h("div", { class: "charts" },
        chartCard("volume-title", "Payment volume per hour", "Payments created, by network.",
          legend(created), stackedBars(slots, created, { label: `Payments per hour by network: ${total} in the period.` }),
          dataTable("Volume", ["Hour", "Network", "Created", "Succeeded"],
            stats.volume.map((v) => [formatHour(v.hour), v.network, v.created, v.succeeded]))),
        chartCard("rate-title", "Success rate per hour", "Share of payments captured. Declines are not stored yet, so this reads 100 % for now.",
          legend(rate), lines(slots, rate, { label: "Success rate per hour by network, in percent.", max: 100, unit: "%" })),
        chartCard("latency-title", "Network latency per hour (p95, ms)", "Each attempt's round trip to its network, as recorded on its timeline.",
          legend(p95), lines(slots, p95, { label: `95th percentile latency per hour by network, in milliseconds, ${samples} attempts.` }),
          dataTable("Latency percentiles", ["Hour", "Network", "Attempts", "p50 ms", "p95 ms", "p99 ms"],
            stats.latency.map((l) => [formatHour(l.hour), l.network, l.samples, l.latency_ms_p50.toFixed(2), l.latency_ms_p95.toFixed(2), l.latency_ms_p99.toFixed(2)]))),
      ));
  },
};
