/** Medium-test helper for the gateway: a fresh Postgres database with the service's migrations (real Postgres only). */
import { Logger, PLATFORM_MIGRATIONS_DIR, TestDatabase, createLogger, freshTestDatabase } from '@nostro/platform';
import { SignedQuote } from '@nostro/shared';
import path from 'node:path';

const GATEWAY_MIGRATIONS_DIR = path.join(__dirname, '..', '..', 'migrations');

export const silentLog: Logger = createLogger('gateway-test', 'silent');

/** A fresh database `nostro_test<slot>_<suffix>` with the platform's and the gateway's migrations. */
export function freshGatewayDatabase(suffix: string, log: Logger = silentLog): Promise<TestDatabase> {
  return freshTestDatabase(suffix, [PLATFORM_MIGRATIONS_DIR, GATEWAY_MIGRATIONS_DIR], log);
}

/**
 * A quote as the gateway stores it with a payment (BANKUS01 → BANKDE01, 10.00 USD → 9.00 EUR), for tests that write
 * payment rows directly: the database keeps it as JSON and checks none of its signature.
 */
export const testQuote = (id: string): SignedQuote =>
  ({
    id,
    participant: 'BANKUS01',
    creditorParticipant: 'BANKDE01',
    sourceCurrency: 'USD',
    targetCurrency: 'EUR',
    sendAmount: '10.00',
    receiveAmount: '9.00',
    totalDebit: '10.50',
    expiresAt: new Date(Date.now() + 30_000).toISOString(),
  }) as unknown as SignedQuote;
