/** Medium-test helper for the gateway: a fresh Postgres database with the service's migrations (real Postgres only). */
import { Logger, PLATFORM_MIGRATIONS_DIR, TestDatabase, createLogger, freshTestDatabase } from '@nostro/platform';
import path from 'node:path';

const GATEWAY_MIGRATIONS_DIR = path.join(__dirname, '..', '..', 'migrations');

export const silentLog: Logger = createLogger('gateway-test', 'silent');

/** A fresh database `nostro_test<slot>_<suffix>` with the platform's and the gateway's migrations. */
export function freshGatewayDatabase(suffix: string, log: Logger = silentLog): Promise<TestDatabase> {
  return freshTestDatabase(suffix, [PLATFORM_MIGRATIONS_DIR, GATEWAY_MIGRATIONS_DIR], log);
}
