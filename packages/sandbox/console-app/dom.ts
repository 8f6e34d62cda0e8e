/** Attributes and properties of an element made by `el`: strings are attributes, functions listeners. */
export type Props = Record<
  string,
  string | number | boolean | ((event: Event) => void) | undefined
>;

/**
 * A DOM element with its attributes, `on<event>` listeners and children: the console's only
 * view helper. Text children are text nodes, never HTML, so no reply can inject markup.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) element.append(child);
  }
  return element;
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: (Node | string | null | undefined)[]): void {
  parent.replaceChildren(...children.filter((child) => child !== null && child !== undefined));
}

/** The element with this id; the page (`index.html`) has each section the views fill. */
export function section(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the console page has no #${id}`);
  return found;
}
