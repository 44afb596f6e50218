// The liquidity queue's gridlock resolver (libs/shared/src/ledger/gridlock.ts), timed on the queues API.md and
// issue "Liquidity queue" name as its bound: 10,000 queued payments among 50 participants. Pure computation (no
// broker, no database): `npm run bench:ledger -- --only-gridlock`, or the last phase of `npm run bench:ledger`.
import { performance } from 'node:perf_hooks';
import { type AccountPosition, type QueuedTransfer, resolveGridlock } from '../../libs/shared/src/ledger/gridlock';
import { LedgerState } from '../../libs/shared/src/ledger/ledger-state';
import { LiquidityQueue } from '../../libs/shared/src/ledger/liquidity-queue';

export interface GridlockCase {
  name: string;
  queued: number;
  participants: number;
  settled: number;
  runs: number;
  p50Ms: number;
  maxMs: number;
}

/** A deterministic pseudo-random sequence (the same instances in every run, so runs compare). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function instance(kind: 'ring' | 'random', queued: number, participants: number) {
  const rand = lcg(queued * 31 + participants + (kind === 'ring' ? 1 : 2));
  const names = Array.from({ length: participants }, (_, i) => `P${String(i).padStart(3, '0')}:EUR`);
  const accounts = new Map<string, AccountPosition>(
    names.map((n) => [n, { balance: kind === 'ring' ? 0n : BigInt(Math.floor(rand() * 5_000)), netDebitCap: 0n }]),
  );
  const queues = new Map<string, QueuedTransfer[]>();
  for (let i = 0; i < queued; i++) {
    // ring: each pays the next the same amount, so nothing settles alone and everything settles together;
    // random: random pairs and amounts, so the resolver takes many back before the rest is funded.
    const from = kind === 'ring' ? i % participants : Math.floor(rand() * participants);
    let to = kind === 'ring' ? (from + 1) % participants : Math.floor(rand() * participants);
    if (to === from) to = (to + 1) % participants;
    const amount = kind === 'ring' ? 1_000n : BigInt(1 + Math.floor(rand() * 5_000));
    const t: QueuedTransfer = {
      id: `q${i}`,
      queue: names[from],
      seq: i,
      postings: [
        { account: names[from], amount: -amount },
        { account: names[to], amount },
      ],
    };
    queues.set(t.queue, [...(queues.get(t.queue) ?? []), t]);
  }
  return { accounts, queues };
}

export function gridlockBench(runs = 7): GridlockCase[] {
  const cases: [string, 'ring' | 'random', number, number][] = [
    ['ring: 50 participants each owing the next, 10,000 queued, all settle together', 'ring', 10_000, 50],
    ['random: 50 participants, 10,000 queued, random pairs and amounts', 'random', 10_000, 50],
    ['random: 500 participants, 100,000 queued', 'random', 100_000, 500],
  ];
  return cases
    .map(([name, kind, queued, participants]) => {
      const { accounts, queues } = instance(kind, queued, participants);
      const times: number[] = [];
      let settled = 0;
      for (let r = 0; r < runs; r++) {
        const start = performance.now();
        settled = resolveGridlock(accounts, queues).length;
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      return { name, queued, participants, settled, runs, p50Ms: times[Math.floor(times.length / 2)], maxMs: times[times.length - 1] };
    })
    .concat(queueSealBench(runs));
}

/**
 * The whole end-of-block step a validator runs with the queue full (LiquidityQueue.settle: deadlines, a FIFO release
 * attempt at every head, the gridlock resolver, the set applied at once, and the queue's digest text): 10,000
 * transfers queued among 50 participants in a ring, nothing settles alone, all settle together.
 */
export function queueSealBench(runs = 7): GridlockCase {
  const participants = 50;
  const queued = 10_000;
  const names = Array.from({ length: participants }, (_, i) => `P${String(i).padStart(3, '0')}:EUR`);
  const times: number[] = [];
  let settled = 0;
  for (let r = 0; r < runs; r++) {
    const state = new LedgerState({
      accounts: names.map((id) => ({ id, participant: id.split(':')[0], currency: 'EUR', balance: 0n, netDebitCap: 0n })),
      suspended: [],
    });
    const queue = new LiquidityQueue(state);
    for (let i = 0; i < queued; i++) {
      const from = names[i % participants];
      const to = names[(i + 1) % participants];
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const tx = {
        kind: 'transfer' as const,
        id,
        postings: [
          { account: from, currency: 'EUR', amount: '-1000' },
          { account: to, currency: 'EUR', amount: '1000' },
        ],
      };
      queue.offer(tx, 1_000 + i, 60_000);
    }
    const start = performance.now();
    settled = queue.settle(20_000).length;
    queue.digestText();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return {
    name: 'block seal (LiquidityQueue.settle): 10,000 queued among 50 in a ring, all settle together',
    queued,
    participants,
    settled,
    runs,
    p50Ms: times[Math.floor(times.length / 2)],
    maxMs: times[times.length - 1],
  };
}

export function printGridlock(cases: readonly GridlockCase[]): void {
  console.log('\nGridlock resolver (one core, pure computation, each case run 7 times):');
  for (const c of cases) {
    console.log(`  ${c.name}: ${c.settled.toLocaleString('en-US')} settle; p50 ${c.p50Ms.toFixed(1)} ms, max ${c.maxMs.toFixed(1)} ms`);
  }
}
