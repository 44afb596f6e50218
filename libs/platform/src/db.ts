import { Pool, PoolClient, types } from 'pg';

// INT8 columns come back as bigint, never as a lossy JS number. NUMERIC stays a string.
types.setTypeParser(20, (value) => BigInt(value));

export type { Pool, PoolClient } from 'pg';

export function createPool(connectionString: string, applicationName: string, max = 10): Pool {
  return new Pool({ connectionString, application_name: applicationName, max, connectionTimeoutMillis: 5_000 });
}

export interface TransactionOptions {
  readOnly?: boolean;
  /** REPEATABLE READ: every statement sees the one snapshot taken by the first (default READ COMMITTED). */
  repeatableRead?: boolean;
  /** Bounds every statement of the transaction (SET LOCAL statement_timeout). */
  statementTimeoutMs?: number;
}

/**
 * A read of several statements that must agree with each other (a row and its timeline, say): read-only, one snapshot.
 * Separate reads on pool connections can each see a different set of commits.
 */
export const READ_SNAPSHOT: TransactionOptions = Object.freeze({ readOnly: true, repeatableRead: true });

/** Runs `fn` in one transaction; rolls back on any error. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN${options.repeatableRead ? ' ISOLATION LEVEL REPEATABLE READ' : ''}${options.readOnly ? ' READ ONLY' : ''}`);
    if (options.statementTimeoutMs !== undefined) await client.query(`SET LOCAL statement_timeout = ${Math.trunc(options.statementTimeoutMs)}`);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
