import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ProblemError, parseOrProblem } from '@nostro/platform';
import { pageLimitSchema } from '@nostro/shared';
import { z } from 'zod';
import { OpsBlocksRepository } from './ops-blocks.repository';

/** Headers per page of the explorer; a page is one indexed range scan. */
const BLOCKS_PAGE_MAX = 200;
const HEIGHT = /^[1-9][0-9]{0,15}$/;

const listQuerySchema = z.strictObject({
  limit: pageLimitSchema(BLOCKS_PAGE_MAX, 50),
  before: z.string().regex(HEIGHT, 'a block height').transform(Number).optional(),
});

/**
 * Read-only block explorer API of one validator for the operations console (docs/ops-console.md):
 * `GET /v1/ledger/blocks?limit=&before=` lists headers newest first with every signature this validator received,
 * `GET /v1/ledger/blocks/:height/signatures` gives one block's. (`GET /v1/ledger/blocks/:height` is LedgerController's.)
 */
@Controller('v1/ledger/blocks')
export class OpsBlocksController {
  constructor(@Inject(OpsBlocksRepository) private readonly repo: OpsBlocksRepository) {}

  @Get()
  async list(@Query() query: Record<string, string>) {
    const q = parseOrProblem(listQuerySchema, query, 'query');
    const headers = await this.repo.headers(q.limit + 1, q.before ?? null);
    const page = headers.slice(0, q.limit);
    const signatures = await this.repo.signatures(page.map((b) => b.height));
    const last = page[page.length - 1];
    return {
      data: page.map((b) => ({ ...b, signatures: signatures.filter((s) => s.height === b.height).map(({ height: _h, ...s }) => s) })),
      nextCursor: headers.length > q.limit && last ? String(last.height) : null,
    };
  }

  @Get(':height/signatures')
  async signatures(@Param('height') heightText: string) {
    if (!HEIGHT.test(heightText)) throw new ProblemError(404, 'not_found', 'Not found', 'no such block');
    const rows = await this.repo.signatures([Number(heightText)]);
    return { data: rows.map(({ height: _h, ...s }) => s) };
  }
}
