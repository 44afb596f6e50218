/**
 * FX liquidity reservations. Every quote holds its receive amount against FXDESK's target-currency account:
 *
 *   held ──(quote used by a payment)──▶ used ──(payment SETTLED in block h)──▶ settled ──(ledger read at ≥ h)──▶ released
 *     └──(quote expired unused)──▶ released      └──(payment REJECTED, or abandoned)──▶ released
 *
 * `settled` keeps holding until the FXDESK balance fx-quote compares against already shows the payment's debit,
 * so there is no moment at which the money is counted neither as reserved nor as spent.
 */
export const ReservationState = {
  HELD: 'held',
  USED: 'used',
  SETTLED: 'settled',
  RELEASED: 'released',
} as const;
export type ReservationState = (typeof ReservationState)[keyof typeof ReservationState];

/** Why a reservation stopped holding liquidity. */
export const ReleaseReason = {
  EXPIRED: 'expired',
  REJECTED: 'rejected',
  /** Its payment was cancelled before it reached the ledger. */
  CANCELLED: 'cancelled',
  SETTLED: 'settled',
  ABANDONED: 'abandoned',
} as const;
export type ReleaseReason = (typeof ReleaseReason)[keyof typeof ReleaseReason];

const ALLOWED: Record<ReservationState, readonly ReservationState[]> = {
  held: ['used', 'released'],
  used: ['settled', 'released'],
  settled: ['released'],
  released: [],
};

/** States whose amount counts against FXDESK's available balance. */
export const HOLDING_STATES: readonly ReservationState[] = ['held', 'used', 'settled'];

export class IllegalReservationTransitionError extends Error {
  constructor(
    readonly from: ReservationState,
    readonly to: ReservationState,
  ) {
    super(`illegal reservation transition ${from} → ${to}`);
    this.name = 'IllegalReservationTransitionError';
  }
}

/** The one place a reservation state changes in code; the database refuses the same moves (trigger). */
export function transitionReservation(from: ReservationState, to: ReservationState): ReservationState {
  if (!ALLOWED[from].includes(to)) throw new IllegalReservationTransitionError(from, to);
  return to;
}

/** FXDESK's position in one currency as of a final ledger block, minor units. */
export interface DeskBalance {
  balanceMinor: bigint;
  /** How far below zero the account may go; null = unlimited. */
  netDebitCapMinor: bigint | null;
}

/** What may still be quoted: balance plus the net debit cap, minus what live reservations hold. Null = unbounded. */
export function availableMinor(desk: DeskBalance | undefined, reservedMinor: bigint): bigint | null {
  if (!desk) return -reservedMinor;
  if (desk.netDebitCapMinor === null) return null;
  return desk.balanceMinor + desk.netDebitCapMinor - reservedMinor;
}

export interface LiquidityDemand {
  currency: string;
  amountMinor: bigint;
}

/**
 * Decides, in request order, which demands fit. `headroom` maps a currency to what is still available
 * (null = unbounded); a currency absent from it has none. Each accepted demand consumes its amount, so a later,
 * smaller demand may still fit after a larger one was refused. Returns one boolean per demand.
 */
export function allocateLiquidity(demands: readonly LiquidityDemand[], headroom: ReadonlyMap<string, bigint | null>): boolean[] {
  const left = new Map(headroom);
  return demands.map(({ currency, amountMinor }) => {
    if (amountMinor < 0n) throw new RangeError('a liquidity demand cannot be negative');
    const room = left.has(currency) ? (left.get(currency) as bigint | null) : 0n;
    if (room === null) return true;
    if (amountMinor > room) return false;
    left.set(currency, room - amountMinor);
    return true;
  });
}
