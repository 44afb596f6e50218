import { LedgerEntry, systemAccountSpecs } from '@nostro/shared';
import { randomUUID } from 'node:crypto';

/** Opens the system accounts in USD and one bank account, BANKAAAA:USD, with no net debit cap. */
export const bootstrapEntry: LedgerEntry = {
  kind: 'config',
  id: 'bootstrap',
  op: 'open_accounts',
  accounts: [...systemAccountSpecs(['USD']), { account: 'BANKAAAA:USD', netDebitCap: '0' }],
};

/** A deposit of `amount` minor units from EXTERNAL:USD into BANKAAAA:USD. */
export const depositEntry = (amount: bigint): LedgerEntry => ({
  kind: 'transfer',
  id: randomUUID(),
  postings: [
    { account: 'EXTERNAL:USD', currency: 'USD', amount: (-amount).toString() },
    { account: 'BANKAAAA:USD', currency: 'USD', amount: amount.toString() },
  ],
});
