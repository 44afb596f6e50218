import assert from 'node:assert';
import { ListCursorCodec, parseOrProblem } from '@nostro/platform';
import { CurrencyCode, StatementEntryView, StatementView, asCurrency, formatAmount, isCurrencyCode, pageLimitSchema } from '@nostro/shared';
import { z } from 'zod';
import { CURSOR_LENGTH_MAX } from '@nostro/platform';
import { LedgerClient, LedgerEntry } from '../ledger/ledger.client';
import { ParticipantCache } from '../participants/participant.cache';
import { statementsError } from './statements.errors';
import { StatementsRepository } from './statements.repository';

/** Entries one statement holds at most; a longer period is asked for by height range, in parts. */
export const STATEMENT_ENTRIES_MAX = 100_000;
/** Entries read from a validator per request while building a statement. */
const STATEMENT_PAGE = 10_000;
const DAY_MS = 86_400_000;

const height = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, 'a positive integer')
  .transform(Number);

export const entriesQuerySchema = z.strictObject({
  fromHeight: height.optional(),
  toHeight: height.optional(),
  limit: pageLimitSchema(1_000, 100),
  cursor: z.string().max(CURSOR_LENGTH_MAX).optional(),
});

export const statementQuerySchema = z
  .strictObject({
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
      .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date')
      .optional(),
    fromHeight: height.optional(),
    toHeight: height.optional(),
  })
  .refine((q) => q.date === undefined || (q.fromHeight === undefined && q.toHeight === undefined), {
    message: 'either date or fromHeight/toHeight',
    path: ['date'],
  });

/** API.md entry and statement (libs/shared, shared with the ops console). */
export type EntryView = StatementEntryView;
export type { StatementView };

/**
 * A bank's account entries and statements (API.md "Account entries and statements"), from the validators' entry
 * index (final blocks only, in block order) joined with the references the gateway keeps (end-to-end ids, deposit
 * references). A bank reads only its own accounts.
 */
export class StatementsService {
  constructor(
    private readonly ledger: LedgerClient,
    private readonly repo: StatementsRepository,
    private readonly cache: ParticipantCache,
    private readonly cursors: ListCursorCodec,
  ) {}

  async entries(participant: string, currencyParam: string, query: unknown) {
    const currency = await this.ownCurrency(participant, currencyParam);
    const q = parseOrProblem(entriesQuerySchema, query, 'query');
    const account = `${participant}:${currency}`;
    const position = q.cursor ? this.decodeCursor(account, q.cursor) : null;
    const fromHeight = position?.fromHeight ?? q.fromHeight ?? 1;
    const page = await this.ledger.entries(account, {
      fromHeight,
      ...(position ? { toHeight: position.toHeight } : q.toHeight !== undefined ? { toHeight: q.toHeight } : {}),
      ...(position ? { after: position.after } : {}),
      limit: q.limit + 1,
    });
    const rows = page.entries.slice(0, q.limit);
    const last = rows[rows.length - 1];
    const toHeight = position?.toHeight ?? page.toHeight;
    return {
      data: await this.views(currency, rows),
      nextCursor: page.entries.length > q.limit && last ? this.encodeCursor(account, fromHeight, toHeight, last) : null,
    };
  }

  async statement(participant: string, currencyParam: string, query: unknown): Promise<StatementView> {
    const currency = await this.ownCurrency(participant, currencyParam);
    const q = parseOrProblem(statementQuerySchema, query, 'query');
    const account = `${participant}:${currency}`;
    const period = q.date ? await this.dayPeriod(q.date) : await this.heightPeriod(q.fromHeight, q.toHeight);
    const rows = period.toHeight >= period.fromHeight ? await this.allEntries(account, period.fromHeight, period.toHeight) : [];
    const opening = await this.ledger.balanceAt(account, period.fromHeight - 1);
    const closing = await this.ledger.balanceAt(account, Math.max(period.toHeight, period.fromHeight - 1));
    const credits = rows.filter((e) => BigInt(e.amount) > 0n).reduce((sum, e) => sum + BigInt(e.amount), 0n);
    const debits = rows.filter((e) => BigInt(e.amount) < 0n).reduce((sum, e) => sum - BigInt(e.amount), 0n);
    // The statement's own invariant (API.md): what it lists leads from its opening to its closing balance.
    assert.equal(opening + credits - debits, closing, `statement of ${account} does not add up`);
    return {
      account,
      currency,
      fromHeight: period.fromHeight,
      toHeight: period.toHeight,
      from: period.from,
      to: period.to,
      openingBalance: formatAmount(opening, currency),
      closingBalance: formatAmount(closing, currency),
      totalDebits: formatAmount(debits, currency),
      totalCredits: formatAmount(credits, currency),
      entryCount: rows.length,
      interim: period.interim,
      entries: await this.views(currency, rows),
    };
  }

