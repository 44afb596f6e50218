import fc from 'fast-check';
import { AccountPosition, QueuedTransfer, resolveGridlock } from './gridlock';

const pay = (id: string, seq: number, from: string, to: string, amount: bigint): QueuedTransfer => ({
  id,
  queue: from,
  seq,
  postings: [
    { account: from, amount: -amount },
    { account: to, amount },
  ],
});

const queuesOf = (transfers: readonly QueuedTransfer[]): Map<string, QueuedTransfer[]> => {
  const queues = new Map<string, QueuedTransfer[]>();
  for (const t of [...transfers].sort((a, b) => a.seq - b.seq)) queues.set(t.queue, [...(queues.get(t.queue) ?? []), t]);
  return queues;
};

const funded = (accounts: ReadonlyMap<string, AccountPosition>, set: readonly QueuedTransfer[]): boolean => {
  const delta = new Map<string, bigint>();
  for (const t of set) for (const p of t.postings) delta.set(p.account, (delta.get(p.account) ?? 0n) + p.amount);
  return [...delta].every(([account, d]) => {
    const a = accounts.get(account);
    return a !== undefined && (a.netDebitCap === null || a.balance + d >= -a.netDebitCap);
  });
};

/** Every prefix of every queue, tried: the largest set that can settle (unique when each transfer debits its own queue only). */
function bruteForce(accounts: ReadonlyMap<string, AccountPosition>, queues: ReadonlyMap<string, readonly QueuedTransfer[]>): Set<string> {
  const lists = [...queues.values()];
  let best: QueuedTransfer[] = [];
  const walk = (q: number, chosen: QueuedTransfer[]): void => {
    if (q === lists.length) {
      if (chosen.length > best.length && funded(accounts, chosen)) best = chosen;
      return;
    }
    for (let n = 0; n <= lists[q].length; n++) walk(q + 1, [...chosen, ...lists[q].slice(0, n)]);
  };
  walk(0, []);
  return new Set(best.map((t) => t.id));
}

const ids = (set: readonly QueuedTransfer[]) => new Set(set.map((t) => t.id));

