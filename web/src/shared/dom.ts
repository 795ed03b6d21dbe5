/** A few DOM helpers: build elements without innerHTML (the pages' CSP forbids inline code). */

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** h("button", {type: "button", onclick: f}, "Pay") */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttrs(element, attrs);
  append(element, children);
  return element;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg(tag: string, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElement {
  const element = document.createElementNS(SVG_NS, tag) as SVGElement;
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  append(element, children);
  return element;
}

function setAttrs(element: HTMLElement, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
}

function append(element: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

/** Replace an element's children. */
export function fill(element: Element, ...children: Child[]): void {
  element.replaceChildren();
  append(element, children);
}

export function show(element: HTMLElement, visible: boolean): void {
  element.hidden = !visible;
}

/** Copy text, with a fallback for pages where the Clipboard API is not allowed. */
export async function copyText(text: string, source: HTMLTextAreaElement | HTMLInputElement | null = null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!source) return false;
    source.select();
    return document.execCommand("copy");
  }
}

/** A "Copy" button for a read-only field, which says in a live region that it copied. */
export function copyButton(field: HTMLTextAreaElement | HTMLInputElement, status: HTMLElement, label = "Copy"): HTMLButtonElement {
  return h("button", {
    type: "button",
    class: "secondary",
    onclick: async () => {
      const done = await copyText(field.value, field);
      status.textContent = done ? "Copied to the clipboard." : "Select the text and copy it.";
    },
  }, label);
}
