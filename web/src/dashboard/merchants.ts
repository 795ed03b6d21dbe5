/** Merchants: the list, onboarding a new one, issuing an API key (shown once). */
import { explain, query, type Page } from "../shared/api";
import { copyButton, fill, h } from "../shared/dom";
import { formatDateTime } from "../shared/time";
import { statusBadge, type DashboardContext, type Panel } from "./panels";

interface Merchant {
  id: string;
  name: string;
  display_name: string;
  city: string;
  country: string;
  mcc: string;
  currency: string;
  status: string;
  created_at: string;
}

const FIELDS: [string, string, string][] = [
  ["name", "Legal name", "Somtam Corner Co., Ltd."],
  ["display_name", "Display name (shown to payers)", "Somtam Corner"],
  ["city", "City", "Bangkok"],
  ["country", "Country (ISO 3166, 2 letters)", "TH"],
  ["mcc", "Merchant category code", "5812"],
  ["currency", "Currency (ISO 4217)", "THB"],
];

export const merchantsPanel: Panel = {
  route: "merchants",
  title: "Merchants",
  async render(container, context) {
    const list = h("div", {});
    const secret = h("div", { id: "key-shown", role: "region", "aria-live": "polite", "aria-label": "New API key" });
    fill(container, h("h1", {}, "Merchants"), secret, list, createForm(context, list, secret));
    await loadList(context, list, secret);
  },
};

async function loadList(context: DashboardContext, list: HTMLElement, secret: HTMLElement): Promise<void> {
  let page: Page<Merchant>;
  try {
    page = await context.api.get<Page<Merchant>>(`/v1/merchants${query({ limit: 100 })}`);
  } catch (error) {
    fill(list, h("p", { class: "notice bad", role: "alert" }, explain(error)));
    return;
  }
  const rows = page.data.map((m) =>
    h("tr", {},
      h("td", { "data-label": "Merchant" }, h("span", {}, h("strong", {}, m.display_name), h("br"), h("span", { class: "muted small" }, m.name))),
      h("td", { "data-label": "Id", class: "mono-id" }, m.id),
      h("td", { "data-label": "Location" }, `${m.city}, ${m.country}`),
      h("td", { "data-label": "Currency" }, m.currency),
      h("td", { "data-label": "Status" }, statusBadge(m.status)),
      h("td", { "data-label": "Created" }, formatDateTime(m.created_at)),
      h("td", { "data-label": "Keys" }, h("button", { type: "button", class: "secondary", onclick: () => void issueKey(context, m, secret) }, "Issue API key")),
    ));
  fill(list, h("section", { class: "card", "aria-labelledby": "merchant-list-title" },
    h("h2", { id: "merchant-list-title" }, `Onboarded merchants (${page.data.length}${page.has_more ? "+" : ""})`),
    h("div", { class: "table-wrap cards-on-phone", tabindex: 0, role: "region", "aria-label": "Merchants table" }, h("table", {},
      h("thead", {}, h("tr", {}, ...["Merchant", "Id", "Location", "Currency", "Status", "Created", "Keys"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...rows)))));
}

async function issueKey(context: DashboardContext, merchant: Merchant, secret: HTMLElement): Promise<void> {
  try {
    const key = await context.api.post<{ key: string }>(`/v1/merchants/${encodeURIComponent(merchant.id)}/api-keys`, {});
    const field = h("input", { id: "new-key", type: "text", readonly: true, value: key.key });
    const status = h("span", { class: "small", role: "status" });
    fill(secret, h("div", { class: "notice warn" },
      h("p", {}, h("strong", {}, `API key for ${merchant.display_name}. `), "It is shown once: copy it now. Only its hash is stored."),
      h("label", { for: "new-key" }, "API key"), h("div", { class: "secret" }, field, copyButton(field, status)), status));
    field.focus();
    field.select();
  } catch (error) {
    fill(secret, h("p", { class: "notice bad", role: "alert" }, explain(error)));
  }
}

function createForm(context: DashboardContext, list: HTMLElement, secret: HTMLElement): HTMLElement {
  const inputs = FIELDS.map(([name, label, example]) =>
    h("div", { class: "field" }, h("label", { for: `m-${name}` }, label),
      h("input", { id: `m-${name}`, name, autocomplete: "off", placeholder: example, required: name !== "display_name" })));
  const message = h("p", { role: "status", "aria-live": "polite", class: "wide" });
  const form = h("form", { class: "card form-grid", "aria-labelledby": "create-title", novalidate: true },
    h("h2", { id: "create-title" }, "Onboard a merchant"), ...inputs,
    h("div", { class: "wide" }, h("button", { type: "submit" }, "Create merchant")), message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries()) as Record<string, string>;
    if (!data.display_name) delete data.display_name;
    try {
      const created = await context.api.post<Merchant>("/v1/merchants", data);
      message.className = "notice ok";
      message.textContent = `Created ${created.display_name} (${created.id}). Issue it an API key from the list.`;
      form.reset();
      await loadList(context, list, secret);
    } catch (error) {
      message.className = "notice bad";
      message.textContent = explain(error);
    }
  });
  return form;
}
