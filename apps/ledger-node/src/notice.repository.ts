import { Pool, PoolClient } from '@nostro/platform';

/** Final heights whose notices are owed (table `notice_queue`): SQL and nothing else. */
export interface NoticeQueue {
  enqueue(tx: PoolClient, heights: readonly number[]): Promise<void>;
}

export class NoticeRepository implements NoticeQueue {
  constructor(private readonly pool: Pool) {}

  /** In the caller's transaction (the one that stores the finality records). */
  async enqueue(tx: PoolClient, heights: readonly number[]): Promise<void> {
    await tx.query('INSERT INTO notice_queue (height) SELECT unnest($1::bigint[]) ON CONFLICT DO NOTHING', [heights]);
  }

  /** The oldest owed heights, at most `limit`. */
  async pending(limit: number): Promise<number[]> {
    const { rows } = await this.pool.query<{ height: bigint }>('SELECT height FROM notice_queue ORDER BY height LIMIT $1', [limit]);
    return rows.map((r) => Number(r.height));
  }

  async remove(height: number): Promise<void> {
    await this.pool.query('DELETE FROM notice_queue WHERE height = $1', [height]);
  }
}
