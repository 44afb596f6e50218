import { AccountState } from './ledger-state';

/** One broken balance invariant of the ledger. */
export type LedgerInvariantProblem =
  /** The balances of a currency do not sum to what they must (zero: every transaction balances per currency). */
  | { kind: 'currency_unbalanced'; currency: string; sum: bigint; expected: bigint }
  /** An account is below its floor, minus its net debit cap. */
  | { kind: 'below_floor'; account: string; balance: bigint; netDebitCap: bigint };

/** The sum of the balances of each currency, currencies in the order they first appear. */
export function currencySums(accounts: Iterable<AccountState>): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const account of accounts) sums.set(account.currency, (sums.get(account.currency) ?? 0n) + account.balance);
  return sums;
}

/**
 * What breaks the ledger's balance invariants in a set of accounts (a whole state, e.g. after a block): the
 * balances of each currency sum to zero across all accounts, system accounts included (double entry); no account
 * is below minus its net debit cap (an account without a cap, `EXTERNAL`, has no floor). `expectedSums` replaces
 * zero for the currencies it lists. Pure, one pass; `[]` when every invariant holds. Floor problems come first, in
 * account order, then the currencies, in the order they first appear.
 */
export function ledgerInvariantProblems(accounts: Iterable<AccountState>, expectedSums: ReadonlyMap<string, bigint> = new Map()): LedgerInvariantProblem[] {
  const problems: LedgerInvariantProblem[] = [];
  const sums = new Map<string, bigint>();
  for (const account of accounts) {
    sums.set(account.currency, (sums.get(account.currency) ?? 0n) + account.balance);
    if (account.netDebitCap !== null && account.balance < -account.netDebitCap) {
      problems.push({ kind: 'below_floor', account: account.id, balance: account.balance, netDebitCap: account.netDebitCap });
    }
  }
  for (const currency of expectedSums.keys()) if (!sums.has(currency)) sums.set(currency, 0n);
  for (const [currency, sum] of sums) {
    const expected = expectedSums.get(currency) ?? 0n;
    if (sum !== expected) problems.push({ kind: 'currency_unbalanced', currency, sum, expected });
  }
  return problems;
}

/** One line for a log, an assertion message or an audit report. */
export function describeInvariantProblem(problem: LedgerInvariantProblem): string {
  if (problem.kind === 'below_floor') return `${problem.account} is at ${problem.balance}, below its limit −${problem.netDebitCap}`;
  return `${problem.currency} balances sum to ${problem.sum}, not ${problem.expected === 0n ? 'zero' : problem.expected}`;
}