describe('resolveGridlock', () => {
  const accounts = (entries: [string, bigint, bigint | null][]) => new Map(entries.map(([id, balance, cap]) => [id, { balance, netDebitCap: cap }]));

  it('settles two banks that each owe the other more than they hold, together', () => {
    const a = accounts([
      ['A:EUR', 10n, 0n],
      ['B:EUR', 10n, 0n],
    ]);
    const ab = pay('ab', 1, 'A:EUR', 'B:EUR', 100n);
    const ba = pay('ba', 2, 'B:EUR', 'A:EUR', 95n);
    expect(resolveGridlock(a, queuesOf([ab, ba])).map((t) => t.id)).toEqual(['ab', 'ba']);
    // Offsetting does not create money: 100 against 85 leaves B short of nothing but A short of 5.
    const less = pay('ba', 2, 'B:EUR', 'A:EUR', 85n);
    expect(resolveGridlock(a, queuesOf([ab, less])).map((t) => t.id)).toEqual([]);
  });

  it('settles a ring of three and leaves out the payment that would overdraw, with what queues behind it', () => {
    const a = accounts([
      ['A:USD', 0n, 0n],
      ['B:USD', 0n, 0n],
      ['C:USD', 5n, 0n],
      ['D:USD', 0n, null],
    ]);
    const ring = [pay('ab', 1, 'A:USD', 'B:USD', 50n), pay('bc', 2, 'B:USD', 'C:USD', 50n), pay('ca', 3, 'C:USD', 'A:USD', 50n)];
    const greedy = pay('cd', 4, 'C:USD', 'D:USD', 10n);
    const behind = pay('cd2', 5, 'C:USD', 'D:USD', 1n);
    expect(resolveGridlock(a, queuesOf([...ring, greedy, behind])).map((t) => t.id)).toEqual(['ab', 'bc', 'ca']);
    // FIFO: a small payment behind one that cannot go waits too.
    expect(resolveGridlock(a, queuesOf([greedy, behind])).map((t) => t.id)).toEqual([]);
  });

  it('uses a net debit cap, and blocks a queue behind a transfer to an unknown account', () => {
    const a = accounts([
      ['A:USD', 0n, 30n],
      ['B:USD', 0n, 0n],
    ]);
    expect(resolveGridlock(a, queuesOf([pay('ab', 1, 'A:USD', 'B:USD', 30n)])).map((t) => t.id)).toEqual(['ab']);
    expect(resolveGridlock(a, queuesOf([pay('ax', 1, 'A:USD', 'X:USD', 1n), pay('ab', 2, 'A:USD', 'B:USD', 1n)])).map((t) => t.id)).toEqual([]);
  });

  /** Random small networks of payments between participants in one currency: the brute force is exact there. */
  const network = fc
    .record({
      participants: fc.integer({ min: 2, max: 4 }),
      balances: fc.array(fc.bigInt({ min: 0n, max: 100n }), { minLength: 4, maxLength: 4 }),
      caps: fc.array(fc.constantFrom<bigint | null>(0n, 0n, 20n, null), { minLength: 4, maxLength: 4 }),
      payments: fc.array(fc.record({ from: fc.nat(3), to: fc.nat(3), amount: fc.bigInt({ min: 1n, max: 120n }) }), { maxLength: 9 }),
    })
    .map(({ participants, balances, caps, payments }) => {
      const names = ['A', 'B', 'C', 'D'].slice(0, participants).map((p) => `${p}:EUR`);
      const accountMap = new Map(names.map((n, i) => [n, { balance: balances[i], netDebitCap: caps[i] }]));
      const transfers = payments
        .map((p) => ({ from: names[p.from % participants], to: names[p.to % participants], amount: p.amount }))
        .filter((p) => p.from !== p.to)
        .map((p, i) => pay(`t${i}`, i, p.from, p.to, p.amount));
      // At most 4 per queue, so that the brute force stays small.
      const queues = new Map([...queuesOf(transfers)].map(([k, v]) => [k, v.slice(0, 4)]));
      return { accounts: accountMap, queues };
    });

  it('finds the same set as trying every prefix of every queue (property)', () => {
    fc.assert(
      fc.property(network, ({ accounts: a, queues }) => {
        expect(ids(resolveGridlock(a, queues))).toEqual(bruteForce(a, queues));
      }),
      { numRuns: 2_000 },
    );
  });

  /** FX-like transfers with a second debited account (the desk) that is no queue of theirs. */
  const fxNetwork = fc
    .record({
      balances: fc.array(fc.bigInt({ min: 0n, max: 100n }), { minLength: 5, maxLength: 5 }),
      payments: fc.array(fc.record({ from: fc.nat(3), to: fc.nat(3), amount: fc.bigInt({ min: 1n, max: 80n }), fx: fc.boolean() }), { maxLength: 12 }),
    })
    .map(({ balances, payments }) => {
      const names = ['A:EUR', 'B:EUR', 'C:EUR', 'D:EUR', 'FXDESK:EUR'];
      const accountMap = new Map(names.map((n, i) => [n, { balance: balances[i], netDebitCap: 0n }]));
      const transfers = payments
        .filter((p) => p.from !== p.to)
        .map((p, i): QueuedTransfer => {
          const from = names[p.from];
          const to = names[p.to];
          if (!p.fx) return pay(`t${i}`, i, from, to, p.amount);
          // debtor → desk, desk → creditor (the two legs of one currency pair seen in one currency, for the test)
          return {
            id: `t${i}`,
            queue: from,
            seq: i,
            postings: [
              { account: from, amount: -p.amount },
              { account: 'FXDESK:EUR', amount: p.amount - 1n },
              { account: 'FXDESK:EUR', amount: -(p.amount - 1n) },
              { account: to, amount: p.amount - 1n },
              { account: 'FXDESK:EUR', amount: 1n },
            ],
          };
        });
      return { accounts: accountMap, queues: queuesOf(transfers) };
    });

  it('answers a set that can settle, a prefix of every queue, whatever the order queues and accounts are given in (property)', () => {
    fc.assert(
      fc.property(fxNetwork, fc.boolean(), ({ accounts: a, queues }, reverse) => {
        const result = resolveGridlock(a, queues);
        expect(funded(a, result)).toBe(true);
        for (const [key, queue] of queues) {
          const taken = result.filter((t) => t.queue === key).map((t) => t.id);
          expect(taken).toEqual(queue.slice(0, taken.length).map((t) => t.id));
        }
        expect(result.map((t) => t.seq)).toEqual([...result.map((t) => t.seq)].sort((x, y) => x - y));
        // The same answer from the same state given in another order: what every validator needs.
        const shuffled = new Map([...queues].sort(([x], [y]) => (reverse ? (x < y ? 1 : -1) : x < y ? -1 : 1)));
        const accountsShuffled = new Map([...a].reverse());
        expect(resolveGridlock(accountsShuffled, shuffled).map((t) => t.id)).toEqual(result.map((t) => t.id));
      }),
      { numRuns: 1_000 },
    );
  });

  it('never settles a queued transfer that could not settle with the others (nothing added to a funded set is left out needlessly)', () => {
    fc.assert(
      fc.property(network, ({ accounts: a, queues }) => {
        const result = resolveGridlock(a, queues);
        // Maximal: the next transfer of any queue, added to the result, would overdraw some account.
        for (const queue of queues.values()) {
          const taken = result.filter((t) => t.queue === queue[0]?.queue).length;
          if (taken < queue.length) expect(funded(a, [...result, queue[taken]])).toBe(false);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
