import { get } from '../api';
import { announce, h, link, replace } from '../dom';
import { amount, deadline, reasonText, refreshDeadlines, time, timeLeft } from '../format';
import { Page, PageContext } from '../router';

/** `GET /ops/api/recalls` item: a recall waiting for the creditor bank's answer. */
export interface OpenRecall {
  recallId: string;
  uetr: string;
  reason: string;
  comment?: string;
  requestedAt: string;
  respondBy: string;
  debtor: string;
  creditor: string;
  amount: string;
  currency: string;
  waitingOn: string;
}

const PAGE_SIZE = 50;
const DEADLINE_REFRESH_MS = 30_000;
/** Recall steps arrive one per payment; a burst of them reloads the list once. */
const RELOAD_DEBOUNCE_MS = 300;

const participant = (id: string) => link(`#/participants/${encodeURIComponent(id)}`, id);

function recallRow(r: OpenRecall): HTMLTableRowElement {
  const overdue = timeLeft(r.respondBy).overdue;
  return h(
    'tr',
    { 'data-recall-id': r.recallId, 'data-uetr': r.uetr, class: overdue ? 'overdue' : null },
    h('td', {}, link(`#/payments/${r.uetr}`, h('code', {}, r.uetr), { class: 'uetr' })),
    h('td', {}, participant(r.debtor), ' → ', participant(r.creditor)),
    h('td', { class: 'num' }, amount(r.amount, r.currency)),
    h('td', {}, reasonText('recall', r.reason), r.comment ? h('span', { class: 'recall-comment' }, r.comment) : null),
    h('td', {}, time(r.requestedAt)),
    h('td', { class: 'respond-by' }, deadline(r.respondBy)),
    h('td', { class: 'waiting-on' }, 'waiting on ', participant(r.waitingOn)),
  );
}

/**
 * Open recalls, soonest deadline first: each waits on its creditor bank to accept (a return follows) or reject by
 * `respondBy`, after which it expires. Keyset pages of 50; a recall answered while the page is open leaves it.
 */
export async function recallsPage(ctx: PageContext, params: URLSearchParams): Promise<Page> {
  const cursor = params.get('cursor');
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set('cursor', cursor);
  const fetchPage = () => get<{ data: OpenRecall[]; nextCursor: string | null }>(`/recalls?${query.toString()}`);
  const first = await fetchPage();

  const body = h('tbody', {});
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const show = (page: { data: OpenRecall[]; nextCursor: string | null }) => {
    replace(
      body,
      page.data.length === 0 ? h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'No recall is waiting for an answer.')) : page.data.map(recallRow),
    );
    const next = new URLSearchParams({ cursor: page.nextCursor ?? '' });
    replace(
      pager,
      cursor ? link('#/recalls', 'Soonest deadlines', { class: 'button' }) : null,
      page.nextCursor
        ? link(`#/recalls?${next.toString()}`, 'Later deadlines →', { class: 'button', rel: 'next', id: 'later' })
        : h('span', { class: 'muted' }, 'No later deadlines'),
    );
  };
  show(first);

  let reload: number | null = null;
  const off = ctx.stream.subscribe((event) => {
    if (event.type !== 'payment' || !event.data.reached.startsWith('RECALL_')) return;
    if (reload !== null) return;
    reload = window.setTimeout(() => {
      reload = null;
      void fetchPage().then((page) => {
        show(page);
        announce(`Open recalls updated: ${page.data.length} on this page`);
      });
    }, RELOAD_DEBOUNCE_MS);
  });
  const ticker = window.setInterval(() => {
    refreshDeadlines(body);
    for (const row of body.querySelectorAll<HTMLTableRowElement>('tr[data-recall-id]')) {
      row.classList.toggle('overdue', row.querySelector('[data-overdue="true"]') !== null);
    }
  }, DEADLINE_REFRESH_MS);

  const el = h(
    'section',
    {},
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Open recalls'),
      h('p', { class: 'muted' }, 'Recalls waiting for the creditor bank’s answer, soonest deadline first. A recall not answered by its deadline expires.'),
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data recalls' },
        h('caption', { class: 'visually-hidden' }, 'Open recalls, soonest deadline first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Payment', 'Debtor → creditor', 'Amount', 'Reason', 'Requested', 'Respond by', 'Waiting on'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        body,
      ),
    ),
    pager,
  );
  return {
    title: 'Open recalls',
    el,
    destroy: () => {
      off();
      window.clearInterval(ticker);
      if (reload !== null) window.clearTimeout(reload);
    },
  };
}
