import fc from 'fast-check';
import { genesisPrevHash } from '../chain/block-header';
import { LedgerEntry } from '../messages/schemas';
import { BlockCutter } from './block-cutter';
import { currencySums, describeInvariantProblem, ledgerInvariantProblems } from './ledger-invariants';
import { AccountState, LedgerState } from './ledger-state';

const account = (id: string, balance: bigint, netDebitCap: bigint | null): AccountState => {
  const [participant, currency] = id.split(':');
  return { id, participant, currency, balance, netDebitCap };
};

/** Accounts by currency, with their net debit caps (null: no floor). */
const BOOK: Record<string, [string, string | null][]> = {
  USD: [
    ['EXTERNAL:USD', null],
    ['BANKUS33:USD', '0'],
    ['BANKGB22:USD', '500'],
    ['FXDESK:USD', '0'],
    ['FEES:USD', '0'],
  ],
  EUR: [
    ['EXTERNAL:EUR', null],
    ['BANKDE55:EUR', '0'],
    ['FXDESK:EUR', '1000'],
    ['ESCROW:EUR', '0'],
  ],
};
const CAPPED = Object.values(BOOK)
  .flat()
  .filter(([, cap]) => cap !== null)
  .map(([id]) => id);
const id = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

/** A transfer in one currency; `skew` 0 balances it, anything else leaves it unbalanced (refused by the ledger). */
const transferArb = fc.record({
  currency: fc.constantFrom('USD', 'EUR'),
  picks: fc.uniqueArray(fc.nat({ max: 4 }), { minLength: 2, maxLength: 4 }),
  amounts: fc.array(fc.bigInt({ min: -2_000n, max: 2_000n }), { minLength: 4, maxLength: 4 }),
  skew: fc.oneof(fc.constant(0n), fc.bigInt({ min: -3n, max: 3n })),
  notAfter: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat({ max: 20 }) }),
});
type TransferDraw = typeof transferArb extends fc.Arbitrary<infer T> ? T : never;

function transfer(n: number, d: TransferDraw): LedgerEntry {
  const accounts = BOOK[d.currency];
  const chosen = [...new Set(d.picks.map((p) => accounts[p % accounts.length][0]))];
  const amounts = chosen.map((_, i) => d.amounts[i]);
  amounts[amounts.length - 1] = d.skew - amounts.slice(0, -1).reduce((s, a) => s + a, 0n);
  const postings = chosen.map((acc, i) => ({ account: acc, currency: d.currency, amount: amounts[i].toString() }));
  return { kind: 'transfer', id: id(n), postings, notAfter: d.notAfter };
}

