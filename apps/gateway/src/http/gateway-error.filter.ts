import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import { Logger, ProblemFilter } from '@nostro/platform';
import { problem } from './gateway.errors';
import { LOGGER } from '../common/tokens';

/** Postgres SQLSTATEs that mean "the database cannot serve now", not "this request is wrong". */
const UNAVAILABLE_SQLSTATES = new Set(['53300', '53400', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);
const UNAVAILABLE_MESSAGES = [/timeout exceeded when trying to connect/i, /Connection terminated/i, /ECONNREFUSED/, /ECONNRESET/];

/** True for an error that says Postgres is unreachable or full (retrying later can succeed). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string' && UNAVAILABLE_SQLSTATES.has(e.code)) return true;
  return typeof e?.message === 'string' && UNAVAILABLE_MESSAGES.some((m) => m.test(e.message as string));
}

/**
 * The gateway's routes answer an unavailable database with `503 service_unavailable` and `Retry-After`, so a bank
 * (and the SDK, which retries 5xx with the same Idempotency-Key) knows to try again; everything else goes to the
 * platform's problem mapping unchanged.
 */
@Catch()
export class GatewayErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const filter = new ProblemFilter(this.log);
    if (!isDatabaseUnavailable(exception)) return filter.catch(exception, host);
    this.log.warn({ err: exception }, 'database unavailable; answered 503');
    filter.catch(problem('service_unavailable', 'the database is not available; retry later', undefined, { 'retry-after': '1' }), host);
  }
}
