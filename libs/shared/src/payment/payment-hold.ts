import { assert } from '../assert';

/** Why a payment waits for operators (DOMAIN.md, lifecycle step 6). */
export const HoldSource = { SCREENING: 'screening', THRESHOLD: 'threshold' } as const;
export type HoldSource = (typeof HoldSource)[keyof typeof HoldSource];

/** Reason recorded when the debtor's total debit is above its configured hold threshold. */
export const AMOUNT_ABOVE_HOLD_THRESHOLD = 'amount_above_hold_threshold';

export interface Hold {
  source: HoldSource;
  reason: string;
}

export interface HoldInput {
  /** What the payment debits the debtor, in minor units of the source currency. */
  totalDebitMinor: bigint;
  /** The debtor's threshold in that currency (minor units); null = no threshold. */
  holdAboveMinor: bigint | null;
  /** The gateway's screening verdict, when it asked for a hold. */
  screening?: { action: 'hold'; reason: string };
}

/**
 * Whether a payment must wait for operator approval: a screening hold first (its reason is what operators see),
 * then an amount strictly above the debtor's threshold. Null: submit at once.
 */
export function holdFor(input: HoldInput): Hold | null {
  if (input.screening?.action === 'hold') return { source: HoldSource.SCREENING, reason: input.screening.reason };
  if (input.holdAboveMinor !== null && input.totalDebitMinor > input.holdAboveMinor) {
    return { source: HoldSource.THRESHOLD, reason: AMOUNT_ABOVE_HOLD_THRESHOLD };
  }
  return null;
}

/** The moment a hold lapses: the payment keeps its quote's rate until then, and is rejected after. */
export function holdDeadline(heldAt: Date, holdDeadlineMs: number): Date {
  assert(Number.isSafeInteger(holdDeadlineMs) && holdDeadlineMs > 0, 'hold deadline must be a positive number of ms');
  return new Date(heldAt.getTime() + holdDeadlineMs);
}

/** True once `deadline` has passed at `now` (a deadline is exclusive: at the deadline itself it has lapsed). */
export function isPast(deadline: Date, now: Date): boolean {
  return now.getTime() >= deadline.getTime();
}
