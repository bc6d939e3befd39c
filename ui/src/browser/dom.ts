/**
 * What the pages' browser code shares. Text from the network or a device goes into the page with
 * textContent / attributes only (never innerHTML: tests/hygiene/browser-code.test.ts refuses it).
 */

/** The element with this id; a missing one is a page/bundle mismatch and fails loudly. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page element #${id} is missing`);
  return e as T;
}

type Child = Node | string | number | null | undefined | false;

/** An element with attributes (string values; `true` for a bare attribute) and text/element children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string | number | boolean | undefined>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    e.setAttribute(name, value === true ? '' : String(value));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

/** JSON the server put in `<script type="application/json" id=…>` (ui JsonData). */
export function readJson<T>(id: string): T {
  return JSON.parse(byId(id).textContent ?? 'null') as T;
}
