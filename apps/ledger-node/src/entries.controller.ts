import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ProblemError, parseOrProblem } from '@nostro/platform';
import { accountIdSchema } from '@nostro/shared';
import { z } from 'zod';
import { EntriesRepository } from './entries.repository';

const height = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const entriesQuerySchema = z.strictObject({
  fromHeight: height.default(1),
  toHeight: height.optional(),
  afterHeight: height.optional(),
  afterIdx: z.coerce.number().int().min(-1).max(1_000_000).optional(),
  afterLeg: z.coerce.number().int().min(-1).max(1_000).optional(),
  limit: z.coerce.number().int().min(1).max(10_001).default(100),
});
const balanceQuerySchema = z.strictObject({ height });
const heightsQuerySchema = z.strictObject({ fromMs: height, toMs: height });

function account(id: string): string {
  if (!accountIdSchema.safeParse(id).success) throw new ProblemError(404, 'not_found', 'Not found', 'no such account');
  return id;
}

/**
 * The validator's account entries (written by the entry indexer from final blocks), for the gateway's entries and
 * statements. Everything is as of the indexed height, which every answer names: nothing later is served.
 */
@Controller('v1/ledger')
export class EntriesController {
  constructor(@Inject(EntriesRepository) private readonly entries: EntriesRepository) {}

  @Get('accounts/:account/entries')
  async list(@Param('account') id: string, @Query() query: unknown) {
    const q = parseOrProblem(entriesQuerySchema, query, 'query');
    const indexedHeight = await this.entries.indexedHeight();
    const toHeight = Math.min(q.toHeight ?? indexedHeight, indexedHeight);
    const after = q.afterHeight === undefined ? undefined : { height: q.afterHeight, idx: q.afterIdx ?? -1, leg: q.afterLeg ?? -1 };
    const entries = await this.entries.page(account(id), { fromHeight: q.fromHeight, toHeight, after, limit: q.limit });
    return { indexedHeight, toHeight, entries };
  }

  @Get('accounts/:account/balance')
  async balance(@Param('account') id: string, @Query() query: unknown) {
    const q = parseOrProblem(balanceQuerySchema, query, 'query');
    const indexedHeight = await this.entries.indexedHeight();
    if (q.height > indexedHeight) throw new ProblemError(409, 'not_indexed', 'Not indexed yet', `entries are indexed up to height ${indexedHeight}`);
    return { account: account(id), height: q.height, balance: await this.entries.balanceAt(id, q.height), indexedHeight };
  }

  /** The heights of the indexed final blocks whose broker time is in [fromMs, toMs), and their times. */
  @Get('heights')
  async heights(@Query() query: unknown) {
    const q = parseOrProblem(heightsQuerySchema, query, 'query');
    const indexedHeight = await this.entries.indexedHeight();
    const range = await this.entries.heightsBetween(q.fromMs, q.toMs, indexedHeight);
    return { indexedHeight, range };
  }

  /** Broker time of an indexed block (a statement's `from` and `to`). */
  @Get('blocks/:height/time')
  async time(@Param('height') raw: string) {
    const h = parseOrProblem(height, raw, 'path.height');
    const time = await this.entries.blockTime(h);
    if (time === null) throw new ProblemError(404, 'not_found', 'Not found', 'no such block');
    return { height: h, timestamp: time };
  }
}
