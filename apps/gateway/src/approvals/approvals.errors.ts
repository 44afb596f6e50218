/** Dual control (API.md "Operator controls"). Every code has its HTTP status in GATEWAY_ERROR_HTTP (http/gateway.errors.ts). */
export type ApprovalsErrorCode = 'four_eyes_required' | 'request_expired' | 'request_not_pending' | 'not_found' | 'validation_failed';
