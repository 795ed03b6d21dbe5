/**
 * Small SVG charts drawn here, without a charting library: bars and lines over hourly
 * slots. The pure parts (scales, slots, series) are unit-tested; every chart has a text
 * summary for screen readers and a data table beside it.
 */
import { svg } from "../shared/dom";

/** An hour on the axis as two short lines: "24 Nov" and "21:00". */
export function axisLabel(iso: string, locale?: string): [string, string] {
  const date = new Date(iso);
  const day = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short" }).format(date);
  const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(date);
  return [day, time];
}

export const PALETTE = ["#0b5cad", "#b35900", "#1d6b34", "#6b2fa6", "#a4161a"];
// A small viewBox with large type: drawn at 300 to 600 px wide, labels stay 10 to 15 px.
const WIDTH = 420;
const HEIGHT = 220;
const MARGIN = { top: 12, right: 10, bottom: 42, left: 44 };
const TICKS = 4;
const X_LABELS_MAX = 4;

/** A round upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten, at least `value`. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

/** The start of every hour from `since` (inclusive) to `until` (exclusive), as ISO strings. */
export function hourSlots(since: string, until: string): string[] {
  const slots = [];
  const end = Date.parse(until);
  for (let t = Date.parse(since); t < end && slots.length < 24 * 31; t += 3_600_000) {
    slots.push(new Date(t).toISOString());
  }
  return slots;
}

export interface Series {
  name: string;
  values: (number | null)[];
}

/** One series per key, one value per slot (null where the slot had no row). */
export function seriesBy<T>(
  rows: T[],
  slots: string[],
  slotOf: (row: T) => string,
  keyOf: (row: T) => string,
  valueOf: (rows: T[]) => number,
): Series[] {
  const index = new Map(slots.map((slot, i) => [Date.parse(slot), i]));
  const grouped = new Map<string, T[][]>();
  for (const row of rows) {
    const i = index.get(Date.parse(slotOf(row)));
    if (i === undefined) continue;
    const key = keyOf(row);
    if (!grouped.has(key)) grouped.set(key, slots.map(() => []));
    grouped.get(key)![i].push(row);
  }
  return [...grouped.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, bySlot]) => ({ name, values: bySlot.map((group) => (group.length ? valueOf(group) : null)) }));
}

export function successRate(created: number, succeeded: number): number | null {
  return created > 0 ? (100 * succeeded) / created : null;
}

interface ChartOptions {
  label: string;
  max?: number;
  unit?: string;
}

function frame(slots: string[], max: number, unit: string, label: string): SVGElement {
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart", role: "img", "aria-label": label });
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  for (let i = 0; i <= TICKS; i++) {
    const y = MARGIN.top + plotHeight - (plotHeight * i) / TICKS;
    chart.append(svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y, y2: y, stroke: "#d5d9df" }));
    const value = (max * i) / TICKS;
    chart.append(svg("text", { x: MARGIN.left - 5, y: y + 4, "text-anchor": "end" }, `${Number(value.toPrecision(3))}${unit}`));
  }
  const every = Math.max(1, Math.ceil(slots.length / X_LABELS_MAX));
  slots.forEach((slot, i) => {
    if (i % every !== 0) return;
    const [day, time] = axisLabel(slot);
    const x = xOf(i, slots.length);
    chart.append(svg("text", { x, y: HEIGHT - 24, "text-anchor": "middle" }, time));
    chart.append(svg("text", { x, y: HEIGHT - 8, "text-anchor": "middle", class: "day" }, day));
  });
  return chart;
}

function xOf(i: number, count: number): number {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  return MARGIN.left + (plotWidth * (i + 0.5)) / Math.max(count, 1);
}

function yOf(value: number, max: number): number {
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  return MARGIN.top + plotHeight - (plotHeight * Math.min(value, max)) / max;
}

/** Stacked bars: one stack per slot, one colour per series. */
export function stackedBars(slots: string[], series: Series[], options: ChartOptions): SVGElement {
  const totals = slots.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = options.max ?? niceMax(Math.max(0, ...totals));
  const chart = frame(slots, max, options.unit ?? "", options.label);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const barWidth = Math.max(2, (plotWidth / Math.max(slots.length, 1)) * 0.7);
  slots.forEach((_, i) => {
    let base = 0;
    series.forEach((s, k) => {
      const value = s.values[i] ?? 0;
      if (value <= 0) return;
      const top = yOf(base + value, max);
      chart.append(svg("rect", { x: xOf(i, slots.length) - barWidth / 2, y: top, width: barWidth, height: yOf(base, max) - top, fill: PALETTE[k % PALETTE.length] }));
      base += value;
    });
  });
  return chart;
}

/** Lines with a dot per known value; gaps where a slot has none. */
export function lines(slots: string[], series: Series[], options: ChartOptions): SVGElement {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = options.max ?? niceMax(Math.max(0, ...all));
  const chart = frame(slots, max, options.unit ?? "", options.label);
  series.forEach((s, k) => {
    const colour = PALETTE[k % PALETTE.length];
    let path = "";
    s.values.forEach((value, i) => {
      if (value === null) return;
      const command = i > 0 && s.values[i - 1] !== null ? "L" : "M";
      path += `${command}${xOf(i, slots.length).toFixed(1)} ${yOf(value, max).toFixed(1)}`;
      chart.append(svg("circle", { cx: xOf(i, slots.length), cy: yOf(value, max), r: 3, fill: colour }));
    });
    if (path) chart.append(svg("path", { d: path, fill: "none", stroke: colour, "stroke-width": 2 }));
  });
  return chart;
}
