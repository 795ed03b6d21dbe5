/**
 * The dashboard's sections, one module each, listed in PANELS (main.ts). A section the
 * gateway cannot back yet is simply absent: connectors and circuit state, routing rules,
 * webhooks and the audit log come with the connectivity and back-office work, each as one
 * more module here and one more line in that list.
 */
import type { Api } from "../shared/api";

export interface DashboardContext {
  api: Api;
  /** Go to another view, e.g. "payments" or "payment/pay_123". */
  go(route: string): void;
}

export interface Panel {
  /** The first part of the route (#payments, #payment/ID). */
  route: string;
  /** Shown in the navigation; a panel without a title is reached by links only. */
  title?: string;
  render(container: HTMLElement, context: DashboardContext, argument: string | null): Promise<void>;
}

export function statusBadge(status: string): HTMLSpanElement {
  const kind = ["succeeded", "active", "approved"].includes(status)
    ? "ok"
    : ["failed", "declined", "canceled"].includes(status)
      ? "bad"
      : ["refunded", "partially_refunded", "pending", "processing"].includes(status)
        ? "warn"
        : "";
  const badge = document.createElement("span");
  badge.className = `badge ${kind}`;
  badge.textContent = status.replace(/_/g, " ");
  return badge;
}
