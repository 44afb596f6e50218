import { FieldError, ProblemError } from '@nostro/platform';
import { problem } from '../http/gateway.errors';

/** What the gateway answers for the ledger validators (proofs, balances). Every code has its HTTP status in GATEWAY_ERROR_HTTP (http/gateway.errors.ts). */
export type LedgerErrorCode = 'not_found' | 'service_unavailable';

/** A problem of this domain: its status and title come from the gateway's one table. */
export function ledgerError(code: LedgerErrorCode, detail: string, errors?: FieldError[], headers?: Record<string, string>): ProblemError {
  return problem(code, detail, errors, headers);
}
