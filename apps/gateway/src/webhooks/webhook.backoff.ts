/**
 * When to try a failed webhook again: exponential backoff with "equal jitter" (half the delay fixed, half
 * random), so endpoints that failed together are not retried in lockstep, and no delay exceeds the cap.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** Delay before the attempt that follows `failedAttempts` failures (1 = the first attempt failed). */
export function retryDelayMs(failedAttempts: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 40);
  const delay = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(delay / 2 + (delay / 2) * random());
}
