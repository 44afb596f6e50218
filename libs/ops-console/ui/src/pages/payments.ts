import { get } from '../api';
import { announce, h, link } from '../dom';
import { STATUSES, amount, deadline, isFinal, laterStatus, refreshDeadlines, statusBadge, time } from '../format';
import { Page, PageContext } from '../router';
import { PaymentSummary } from '../stream';

const FILTERS = ['status', 'participant', 'side', 'sourceCurrency', 'targetCurrency', 'from', 'to', 'uetr', 'endToEndId'] as const;
const PAGE_SIZE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEADLINE_REFRESH_MS = 30_000;

/** A list filtered on a waiting status shows the deadline each payment waits against, as one more column. */
export interface DeadlineColumn {
  title: string;
  of: (p: PaymentSummary) => string | undefined;
}

const DEADLINE_COLUMNS: Partial<Record<string, DeadlineColumn>> = {
  RESERVED: { title: 'Fulfil before', of: (p) => p.reservedUntil },
  QUEUED: { title: 'Queued until', of: (p) => p.queuedUntil },
};

/** datetime-local (the browser's time zone) → ISO 8601 UTC for the API. */
function toIso(local: string): string {
  return local ? new Date(local).toISOString() : '';
}

function toLocal(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function paymentRow(p: PaymentSummary, deadlineColumn?: DeadlineColumn): HTMLTableRowElement {
  const due = deadlineColumn?.of(p);
  return h(
    'tr',
    { 'data-uetr': p.uetr, 'data-shown': p.status },
    h('td', {}, time(p.createdAt)),
    h('td', {}, link(`#/payments/${p.uetr}`, h('code', {}, p.uetr), { class: 'uetr' })),
    h('td', {}, p.endToEndId),
    h(
      'td',
      {},
      link(`#/participants/${encodeURIComponent(p.debtorParticipant)}`, p.debtorParticipant),
      ' → ',
      link(`#/participants/${encodeURIComponent(p.creditorParticipant)}`, p.creditorParticipant),
    ),
    h('td', { class: 'num' }, amount(p.sendAmount, p.sourceCurrency)),
    h('td', { class: 'num' }, amount(p.receiveAmount, p.targetCurrency)),
    h('td', { class: 'status-cell' }, statusBadge(p.status)),
    h('td', { class: 'num' }, p.blockHeight === null ? '—' : link(`#/blocks/${p.blockHeight}`, String(p.blockHeight))),
    deadlineColumn ? h('td', { class: 'deadline-cell' }, due ? deadline(due) : '—') : null,
  );
}

export function paymentTable(caption: string, body: HTMLTableSectionElement, deadlineColumn?: DeadlineColumn): HTMLTableElement {
  return h(
    'table',
    { class: 'data payments' },
    h('caption', { class: 'visually-hidden' }, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Created', 'UETR', 'End-to-end id', 'Debtor → creditor', 'Sent', 'Received', 'Status', 'Block', ...(deadlineColumn ? [deadlineColumn.title] : [])].map(
          (t) => h('th', { scope: 'col' }, t),
        ),
      ),
    ),
    body,
  );
}

