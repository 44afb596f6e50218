import type { StatementEntryView, StatementView } from '@nostro/shared';
import { ApiProblem, get } from '../api';
import { announce, facts, h, link, replace } from '../dom';
import { amount, time } from '../format';

/** `GET /ops/api/participants/{id}/statement?currency=&date=`: the statement the bank itself gets, and its entries. */
export type StatementEntry = StatementEntryView;
export type Statement = StatementView;

/** Rows the page shows at most; the camt.053 download holds every entry. */
export const STATEMENT_ROWS_MAX = 1_000;

const todayUtc = (): string => new Date().toISOString().slice(0, 10);
const participantLink = (id: string) => link(`#/participants/${encodeURIComponent(id)}`, id);

function entryRow(e: StatementEntry, currency: string): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-entry-id': e.entryId, 'data-kind': e.kind, 'data-direction': e.direction, 'data-uetr': e.uetr ?? null },
    h('td', {}, h('code', {}, e.entryId)),
    h('td', {}, time(e.at)),
    h('td', {}, e.kind),
    h('td', {}, h('span', { class: e.direction }, h('span', { 'aria-hidden': 'true' }, e.direction === 'debit' ? '− ' : '+ '), e.direction)),
    h('td', { class: 'num' }, amount(e.amount, currency)),
    h('td', { class: 'num' }, amount(e.balanceAfter, currency)),
    h(
      'td',
      {},
      e.uetr ? link(`#/payments/${e.uetr}`, h('code', {}, e.uetr.slice(0, 8)), { class: 'uetr', title: e.uetr }) : '—',
      e.returnId ? [' return ', h('code', { title: e.returnId }, e.returnId.slice(0, 8))] : null,
    ),
    h('td', {}, e.counterparty ? participantLink(e.counterparty) : '—'),
    h(
      'td',
      {},
      e.endToEndId ? h('code', {}, e.endToEndId) : null,
      e.endToEndId && e.reference ? ' ' : null,
      e.reference ?? null,
      !e.endToEndId && !e.reference ? '—' : null,
    ),
  );
}

function statementView(s: Statement): HTMLElement {
  const shown = s.entries.slice(0, STATEMENT_ROWS_MAX);
  const blocks =
    s.fromHeight > s.toHeight ? 'no block' : [link(`#/blocks/${s.fromHeight}`, `#${s.fromHeight}`), ' – ', link(`#/blocks/${s.toHeight}`, `#${s.toHeight}`)];
  return h(
    'div',
    {
      class: 'statement',
      'data-account': s.account,
      'data-opening': s.openingBalance,
      'data-closing': s.closingBalance,
      'data-entries': s.entryCount,
      'data-interim': String(s.interim),
    },
    facts([
      ['Account', h('code', {}, s.account)],
      [
        'Period',
        [
          time(s.from),
          ' – ',
          time(s.to),
          s.interim ? ' ' : null,
          s.interim ? h('span', { class: 'badge warn', id: 'statement-interim' }, 'interim: up to the last final block') : null,
        ],
      ],
      ['Blocks', blocks],
      ['Opening balance', h('span', { id: 'statement-opening' }, amount(s.openingBalance, s.currency))],
      ['Credits', h('span', { id: 'statement-credits' }, amount(s.totalCredits, s.currency))],
      ['Debits', h('span', { id: 'statement-debits' }, amount(s.totalDebits, s.currency))],
      ['Closing balance', h('span', { id: 'statement-closing' }, amount(s.closingBalance, s.currency))],
      ['Entries', String(s.entryCount)],
    ]),
    s.entries.length > shown.length
      ? h('p', { class: 'warn-text' }, `Showing the first ${shown.length} of ${s.entryCount} entries; the camt.053 download holds them all.`)
      : null,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data statement-entries', id: 'statement-entries' },
        h('caption', { class: 'visually-hidden' }, `Entries of ${s.account}`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Entry', 'Time', 'Kind', 'Direction', 'Amount', 'Balance after', 'Payment', 'Counterparty', 'Reference'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          shown.length === 0 ? h('tr', {}, h('td', { colspan: 9, class: 'empty' }, 'No entry in this period.')) : shown.map((e) => entryRow(e, s.currency)),
        ),
      ),
    ),
  );
}

/**
 * A participant's account statement (API.md "Account entries and statements") for a currency and a UTC day, today by
 * default: balances, totals and every entry, as the bank gets it; and the same statement as a camt.053 download.
 */
export function statementSection(participant: string, currencies: string[]): HTMLElement {
  const base = `/ops/api/participants/${encodeURIComponent(participant)}/statement`;
  const field = (label: string, input: HTMLElement) => h('div', { class: 'field' }, h('label', { for: input.id }, label), input);
  const currency = h(
    'select',
    { id: 'statement-currency', name: 'currency', required: true },
    currencies.map((c) => h('option', { value: c }, c)),
  );
  const date = h('input', { id: 'statement-date', name: 'date', type: 'date', required: true, value: todayUtc() });
  const show = h('button', { type: 'submit', class: 'primary' }, 'Show');
  const download = h('a', { id: 'statement-download', class: 'button', hidden: true }, 'Download camt.053');
  const result = h('div', { id: 'statement-result' });
  const form = h(
    'form',
    { class: 'inline-form statement-form', 'aria-label': 'Statement' },
    field('Currency', currency),
    field('Day (UTC)', date),
    show,
    download,
  );

  let asked = 0;
  const load = () => {
    const query = new URLSearchParams({ currency: currency.value, date: date.value });
    const mine = ++asked;
    show.disabled = true;
    result.setAttribute('aria-busy', 'true');
    get<Statement>(`/participants/${encodeURIComponent(participant)}/statement?${query.toString()}`)
      .then((s) => {
        if (mine !== asked) return;
        replace(result, statementView(s));
        // The download is the statement on the page: same account, same day.
        query.set('format', 'xml');
        download.href = `${base}?${query.toString()}`;
        download.setAttribute('download', `camt053-${participant}-${s.currency}-${date.value}.xml`);
        download.hidden = false;
        announce(`Statement of ${s.account} on ${date.value}: ${s.entryCount} entries, closing balance ${s.closingBalance} ${s.currency}`);
      })
      .catch((e: unknown) => {
        if (mine !== asked) return;
        download.hidden = true;
        replace(result, h('p', { class: 'form-error', role: 'alert', id: 'statement-error' }, e instanceof ApiProblem ? e.describe() : String(e)));
      })
      .finally(() => {
        if (mine !== asked) return;
        show.disabled = false;
        result.removeAttribute('aria-busy');
      });
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  if (currencies.length > 0) load();
  else replace(result, h('p', { class: 'muted' }, 'This participant has no account.'));

  return h(
    'section',
    { 'aria-labelledby': 'statement-title', id: 'statement' },
    h('h2', { id: 'statement-title' }, 'Statement'),
    h('p', { class: 'muted' }, 'Postings to one account in the final blocks of a UTC day, exactly as the bank reconciles them.'),
    form,
    result,
  );
}
