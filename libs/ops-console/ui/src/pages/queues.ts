import type { QueueEntryView, QueuePageView, QueueView } from '@nostro/shared';
import { ApiProblem, act, get } from '../api';
import { announce, h, link, replace } from '../dom';
import { amount, deadline, duration, refreshDeadlines } from '../format';
import { Page, PageContext } from '../router';

/** `GET /ops/api/queues`: the gateway's queue views (libs/shared), amounts in major units of each queue's currency. */
export type QueueEntry = QueueEntryView;
export type Queue = QueueView;
type QueuePage = QueuePageView;

const PAGE_SIZE = 50;
const COLUMNS = ['Debtor', 'Currency', 'Balance', 'Net debit cap', 'Queued', 'Waits for', 'Oldest', 'Payments'];
const TICK_MS = 5_000;
/** Payment events arrive in bursts (a block releases many): one reload for a burst. */
const RELOAD_DEBOUNCE_MS = 300;
const isZero = (value: string) => /^0+(\.0+)?$/.test(value);

interface QueuesContext {
  ctx: PageContext;
  report: HTMLElement;
  reload: () => Promise<void>;
}

/** The entry's wait so far: its age when the list was read, plus the time since (kept current by the page's ticker). */
function waited(e: QueueEntry, loadedAt: number): HTMLElement {
  return h('span', { class: 'waited', 'data-age-s': e.age, 'data-loaded-at': loadedAt }, duration(e.age * 1_000));
}

function refreshWaits(root: ParentNode, now = Date.now()): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-age-s]')) {
    el.textContent = duration(Number(el.dataset.ageS) * 1_000 + (now - Number(el.dataset.loadedAt)));
  }
}

/**
 * Cancel with a confirmation: the button opens a small form (optional reason) whose Confirm sends the cancel; Keep
 * closes it. The outcome goes to `report` (it outlives the row), then the list reloads.
 */
function cancelControl(uetr: string, q: QueuesContext): HTMLElement {
  const cell = h('div', { class: 'cancel-control' });
  const open = h('button', { type: 'button', class: 'danger', 'data-action': 'cancel' }, 'Cancel…');
  const say = (text: string, error: boolean) => {
    q.report.textContent = `${uetr.slice(0, 8)}: ${text}`;
    q.report.classList.toggle('form-error', error);
    announce(text);
  };
  const confirmForm = () => {
    const id = `reason-${uetr}`;
    const reason = h('input', { id, name: 'reason', maxlength: '140', autocomplete: 'off' });
    const confirm = h('button', { type: 'submit', class: 'danger', 'data-action': 'confirm-cancel' }, 'Confirm cancel');
    const keep = h('button', { type: 'button', 'data-action': 'keep' }, 'Keep it queued');
    const form = h(
      'form',
      { class: 'inline-form cancel-form', 'aria-label': `Cancel payment ${uetr}` },
      h('p', { class: 'warn-text' }, 'Cancel this payment on behalf of its debtor bank? It leaves the queue and never settles.'),
      h('div', { class: 'field' }, h('label', { for: id }, 'Reason (optional)'), reason),
      h('div', { class: 'buttons' }, confirm, keep),
    );
    keep.addEventListener('click', () => {
      replace(cell, open);
      open.focus();
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      confirm.disabled = keep.disabled = true;
      q.report.textContent = 'Sending…';
      const text = reason.value.trim();
      act<{ status?: string }>('POST', `/payments/${uetr}/cancel`, text === '' ? {} : { reason: text })
        .then(({ body }) => say(`Cancelled (${body.status ?? 'CANCELLED'}): it left the queue, and its debtor bank is told.`, false))
        .catch((e: unknown) => say(refusalText(e), true))
        .finally(() => void q.reload());
    });
    replace(cell, form);
    reason.focus();
  };
  open.addEventListener('click', confirmForm);
  replace(cell, open);
  return cell;
}

function refusalText(e: unknown): string {
  if (!(e instanceof ApiProblem)) return String(e);
  if (e.code === 'payment_not_cancellable') return `Not cancelled: it was released or rejected first (${e.status} ${e.code}).`;
  return `${e.describe()} (${e.status} ${e.code})`;
}

function entryRow(queue: Queue, e: QueueEntry, loadedAt: number, q: QueuesContext): HTMLTableRowElement {
  const payment = e.uetr
    ? link(`#/payments/${e.uetr}`, h('code', {}, e.uetr), { class: 'uetr' })
    : h('span', {}, h('code', {}, e.txId), ' ', h('span', { class: 'muted' }, '(ledger transfer)'));
  const mayCancel = e.uetr !== null && q.ctx.session.can.decide;
  return h(
    'tr',
    { class: 'queue-entry', 'data-uetr': e.uetr ?? null, 'data-tx-id': e.txId },
    h('td', {}, payment),
    h('td', { class: 'num' }, amount(e.amount, queue.currency)),
    h('td', { class: 'num' }, waited(e, loadedAt)),
    h('td', {}, deadline(e.queuedUntil)),
    h('td', { class: 'num' }, amount(e.shortfall, queue.currency)),
    q.ctx.session.can.decide ? h('td', {}, mayCancel && e.uetr ? cancelControl(e.uetr, q) : null) : null,
  );
}

