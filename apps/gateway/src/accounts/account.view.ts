import { asCurrency, formatAmount } from '@nostro/shared';
import { LedgerBalance } from '../ledger/ledger.client';

/**
 * One settlement account as `GET /v1/accounts` shows it (major units): available = balance + net debit cap; queued =
 * what the payments waiting in its liquidity queue would debit (zero from a validator that reports no queue).
 */
export function accountView(a: LedgerBalance) {
  const currency = asCurrency(a.currency);
  const balance = BigInt(a.balance);
  return {
    currency,
    balance: formatAmount(balance, currency),
    available: formatAmount(balance + BigInt(a.netDebitCap ?? '0'), currency),
    queued: formatAmount(BigInt(a.queued ?? '0'), currency),
  };
}