  /** The blocks of a UTC day; today's statement runs up to the last indexed final block and is interim. */
  private async dayPeriod(date: string) {
    const start = Date.parse(`${date}T00:00:00Z`);
    const { indexedHeight, range } = await this.ledger.heights(start, start + DAY_MS);
    const interim = Date.now() < start + DAY_MS;
    if (range) return { fromHeight: range.from, toHeight: range.to, from: iso(start), to: iso(start + DAY_MS), interim };
    // No block that day: an empty statement at the balance of the last block before it.
    const before = (await this.ledger.heights(0, start)).range?.to ?? 0;
    const last = Math.min(before, indexedHeight);
    return { fromHeight: last + 1, toHeight: last, from: iso(start), to: iso(start + DAY_MS), interim };
  }

  /** Heights [from, to]; by default the whole chain up to the last indexed final block. */
  private async heightPeriod(fromHeight = 1, toHeight?: number) {
    const { indexedHeight } = await this.ledger.heights(0, 0);
    if (toHeight !== undefined && toHeight > indexedHeight) {
      throw statementsError('validation_failed', `height ${toHeight} is not final yet (last: ${indexedHeight})`, [
        { path: 'query.toHeight', message: `at most ${indexedHeight}` },
      ]);
    }
    const to = toHeight ?? indexedHeight;
    if (fromHeight > to + 1)
      throw statementsError('validation_failed', 'fromHeight after toHeight', [{ path: 'query.fromHeight', message: 'at most toHeight' }]);
    const [fromTime, toTime] = await Promise.all([
      fromHeight <= to ? this.ledger.blockTime(fromHeight) : Promise.resolve(null),
      to > 0 ? this.ledger.blockTime(to) : Promise.resolve(null),
    ]);
    return { fromHeight, toHeight: to, from: iso(fromTime ?? toTime ?? 0), to: iso(toTime ?? 0), interim: toHeight === undefined };
  }

  private async allEntries(account: string, fromHeight: number, toHeight: number): Promise<LedgerEntry[]> {
    const out: LedgerEntry[] = [];
    let after: { height: number; idx: number; leg: number } | undefined;
    for (;;) {
      const page = await this.ledger.entries(account, { fromHeight, toHeight, ...(after ? { after } : {}), limit: STATEMENT_PAGE });
      out.push(...page.entries);
      if (out.length > STATEMENT_ENTRIES_MAX) {
        throw statementsError('statement_too_large', `more than ${STATEMENT_ENTRIES_MAX} entries: ask for a shorter height range (fromHeight, toHeight)`);
      }
      const last = page.entries[page.entries.length - 1];
      if (page.entries.length < STATEMENT_PAGE || !last) return out;
      after = { height: last.height, idx: last.idx, leg: last.leg };
    }
  }

  private async views(currency: CurrencyCode, rows: readonly LedgerEntry[]): Promise<EntryView[]> {
    const uetrs = [...new Set(rows.flatMap((r) => (r.uetr ? [r.uetr] : [])))];
    const transfers = rows.filter((r) => r.kind === 'deposit' || r.kind === 'withdrawal').map((r) => r.tx_id);
    const refs = await this.repo.references(uetrs, transfers);
    return rows.map((r) => {
      const amount = BigInt(r.amount);
      const endToEndId = r.uetr ? refs.endToEndIds.get(r.uetr) : undefined;
      const reference = refs.transferReferences.get(r.tx_id);
      return {
        entryId: entryId(r),
        height: r.height,
        at: iso(r.block_time),
        kind: r.kind,
        direction: amount < 0n ? 'debit' : 'credit',
        amount: formatAmount(amount < 0n ? -amount : amount, currency),
        balanceAfter: formatAmount(BigInt(r.balance_after), currency),
        ...(r.uetr ? { uetr: r.uetr } : {}),
        ...(r.return_id ? { returnId: r.return_id } : {}),
        ...(endToEndId ? { endToEndId } : {}),
        ...(r.counterparty ? { counterparty: r.counterparty } : {}),
        ...(reference ? { reference } : {}),
      };
    });
  }

  /** The currency of one of the caller's accounts; any other (or not a currency) is `404`, never `403`. */
  private async ownCurrency(participant: string, currency: string): Promise<CurrencyCode> {
    const row = await this.cache.participant(participant);
    if (!isCurrencyCode(currency) || !row?.currencies.includes(currency)) throw statementsError('not_found', `no ${currency} account`);
    return asCurrency(currency);
  }

  private encodeCursor(account: string, fromHeight: number, toHeight: number, last: LedgerEntry): string {
    return this.cursors.encode('account-entries', [account, String(fromHeight), String(toHeight), String(last.height), String(last.idx), String(last.leg)]);
  }

  private decodeCursor(account: string, cursor: string) {
    const [owner, ...numbers] = this.cursors.decode('account-entries', cursor, 6);
    const [fromHeight, toHeight, h, idx, leg] = numbers.map(Number);
    if (owner !== account || numbers.some((n) => !/^(0|[1-9][0-9]{0,15})$/.test(n))) {
      throw statementsError('validation_failed', 'invalid cursor', [{ path: 'query.cursor', message: 'not a cursor of this account' }]);
    }
    return { fromHeight, toHeight, after: { height: h, idx, leg } };
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A stable id of an entry: its position on the chain. */
export const entryId = (e: Pick<LedgerEntry, 'height' | 'idx' | 'leg'>): string => `${e.height}-${e.idx}-${e.leg}`;