/** The account's row, then a row holding its entries in release order, shown or hidden by the row's button. */
function queueRows(queue: Queue, index: number, loadedAt: number, q: QueuesContext): HTMLTableSectionElement {
  const entriesId = `queue-entries-${index}`;
  const toggle = h(
    'button',
    { type: 'button', class: 'queue-toggle', 'aria-expanded': 'true', 'aria-controls': entriesId, 'data-action': 'toggle' },
    `${queue.entries.length} waiting`,
  );
  const headers = ['Payment', 'Amount', 'Waiting', 'Deadline', 'Short up to here', ...(q.ctx.session.can.decide ? [''] : [])];
  const entries = h(
    'tr',
    { class: 'queue-entries', id: entriesId },
    h(
      'td',
      { colspan: COLUMNS.length },
      h(
        'table',
        { class: 'data queue-entries' },
        h('caption', { class: 'visually-hidden' }, `Payments waiting in ${queue.account}, first to be released first`),
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
          queue.entries.map((e) => entryRow(queue, e, loadedAt, q)),
        ),
      ),
    ),
  );
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    entries.hidden = !open;
  });
  return h(
    'tbody',
    { 'data-account': queue.account },
    h(
      'tr',
      { class: 'queue-account' },
      h('th', { scope: 'row' }, link(`#/participants/${encodeURIComponent(queue.participant)}`, queue.participant)),
      h('td', {}, queue.currency),
      h('td', { class: 'num' }, amount(queue.balance, queue.currency)),
      h('td', { class: 'num' }, amount(queue.netDebitCap, queue.currency)),
      h('td', { class: 'num' }, amount(queue.queued, queue.currency)),
      h('td', { class: isZero(queue.shortfall) ? 'num shortfall' : 'num shortfall short' }, amount(queue.shortfall, queue.currency)),
      h('td', { class: 'num' }, duration(queue.oldestAge * 1_000)),
      h('td', {}, toggle),
    ),
    entries,
  );
}

/**
 * The liquidity queues (API.md "Liquidity queue"): one row per debtor account with payments waiting for funds, in
 * account order, with what it waits for, then its payments in release order with their age and deadline. Approvers
 * and admins cancel one (confirmed, optional reason). Follows payment events on the live stream; Refresh reloads.
 */
export async function queuesPage(ctx: PageContext, params: URLSearchParams): Promise<Page> {
  const cursor = params.get('cursor');
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set('cursor', cursor);
  const table = h('table', { class: 'data queues' });
  const asOf = h('p', { class: 'muted', id: 'queues-height' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const report = h('p', { class: 'result', role: 'status', id: 'queue-result' });
  const q: QueuesContext = { ctx, report, reload: async () => undefined };
  let listed = new Set<string>();
  q.reload = async () => {
    const page = await get<QueuePage>(`/queues?${query.toString()}`);
    const loadedAt = Date.now();
    listed = new Set(page.data.flatMap((x) => x.entries.map((e) => e.uetr ?? '')));
    const head = h(
      'thead',
      {},
      h(
        'tr',
        {},
        COLUMNS.map((t) => h('th', { scope: 'col' }, t)),
      ),
    );
    const caption = h('caption', { class: 'visually-hidden' }, 'Liquidity queues by debtor account');
    const bodies =
      page.data.length === 0
        ? [h('tbody', {}, h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'empty', id: 'queues-empty' }, 'No payment is waiting for funds.')))]
        : page.data.map((x, i) => queueRows(x, i, loadedAt, q));
    replace(table, caption, head, bodies);
    replace(asOf, `As of block ${page.height}, the last one the answering validator applied; queues change only in blocks.`);
    const next = new URLSearchParams({ cursor: page.nextCursor ?? '' });
    replace(
      pager,
      cursor ? link('#/queues', 'First accounts', { class: 'button' }) : null,
      page.nextCursor ? link(`#/queues?${next.toString()}`, 'More accounts →', { class: 'button', rel: 'next' }) : null,
    );
  };
  await q.reload();

  let pending: number | null = null;
  const off = ctx.stream.subscribe((event) => {
    if (event.type !== 'payment' || pending !== null) return;
    if (event.data.reached !== 'QUEUED' && !listed.has(event.data.payment.uetr)) return;
    pending = window.setTimeout(() => {
      pending = null;
      void q.reload().then(() => announce('Queues updated'));
    }, RELOAD_DEBOUNCE_MS);
  });
  const ticker = window.setInterval(() => {
    refreshWaits(table);
    refreshDeadlines(table);
  }, TICK_MS);

  const refresh = h('button', { type: 'button', id: 'queues-refresh' }, 'Refresh');
  refresh.addEventListener('click', () => void q.reload().then(() => announce('Queues refreshed')));
  const note = ctx.session.can.decide
    ? 'Payments wait here, first in first out, until their account can pay them or their deadline passes (then rejected queue_timeout). Cancel takes one out on behalf of its debtor bank.'
    : `Your role (${ctx.session.operator.role}) may watch the queues but not cancel a payment (approvers and admins).`;
  const el = h(
    'section',
    {},
    h('div', { class: 'page-head' }, h('h1', {}, 'Liquidity queues'), refresh),
    h('p', { class: 'muted', id: 'queues-note' }, note),
    asOf,
    report,
    h('div', { class: 'table-wrap' }, table),
    pager,
  );
  return {
    title: 'Liquidity queues',
    el,
    destroy: () => {
      off();
      window.clearInterval(ticker);
      if (pending !== null) window.clearTimeout(pending);
    },
  };
}
