/**
 * What the end-to-end tests need of this library, and nothing that would load it whole (NestJS, kafkajs, pg…): each
 * test file loads its modules afresh, so `@nostro/platform` cost every such file about 0.5 s of CPU. Imported as
 * `@nostro/platform/test-support`; `@nostro/platform` exports the same. Never used by a running service.
 */

/**
 * The test cluster this process belongs to: NOSTRO_TEST_SLOT, else this Jest worker's own (JEST_WORKER_ID 1 → slot 0),
 * so two workers never share a database or a cluster; NOSTRO_TEST_SLOT_BASE shifts every slot. The scripts use it
 * too (scripts/lib/stack.ts), so a script a test spawns finds the test's cluster.
 */
export function testSlot(env: NodeJS.ProcessEnv = process.env): number {
  const base = Number.parseInt(env.NOSTRO_TEST_SLOT_BASE ?? '0', 10) || 0;
  if (env.NOSTRO_TEST_SLOT !== undefined) return base + (Number.parseInt(env.NOSTRO_TEST_SLOT, 10) || 0);
  return base + (Number.parseInt(env.JEST_WORKER_ID ?? '1', 10) || 1) - 1;
}

/**
 * Polls `fn` until `ok` holds for what it answers for the whole of `ms` (a negative check: "stays SUBMITTED"),
 * and answers the last value; stops at the first value that breaks it and answers that one, so the assertion after it
 * fails at once, naming what was seen. Use instead of a fixed sleep followed by one look.
 */
export async function consistently<T>(fn: () => Promise<T>, ok: (value: T) => boolean, ms: number, intervalMs = 200): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (!ok(value) || Date.now() >= until) return value;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(1, until - Date.now()))));
  }
}

/**
 * Polls `fn` every `intervalMs` until `done` holds for what it answers, or `timeoutMs` passes; answers the last value
 * either way, for the assertion after it to judge. Use instead of a fixed sleep followed by one look.
 */
export async function eventually<T>(fn: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** What {@link deleteRedisKeys} needs of an ioredis client (structural: this module loads no client). */
export interface RedisKeyScanner {
  scan(cursor: string, matchToken: 'MATCH', pattern: string, countToken: 'COUNT', count: number): Promise<[string, string[]]>;
  del(...keys: string[]): Promise<number>;
}

/**
 * Deletes every key under `prefix` with SCAN, 1,000 at a time, and answers how many: tests share the machine's Redis
 * with other checkouts, so they delete their own prefix, never FLUSHALL.
 */
export async function deleteRedisKeys(redis: RedisKeyScanner, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) deleted += await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  return deleted;
}
