/**
 * Small DOM builders. Text always goes in as text (never parsed as HTML), so record fields
 * from the proxy, which carry model names and provider error messages, cannot inject markup.
 */

type Child = Node | string | null | undefined | false;

/** Properties set on the element (`className`, `value`, `disabled` …) and attributes (`attrs`). */
export type ElementProps<T> = Partial<Omit<T, 'style' | 'children' | 'dataset'>> & {
  attrs?: Record<string, string | number | boolean | undefined>;
  dataset?: Record<string, string | number>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
};

/** Creates an element with properties, attributes, listeners and children. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps<HTMLElementTagNameMap[K]> = {},
  children: Child[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  const { attrs, dataset, on, ...properties } = props;
  Object.assign(node, properties);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === false) continue;
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  if (dataset) for (const [name, value] of Object.entries(dataset)) node.dataset[name] = String(value);
  if (on) {
    for (const [type, listener] of Object.entries(on)) node.addEventListener(type, listener as EventListener);
  }
  append(node, children);
  return node;
}

/** Appends children, skipping empty ones; strings become text nodes. */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces all children. */
export function replaceChildren(parent: Element, children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

const svgNamespace = 'http://www.w3.org/2000/svg';

/** Creates an SVG element; numbers are written as attributes. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | undefined> = {},
  children: Array<Node | string | null | undefined> = [],
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(svgNamespace, tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(name, String(value));
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** A codicon from the codicon font (the host links `codicon.css`). */
export function codicon(name: string, label?: string): HTMLSpanElement {
  return element('span', {
    className: `codicon codicon-${name}`,
    attrs: label ? { role: 'img', 'aria-label': label, title: label } : { 'aria-hidden': 'true' },
  });
}

/** Calls `run` once `delayMs` after the last call (for validating while the user types). */
export function debounce(run: () => void, delayMs: number): { schedule(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    schedule() {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        run();
      }, delayMs);
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
