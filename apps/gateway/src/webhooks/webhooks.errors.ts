import { FieldError, ProblemError } from '@nostro/platform';
import { problem } from '../http/gateway.errors';

/** Webhook deliveries as operators see them, and the egress rule on webhook URLs. Every code has its HTTP status in GATEWAY_ERROR_HTTP (http/gateway.errors.ts). */
export type WebhooksErrorCode = 'not_found' | 'webhook_url_not_allowed';

/** A problem of this domain: its status and title come from the gateway's one table. */
export function webhooksError(code: WebhooksErrorCode, detail: string, errors?: FieldError[], headers?: Record<string, string>): ProblemError {
  return problem(code, detail, errors, headers);
}
