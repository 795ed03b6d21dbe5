/**
 * A QR code drawn in the browser, for the wallet's one-time consumer-presented code. That
 * code is a bearer token for 60 seconds: drawing it here keeps it out of image URLs and
 * their logs. (The checkout page shows the gateway's own SVG of a checkout instead.)
 */
import qrcode from "qrcode-generator";
import { svg } from "./dom";

const QUIET_ZONE_MODULES = 4;

/** Dark modules as horizontal runs [row, column, length]: a short SVG path. */
export function darkRuns(isDark: (row: number, column: number) => boolean, size: number): [number, number, number][] {
  const runs: [number, number, number][] = [];
  for (let row = 0; row < size; row++) {
    let column = 0;
    while (column < size) {
      if (!isDark(row, column)) {
        column++;
        continue;
      }
      const start = column;
      while (column < size && isDark(row, column)) column++;
      runs.push([row, start, column - start]);
    }
  }
  return runs;
}

export function qrSvg(payload: string, label: string): SVGElement {
  const code = qrcode(0, "M");
  code.addData(payload, "Byte");
  code.make();
  const size = code.getModuleCount();
  const full = size + 2 * QUIET_ZONE_MODULES;
  const path = darkRuns((r, c) => code.isDark(r, c), size)
    .map(([row, column, length]) => `M${column + QUIET_ZONE_MODULES} ${row + QUIET_ZONE_MODULES}h${length}v1h-${length}z`)
    .join("");
  return svg(
    "svg",
    { viewBox: `0 0 ${full} ${full}`, role: "img", "aria-label": label, "shape-rendering": "crispEdges", class: "qr" },
    svg("rect", { width: full, height: full, fill: "#fff" }),
    svg("path", { d: path, fill: "#000" }),
  );
}
