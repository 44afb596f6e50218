import { LedgerConfig, LedgerTransfer } from '../messages/schemas';
import { LedgerState } from './ledger-state';

const open = (accounts: [string, string | null][]): LedgerConfig => ({
  kind: 'config',
  id: 'open',
  op: 'open_accounts',
  accounts: accounts.map(([account, netDebitCap]) => ({ account, netDebitCap })),
});
const tx = (postings: [string, string][], notAfter?: number): LedgerTransfer => ({
  kind: 'transfer',
  id: '00000000-0000-4000-8000-000000000001',
  postings: postings.map(([account, amount]) => ({ account, currency: account.split(':')[1], amount })),
  notAfter,
});

function fresh(): LedgerState {
  const state = new LedgerState();
  state.applyConfig(
    open([
      ['EXTERNAL:USD', null],
      ['BANKUS33:USD', '0'],
      ['FXDESK:USD', '0'],
      ['FEES:USD', '0'],
      ['FXDESK:EUR', '0'],
      ['BANKDE55:EUR', '0'],
      ['EXTERNAL:EUR', null],
    ]),
  );
  return state;
}

function total(state: LedgerState, currency: string): bigint {
  return state
    .allAccounts()
    .filter((a) => a.currency === currency)
    .reduce((s, a) => s + a.balance, 0n);
}

describe('LedgerState', () => {
  it('applies the DOMAIN.md FX transaction and keeps every currency summing to zero', () => {
    const state = fresh();
    expect(
      state.applyTransfer(
        tx([
          ['EXTERNAL:USD', '-200000'],
          ['BANKUS33:USD', '200000'],
        ]),
        1,
      ),
    ).toEqual({ status: 'accepted' });
    expect(
      state.applyTransfer(
        tx([
          ['EXTERNAL:EUR', '-100000'],
          ['FXDESK:EUR', '100000'],
        ]),
        1,
      ).status,
    ).toBe('accepted');
    const outcome = state.applyTransfer(
      tx([
        ['BANKUS33:USD', '-100250'],
        ['FXDESK:USD', '100000'],
        ['FEES:USD', '250'],
        ['FXDESK:EUR', '-91500'],
        ['BANKDE55:EUR', '91500'],
      ]),
      2,
    );
    expect(outcome).toEqual({ status: 'accepted' });
    expect(state.account('BANKUS33:USD')?.balance).toBe(99750n);
    expect(state.account('BANKDE55:EUR')?.balance).toBe(91500n);
    expect(total(state, 'USD')).toBe(0n);
    expect(total(state, 'EUR')).toBe(0n);
  });

  it('rejects without moving any balance', () => {
    const state = fresh();
    const cases: [LedgerTransfer, number, string][] = [
      [
        tx([
          ['BANKUS33:USD', '-1'],
          ['FEES:USD', '1'],
        ]),
        1,
        'insufficient_funds',
      ],
      [
        tx([
          ['EXTERNAL:USD', '-2'],
          ['BANKUS33:USD', '1'],
        ]),
        1,
        'unbalanced',
      ],
      [
        tx([
          ['EXTERNAL:USD', '-1'],
          ['NOBODY:USD', '1'],
        ]),
        1,
        'account_unknown',
      ],
      [
        tx(
          [
            ['EXTERNAL:USD', '-1'],
            ['BANKUS33:USD', '1'],
          ],
          5,
        ),
        6,
        'not_after_passed',
      ],
      [
        tx([
          ['EXTERNAL:USD', '0'],
          ['BANKUS33:USD', '0'],
        ]),
        1,
        'zero_posting',
      ],
    ];
    for (const [transfer, at, reason] of cases) {
      expect(state.applyTransfer(transfer, at)).toEqual({ status: 'rejected', reason });
    }
    expect(state.allAccounts().every((a) => a.balance === 0n)).toBe(true);
  });

  it('honours net debit caps and suspensions set through config entries', () => {
    const state = fresh();
    state.applyConfig({ kind: 'config', id: 'l', op: 'set_limits', accounts: [{ account: 'BANKUS33:USD', netDebitCap: '500' }] });
    expect(
      state.applyTransfer(
        tx([
          ['BANKUS33:USD', '-500'],
          ['FEES:USD', '500'],
        ]),
        1,
      ).status,
    ).toBe('accepted');
    expect(
      state.applyTransfer(
        tx([
          ['BANKUS33:USD', '-1'],
          ['FEES:USD', '1'],
        ]),
        1,
      ),
    ).toEqual({ status: 'rejected', reason: 'limit_exceeded' });
    state.applyConfig({ kind: 'config', id: 's', op: 'suspend', accounts: [], participant: 'BANKUS33' });
    expect(
      state.applyTransfer(
        tx([
          ['EXTERNAL:USD', '-1'],
          ['BANKUS33:USD', '1'],
        ]),
        1,
      ),
    ).toEqual({ status: 'rejected', reason: 'participant_suspended' });
    state.applyConfig({ kind: 'config', id: 'r', op: 'resume', accounts: [], participant: 'BANKUS33' });
    expect(
      state.applyTransfer(
        tx([
          ['EXTERNAL:USD', '-1'],
          ['BANKUS33:USD', '1'],
        ]),
        1,
      ).status,
    ).toBe('accepted');
  });

  it('reports only the accounts a change touched, telling opened accounts from updated ones', () => {
    const state = fresh();
    expect(state.takeChanges().created).toHaveLength(7);
    state.applyTransfer(
      tx([
        ['EXTERNAL:USD', '-5'],
        ['BANKUS33:USD', '5'],
      ]),
      1,
    );
    state.applyConfig(open([['BANKGB22:GBP', '0']]));
    const changes = state.takeChanges();
    expect(changes.updated.map((a) => [a.id, a.balance]).sort()).toEqual([
      ['BANKUS33:USD', 5n],
      ['EXTERNAL:USD', -5n],
    ]);
    expect(changes.created.map((a) => a.id)).toEqual(['BANKGB22:GBP']);
    expect(changes.suspended).toBeNull();
    expect(state.takeChanges()).toEqual({ created: [], updated: [], suspended: null });
  });

  it('reports the suspension list only when it changed', () => {
    const state = fresh();
    state.takeChanges();
    state.applyConfig({ kind: 'config', id: 's', op: 'suspend', accounts: [], participant: 'BANKUS33' });
    expect(state.takeChanges().suspended).toEqual(['BANKUS33']);
    state.applyConfig({ kind: 'config', id: 's2', op: 'suspend', accounts: [], participant: 'BANKUS33' });
    expect(state.takeChanges().suspended).toBeNull();
    state.applyConfig({ kind: 'config', id: 'r', op: 'resume', accounts: [], participant: 'BANKUS33' });
    expect(state.takeChanges().suspended).toEqual([]);
  });

  it('judges a transfer without applying it', () => {
    const state = fresh();
    const deposit = tx([
      ['EXTERNAL:USD', '-5'],
      ['BANKUS33:USD', '5'],
    ]);
    expect(state.judgeTransfer(deposit, 1)).toEqual({ status: 'accepted' });
    expect(state.account('BANKUS33:USD')?.balance).toBe(0n);
  });

  it('keeps its accounts sorted by id as JCS sorts keys, across later openings', () => {
    const state = fresh();
    state.applyConfig(
      open([
        ['AAAA1:USD', '0'],
        ['ZZZZ9:USD', '0'],
      ]),
    );
    const ids = state.sortedAccounts().map((a) => a.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids[0]).toBe('AAAA1:USD');
  });
});
