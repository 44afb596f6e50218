import path from 'node:path';
import { runner } from 'node-pg-migrate';
import { Logger } from './logger';

/**
 * Applies the versioned SQL migrations of one service (node-pg-migrate, `-- Up Migration` files).
 * Safe to run concurrently: node-pg-migrate takes an advisory lock.
 */
export async function runMigrations(databaseUrl: string, dirs: string[], log: Logger): Promise<number> {
  const applied = await runner({
    databaseUrl,
    dir: dirs.map((dir) => path.join(path.resolve(dir), '*.sql')),
    useGlob: true,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    singleTransaction: true,
    log: (message: string) => log.debug({ migration: message }, 'migration'),
  });
  log.info({ applied: applied.map((m) => m.name) }, `migrations: ${applied.length} applied`);
  return applied.length;
}
