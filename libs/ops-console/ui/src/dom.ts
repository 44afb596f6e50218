/** Tiny DOM helpers. Text always goes in as text nodes: no HTML is ever built from data. */

export type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function replace(el: Element, ...children: (Child | Child[])[]): void {
  clear(el);
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Says something to screen readers (the page's polite live region). */
export function announce(text: string): void {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/** A table with a caption and column headers; rows are arrays of cells. */
export function table(
  caption: string,
  headers: string[],
  rows: (Child | Child[])[][],
  opts: { captionHidden?: boolean; className?: string } = {},
): HTMLTableElement {
  return h(
    'table',
    { class: opts.className ?? 'data' },
    h('caption', { class: opts.captionHidden ? 'visually-hidden' : null }, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.length === 0
        ? [h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, 'Nothing to show.'))]
        : rows.map((r) =>
            h(
              'tr',
              {},
              r.map((c) => h('td', {}, c)),
            ),
          ),
    ),
  );
}

/** A description list from label → value pairs. */
export function facts(pairs: [string, Child | Child[]][]): HTMLDListElement {
  return h(
    'dl',
    { class: 'facts' },
    pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, ...(Array.isArray(v) ? v : [v]))]),
  );
}

export function link(href: string, text: Child, attrs: Attrs = {}): HTMLAnchorElement {
  return h('a', { href, ...attrs }, text);
}

/** A button that copies `value` to the clipboard and says whether it could (the clipboard needs a secure context). */
export function copyButton(value: string, what: string, attrs: Attrs = {}): HTMLButtonElement {
  const copy = () => {
    const done = navigator.clipboard ? navigator.clipboard.writeText(value) : Promise.reject(new Error('no clipboard'));
    done.then(
      () => announce(`${what} copied`),
      () => announce(`Could not copy the ${what.toLowerCase()}: select it instead`),
    );
  };
  return h('button', { type: 'button', class: 'button copy', title: `Copy the ${what.toLowerCase()}`, onclick: copy, ...attrs }, 'Copy');
}
