import { Pool } from 'pg';
import { register } from 'prom-client';
import { createPool } from './db';
import { InboxPruner } from './inbox';
import { createLogger } from './logger';
import { PLATFORM_MIGRATIONS_DIR } from './runtime';
import { TestDatabase, freshTestDatabase } from './testing';

/** Medium tier: the inbox pruner against the real Postgres, on a database of its own. */
const log = createLogger('inbox-test', 'silent');
const HOUR = 3_600_000;
const now = new Date('2026-12-03T12:00:00Z');

let db: TestDatabase;
let pool: Pool;

/** `count` ids for `group`, received `ageHours` before `now`, in one statement. */
async function seed(group: string, prefix: string, count: number, ageHours: number): Promise<void> {
  await pool.query(
    `INSERT INTO inbox (group_id, message_id, received_at)
     SELECT $1, $2 || g, $3::timestamptz - make_interval(secs => $4) FROM generate_series(1, $5) g`,
    [group, prefix, now, ageHours * 3_600, count],
  );
}

async function ids(group: string): Promise<string[]> {
  const { rows } = await pool.query<{ message_id: string }>('SELECT message_id FROM inbox WHERE group_id = $1 ORDER BY message_id', [group]);
  return rows.map((r) => r.message_id);
}

async function prunedMetric(group: string): Promise<number> {
  const metric = await register.getSingleMetric('nostro_inbox_pruned_total')?.get();
  return metric?.values.find((v) => v.labels.group === group)?.value ?? 0;
}

beforeAll(async () => {
  db = await freshTestDatabase('platform_inbox', [PLATFORM_MIGRATIONS_DIR], log);
  pool = db.pool;
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

beforeEach(async () => {
  await pool.query('TRUNCATE inbox');
});

describe('InboxPruner', () => {
  it('forgets only its own group’s ids older than the retention, in bounded statements', async () => {
    await seed('g1', 'old-', 25, 200);
    await seed('g1', 'edge-', 2, 167.9);
    await seed('g1', 'new-', 5, 1);
    await seed('g2', 'other-', 3, 500);
    const before = await prunedMetric('g1');
    const pruner = new InboxPruner({ pool, log, groupId: 'g1', retentionMs: 168 * HOUR, batchSize: 10 });

    expect(await pruner.runOnce(now)).toBe(25);

    expect(await ids('g1')).toEqual(['edge-1', 'edge-2', 'new-1', 'new-2', 'new-3', 'new-4', 'new-5']);
    expect(await ids('g2')).toEqual(['other-1', 'other-2', 'other-3']);
    expect((await prunedMetric('g1')) - before).toBe(25);
    expect(await pruner.runOnce(now)).toBe(0);
  });

  it('keeps a pruned id out of the way: the same id is new again afterwards', async () => {
    await seed('g1', 'm-', 1, 300);
    const pruner = new InboxPruner({ pool, log, groupId: 'g1', retentionMs: 24 * HOUR });
    expect(await pruner.runOnce(now)).toBe(1);
    const { rowCount } = await pool.query(`INSERT INTO inbox (group_id, message_id) VALUES ('g1', 'm-1') ON CONFLICT DO NOTHING`);
    expect(rowCount).toBe(1);
  });

  it('runs safely on two replicas at once: every old id is deleted exactly once', async () => {
    await seed('g1', 'old-', 5_000, 200);
    await seed('g1', 'new-', 10, 0);
    const a = new InboxPruner({ pool, log, groupId: 'g1', retentionMs: 168 * HOUR, batchSize: 500 });
    const b = new InboxPruner({ pool, log, groupId: 'g1', retentionMs: 168 * HOUR, batchSize: 500 });
    const [x, y] = await Promise.all([a.runOnce(now), b.runOnce(now)]);
    // A statement that lost rows to the other replica deletes fewer than a batch and ends that run early; the next
    // interval picks up whatever is left.
    const rest = await a.runOnce(now);
    expect(x + y + rest).toBe(5_000);
    expect(await ids('g1')).toHaveLength(10);
  });

  it('finds old rows through the BRIN index on received_at once the table is large', async () => {
    await seed('g1', 'n-', 20_000, 0);
    await pool.query('ANALYZE inbox');
    await pool.query(`SELECT brin_summarize_new_values('inbox_received_at'::regclass)`);
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT ctid FROM inbox WHERE group_id = 'g1' AND received_at < $1::timestamptz LIMIT 10`,
      [new Date(now.getTime() - 168 * HOUR)],
    );
    expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('inbox_received_at');
  });

  it('logs a failure and answers 0 instead of throwing (the next interval retries)', async () => {
    const broken = createPool('postgres://root@127.0.0.1:5432/nostro_inbox_missing_database', 'inbox-test', 1);
    try {
      const pruner = new InboxPruner({ pool: broken, log, groupId: 'g1', retentionMs: HOUR });
      expect(await pruner.runOnce(now)).toBe(0);
    } finally {
      await broken.end();
    }
  });
});