export async function paymentsPage(ctx: PageContext, params: URLSearchParams): Promise<Page> {
  const filters = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const cursor = params.get('cursor');
  const query = new URLSearchParams();
  for (const f of FILTERS) if (filters[f]) query.set(f, filters[f]);
  query.set('limit', String(PAGE_SIZE));
  if (cursor) query.set('cursor', cursor);
  const page = await get<{ data: PaymentSummary[]; nextCursor: string | null }>(`/payments?${query.toString()}`);

  const field = (name: string, label: string, input: HTMLElement) => h('div', { class: 'field' }, h('label', { for: `filter-${name}` }, label), input);
  const text = (name: (typeof FILTERS)[number], placeholder = '', extra: Record<string, string> = {}) =>
    h('input', { id: `filter-${name}`, name, value: filters[name], placeholder, autocomplete: 'off', ...extra });
  const search = h('input', {
    id: 'filter-search',
    name: 'search',
    type: 'search',
    value: filters.uetr || filters.endToEndId,
    placeholder: 'UETR or end-to-end id',
    autocomplete: 'off',
  });
  const status = h(
    'select',
    { id: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'Any status'),
    STATUSES.map((s) => h('option', { value: s, selected: filters.status === s }, s)),
  );
  const side = h(
    'select',
    { id: 'filter-side', name: 'side' },
    [
      ['either', 'as debtor or creditor'],
      ['debtor', 'as debtor'],
      ['creditor', 'as creditor'],
    ].map(([v, l]) => h('option', { value: v, selected: (filters.side || 'either') === v }, l)),
  );
  const from = h('input', { id: 'filter-from', name: 'from', type: 'datetime-local', value: toLocal(filters.from || null) });
  const to = h('input', { id: 'filter-to', name: 'to', type: 'datetime-local', value: toLocal(filters.to || null) });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter payments' },
    field('search', 'Search', search),
    field('status', 'Status', status),
    field('participant', 'Participant', text('participant', 'e.g. BANKUS33', { pattern: '[A-Z0-9]{4,11}', title: '4 to 11 capital letters or digits' })),
    field('side', 'Role', side),
    field('sourceCurrency', 'From currency', text('sourceCurrency', 'USD', { pattern: '[A-Z]{3}', size: '4' })),
    field('targetCurrency', 'To currency', text('targetCurrency', 'EUR', { pattern: '[A-Z]{3}', size: '4' })),
    field('from', 'Created from', from),
    field('to', 'Created before', to),
    h('div', { class: 'field buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Apply'), h('a', { href: '#/payments', class: 'button' }, 'Clear')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next = new URLSearchParams();
    const s = String(data.get('search') ?? '').trim();
    if (s) next.set(UUID.test(s) ? 'uetr' : 'endToEndId', s);
    for (const name of ['status', 'participant', 'side', 'sourceCurrency', 'targetCurrency'] as const) {
      const v = String(data.get(name) ?? '').trim();
      if (v && !(name === 'side' && v === 'either')) next.set(name, name === 'participant' || name.endsWith('Currency') ? v.toUpperCase() : v);
    }
    if (from.value) next.set('from', toIso(from.value));
    if (to.value) next.set('to', toIso(to.value));
    ctx.go(`#/payments?${next.toString()}`);
  });

  const deadlineColumn = DEADLINE_COLUMNS[filters.status];
  const body = h(
    'tbody',
    {},
    page.data.map((p) => paymentRow(p, deadlineColumn)),
  );
  const first = !cursor;
  const noFilters = FILTERS.every((f) => !filters[f] || f === 'side');
  const pager = h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    first ? null : h('button', { type: 'button', class: 'button', onclick: () => history.back() }, '← Newer'),
    first ? null : link(`#/payments?${withoutCursor(params)}`, 'Newest', { class: 'button' }),
    page.nextCursor
      ? link(`#/payments?${withCursor(params, page.nextCursor)}`, 'Older →', { class: 'button', rel: 'next', id: 'older' })
      : h('span', { class: 'muted' }, 'No older payments'),
  );
  const liveNote = h(
    'p',
    { class: 'muted' },
    first && noFilters ? 'New payments and status changes appear here as they happen.' : 'Status changes of the payments shown appear as they happen.',
  );

  const off = ctx.stream.subscribe((event) => {
    if (event.type === 'reload') {
      liveNote.replaceChildren(
        'Many payments changed at once. ',
        h('button', { type: 'button', class: 'button', onclick: () => location.reload() }, 'Refresh the list'),
      );
      return;
    }
    if (event.type !== 'payment') return;
    const { payment: p, reached } = event.data;
    const existing = body.querySelector<HTMLTableRowElement>(`tr[data-uetr="${p.uetr}"]`);
    const status = laterStatus(existing?.dataset.shown, reached);
    const row = paymentRow({ ...p, status, blockHeight: isFinal(status) ? p.blockHeight : null }, deadlineColumn);
    if (existing) {
      existing.replaceWith(row);
      if (status !== existing.dataset.shown) announce(`Payment ${p.uetr.slice(0, 8)} is now ${status}`);
    } else if (first && noFilters && reached === 'RECEIVED') {
      body.prepend(row);
      while (body.children.length > PAGE_SIZE) body.lastElementChild?.remove();
      announce(`New payment ${p.uetr.slice(0, 8)} received`);
    }
  });

  const el = h(
    'section',
    {},
    h('div', { class: 'page-head' }, h('h1', {}, 'Payments'), liveNote),
    form,
    h('div', { class: 'table-wrap' }, paymentTable('Payments, newest first', body, deadlineColumn)),
    pager,
  );
  const ticker = deadlineColumn ? window.setInterval(() => refreshDeadlines(body), DEADLINE_REFRESH_MS) : undefined;
  return {
    title: 'Payments',
    el,
    destroy: () => {
      off();
      window.clearInterval(ticker);
    },
  };
}

function withCursor(params: URLSearchParams, cursor: string): string {
  const next = new URLSearchParams(params);
  next.set('cursor', cursor);
  return next.toString();
}

function withoutCursor(params: URLSearchParams): string {
  const next = new URLSearchParams(params);
  next.delete('cursor');
  return next.toString();
}
