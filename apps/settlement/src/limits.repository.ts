import { PoolClient } from '@nostro/platform';

export interface AcceptedLimits {
  participant: string;
  currency: string;
  netDebitCapMinor: bigint;
  holdAboveMinor: bigint | null;
  requestId: string;
  blockHeight: number;
  txIndex: number;
}

export const holdKey = (participant: string, currency: string): string => `${participant}\u0000${currency}`;

/** Participant limits as the ledger accepted them: SQL only, in the caller's transaction. */
export class LimitsRepository {
  /** The hold threshold of a participant in a currency, in minor units; null = none. */
  async holdAbove(tx: PoolClient, participant: string, currency: string): Promise<bigint | null> {
    return (await this.holdAboveMany(tx, [{ participant, currency }])).get(holdKey(participant, currency)) ?? null;
  }

  /** {@link holdAbove} for many (participant, currency) pairs in one query; keyed by {@link holdKey}. */
  async holdAboveMany(tx: PoolClient, pairs: readonly { participant: string; currency: string }[]): Promise<Map<string, bigint | null>> {
    if (pairs.length === 0) return new Map();
    const { rows } = await tx.query<{ participant: string; currency: string; hold_above_minor: string | null }>(
      `SELECT l.participant, l.currency, l.hold_above_minor::text FROM participant_limits l
         JOIN unnest($1::text[], $2::text[]) AS k(participant, currency) ON l.participant = k.participant AND l.currency = k.currency`,
      [pairs.map((p) => p.participant), pairs.map((p) => p.currency)],
    );
    return new Map(rows.map((r) => [holdKey(r.participant, r.currency), r.hold_above_minor === null ? null : BigInt(r.hold_above_minor)]));
  }

  /** Stores limits the ledger accepted, unless a later set_limits (by ledger position) is already stored. */
  async apply(tx: PoolClient, l: AcceptedLimits): Promise<void> {
    await tx.query(
      `INSERT INTO participant_limits (participant, currency, net_debit_cap_minor, hold_above_minor, request_id, block_height, tx_index)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (participant, currency) DO UPDATE
         SET net_debit_cap_minor = EXCLUDED.net_debit_cap_minor, hold_above_minor = EXCLUDED.hold_above_minor,
             request_id = EXCLUDED.request_id, block_height = EXCLUDED.block_height, tx_index = EXCLUDED.tx_index, updated_at = now()
       WHERE (EXCLUDED.block_height, EXCLUDED.tx_index) > (participant_limits.block_height, participant_limits.tx_index)`,
      [
        l.participant,
        l.currency,
        l.netDebitCapMinor.toString(),
        l.holdAboveMinor === null ? null : l.holdAboveMinor.toString(),
        l.requestId,
        l.blockHeight,
        l.txIndex,
      ],
    );
  }
}
