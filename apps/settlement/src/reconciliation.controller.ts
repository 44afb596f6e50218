import { Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { ProblemError, parseOrProblem } from '@nostro/platform';
import { z } from 'zod';
import { ReconciliationReport, ReconciliationService } from './reconciliation.service';

const runQuery = z.strictObject({ scope: z.enum(['incremental', 'full']).default('incremental') });

/** Internal API (not exposed to banks): the reconciliation report, and a run on request. */
@Controller('v1/settlement/reconciliation')
export class ReconciliationController {
  constructor(@Inject(ReconciliationService) private readonly reconciliation: ReconciliationService) {}

  /** The last run's report. */
  @Get()
  async latest(): Promise<ReconciliationReport> {
    const report = await this.reconciliation.latest();
    if (!report) throw new ProblemError(404, 'not_found', 'Not found', 'no reconciliation run yet');
    return report;
  }

  /** Runs now; `?scope=full` compares every final payment with the validators, not only the new ones. */
  @Post('runs')
  @HttpCode(200)
  async run(@Query() query: unknown): Promise<ReconciliationReport> {
    const { scope } = parseOrProblem(runQuery, query, 'query');
    const report = await this.reconciliation.run(scope);
    if (!report)
      throw new ProblemError(409, 'reconciliation_in_progress', 'Reconciliation in progress', 'another run holds the lock', undefined, { 'retry-after': '5' });
    return report;
  }
}
