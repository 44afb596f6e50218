import path from 'node:path';
import { PLATFORM_MIGRATIONS_DIR, Pool, PoolClient, TestDatabase, createLogger, freshTestDatabase } from '@nostro/platform';
import { ChainService } from './chain.service';
import { LedgerConfig } from './config';
import { LedgerController } from './ledger.controller';
import { LedgerRepository } from './ledger.repository';

const HASH = (c: string) => c.repeat(64);

/**
 * Balances as of the last final block are read while the validator goes on applying blocks. Here block 2 is applied
 * (a credit of 500 to the participant) by another connection at the worst moment: right after the balances were read
 * and before the blocks above the final height are read.
 */
describe('a validator reports balances as of its last final block', () => {
  let db: TestDatabase;
  let controller: LedgerController;
  /** Runs once, after the first query that reads account balances through the repository's pool. */
  let afterBalancesRead: (() => Promise<void>) | null = null;

  async function applyBlock2(): Promise<void> {
    const leaves = JSON.stringify([
      {
        id: '0190a1b2-0000-7000-8000-000000000002',
        kind: 'transfer',
        postings: [
          { account: 'BANKA:USD', currency: 'USD', amount: '500' },
          { account: 'EXTERNAL:USD', currency: 'USD', amount: '-500' },
        ],
        outcome: { status: 'accepted' },
      },
    ]);
    const writer = await db.pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(
        `INSERT INTO blocks (height, hash, prev_hash, merkle_root, state_digest, tx_count, block_time, last_offset, leaves) VALUES (2, $1, $2, $1, $1, 1, 2, 2, $3)`,
        [HASH('b'), HASH('a'), leaves],
      );
      await writer.query(`UPDATE accounts SET balance = balance + 500 WHERE id = 'BANKA:USD'`);
      await writer.query(`UPDATE accounts SET balance = balance - 500 WHERE id = 'EXTERNAL:USD'`);
      await writer.query('COMMIT');
    } finally {
      writer.release();
    }
  }

  /** A pool whose clients call `afterBalancesRead` once the balance query returns: the interleaving under test. */
  function interleavingPool(pool: Pool): Pool {
    const hooked = async (): Promise<PoolClient> => {
      const client = await pool.connect();
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
      const wrapped = async (...args: unknown[]) => {
        const result = await query(...args);
        if (typeof args[0] === 'string' && args[0].includes('FROM accounts') && afterBalancesRead) {
          const hook = afterBalancesRead;
          afterBalancesRead = null;
          await hook();
        }
        return result;
      };
      return Object.assign(client, { query: wrapped });
    };
    return new Proxy(pool, { get: (target, key) => (key === 'connect' ? hooked : Reflect.get(target, key)) }) as Pool;
  }

  beforeAll(async () => {
    db = await freshTestDatabase('ledgersnapshot', [PLATFORM_MIGRATIONS_DIR, path.join(__dirname, '..', 'migrations')], createLogger('ledger-test', 'silent'));
    await db.pool.query(
      `INSERT INTO accounts (id, participant, currency, balance, net_debit_cap) VALUES ('BANKA:USD', 'BANKA', 'USD', 1000, 0), ('EXTERNAL:USD', 'EXTERNAL', 'USD', -1000, NULL)`,
    );
    await db.pool.query(
      `INSERT INTO blocks (height, hash, prev_hash, merkle_root, state_digest, tx_count, block_time, last_offset, leaves) VALUES (1, $1, $2, $1, $1, 1, 1, 1, '[]')`,
      [HASH('a'), HASH('0')],
    );
    await db.pool.query(`INSERT INTO finality (height, hash, signatures) VALUES (1, $1, '[]')`, [HASH('a')]);
    controller = new LedgerController(new LedgerRepository(interleavingPool(db.pool)), {} as ChainService, { VALIDATOR_ID: 'v0' } as LedgerConfig);
  });

  afterAll(() => db.drop());

  it('counts a block applied between its reads neither in the balance nor in what it rewinds', async () => {
    afterBalancesRead = applyBlock2;
    expect(await controller.accounts('BANKA')).toEqual({
      height: 1,
      accounts: [{ account: 'BANKA:USD', currency: 'USD', balance: '1000', netDebitCap: '0', queued: '0' }],
    });
    expect(afterBalancesRead).toBeNull();
  });

  it('rewinds an applied block that is not final yet, and counts it once it is', async () => {
    expect(await controller.accounts('BANKA')).toEqual({
      height: 1,
      accounts: [{ account: 'BANKA:USD', currency: 'USD', balance: '1000', netDebitCap: '0', queued: '0' }],
    });
    await db.pool.query(`INSERT INTO finality (height, hash, signatures) VALUES (2, $1, '[]')`, [HASH('b')]);
    expect(await controller.accounts('BANKA')).toEqual({
      height: 2,
      accounts: [{ account: 'BANKA:USD', currency: 'USD', balance: '1500', netDebitCap: '0', queued: '0' }],
    });
  });
});