const entryArb = fc.oneof(
  { weight: 8, arbitrary: transferArb.map((d) => (n: number) => transfer(n, d)) },
  {
    weight: 1,
    arbitrary: fc
      .record({ account: fc.constantFrom(...CAPPED), cap: fc.option(fc.bigInt({ min: 0n, max: 1_500n }), { nil: null }) })
      .map(({ account: acc, cap }) => (n: number): LedgerEntry => ({
        kind: 'config',
        id: id(n),
        op: 'set_limits',
        accounts: [{ account: acc, netDebitCap: cap === null ? null : cap.toString() }],
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('suspend' as const, 'resume' as const), fc.constantFrom('BANKUS33', 'FXDESK'))
      .map(([op, participant]) => (n: number): LedgerEntry => ({ kind: 'config', id: id(n), op, accounts: [], participant })),
  },
);

const opening: LedgerEntry = {
  kind: 'config',
  id: 'open',
  op: 'open_accounts',
  accounts: Object.values(BOOK)
    .flat()
    .map(([acc, netDebitCap]) => ({ account: acc, netDebitCap })),
};

/** Deposits that fund every capped account, so that most drawn transfers are accepted. */
const funding: LedgerEntry[] = CAPPED.map((acc, i) => {
  const currency = acc.split(':')[1];
  return {
    kind: 'transfer',
    id: id(1_000 + i),
    postings: [
      { account: `EXTERNAL:${currency}`, currency, amount: '-5000' },
      { account: acc, currency, amount: '5000' },
    ],
  };
});

const fundingIds = new Set(funding.map((entry) => (entry.kind === 'cut' ? '' : entry.id)));

describe('ledgerInvariantProblems', () => {
  it('passes on the state after every block cut from any stream of transfers, limit changes and suspensions', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(entryArb, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (makers, blockMaxTx) => {
        const state = new LedgerState();
        const cutter = new BlockCutter(state, { nextHeight: 1, prevHash: genesisPrevHash('test'), nextOffset: 0n }, { blockMaxTx, isKnown: () => false });
        const entries = [opening, ...funding, ...makers.map((make, i) => make(i + 1)), { kind: 'cut' as const, height: 0, validator: 'v0' }];
        let blocks = 0;
        entries.forEach((entry, offset) => {
          const marker = entry.kind === 'cut' ? { ...entry, height: cutter.nextHeight } : entry;
          const result = cutter.feed(marker, String(offset), 10);
          if (result.kind !== 'sealed') return;
          blocks += 1;
          accepted += result.block.leaves.filter((leaf) => leaf.kind === 'transfer' && leaf.outcome.status === 'accepted' && !fundingIds.has(leaf.id)).length;
          expect(ledgerInvariantProblems(state.allAccounts())).toEqual([]);
        });
        expect(blocks).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
    // The drawn transfers move money (some are refused too), or the property would prove little.
    expect(accepted).toBeGreaterThan(300);
  });

  it('catches a currency that does not sum to zero', () => {
    const accounts = [
      account('EXTERNAL:USD', -1_000n, null),
      account('BANKUS33:USD', 1_001n, 0n),
      account('EXTERNAL:EUR', -5n, null),
      account('BANKDE55:EUR', 5n, 0n),
    ];
    expect(ledgerInvariantProblems(accounts)).toEqual([{ kind: 'currency_unbalanced', currency: 'USD', sum: 1n, expected: 0n }]);
    expect(describeInvariantProblem(ledgerInvariantProblems(accounts)[0])).toBe('USD balances sum to 1, not zero');
  });

  it('catches a balance below minus its net debit cap, and leaves an account without a cap unbounded', () => {
    const accounts = [
      account('EXTERNAL:USD', -(10n ** 30n), null),
      account('BANKUS33:USD', -1n, 0n),
      account('BANKGB22:USD', -500n, 500n),
      account('FXDESK:USD', -501n, 500n),
      account('FEES:USD', 10n ** 30n + 1_002n, 0n),
    ];
    const problems = ledgerInvariantProblems(accounts);
    expect(problems).toEqual([
      { kind: 'below_floor', account: 'BANKUS33:USD', balance: -1n, netDebitCap: 0n },
      { kind: 'below_floor', account: 'FXDESK:USD', balance: -501n, netDebitCap: 500n },
    ]);
    expect(problems.map(describeInvariantProblem)).toEqual(['BANKUS33:USD is at -1, below its limit −0', 'FXDESK:USD is at -501, below its limit −500']);
  });

  it('catches any single balance moved by a non-zero amount in a valid state', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 8 }),
        fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }).filter((d) => d !== 0n),
        (pick, delta) => {
          const state = new LedgerState();
          state.applyConfig(opening as Extract<LedgerEntry, { kind: 'config' }>);
          state.applyTransfer(
            {
              kind: 'transfer',
              id: id(1),
              postings: [
                { account: 'EXTERNAL:USD', currency: 'USD', amount: '-700' },
                { account: 'BANKUS33:USD', currency: 'USD', amount: '700' },
              ],
            },
            1,
          );
          const accounts = state.allAccounts();
          const moved = accounts[pick % accounts.length];
          moved.balance += delta;
          expect(ledgerInvariantProblems(accounts)).toContainEqual({ kind: 'currency_unbalanced', currency: moved.currency, sum: delta, expected: 0n });
        },
      ),
    );
  });

  it('checks each currency against the expected sums it is given, zero for the others', () => {
    const accounts = [
      account('EXTERNAL:USD', -100n, null),
      account('BANKUS33:USD', 101n, 0n),
      account('EXTERNAL:EUR', -1n, null),
      account('BANKDE55:EUR', 1n, 0n),
    ];
    const loaded = currencySums(accounts);
    expect(loaded).toEqual(
      new Map([
        ['USD', 1n],
        ['EUR', 0n],
      ]),
    );
    expect(ledgerInvariantProblems(accounts, loaded)).toEqual([]);
    expect(
      ledgerInvariantProblems(
        accounts,
        new Map([
          ['USD', 1n],
          ['GBP', 7n],
        ]),
      ),
    ).toEqual([{ kind: 'currency_unbalanced', currency: 'GBP', sum: 0n, expected: 7n }]);
    expect(describeInvariantProblem({ kind: 'currency_unbalanced', currency: 'USD', sum: 3n, expected: 1n })).toBe('USD balances sum to 3, not 1');
  });

  it('passes on no accounts at all', () => {
    expect(ledgerInvariantProblems([])).toEqual([]);
  });
});
