import { GroupCommit, mapLimited, mapOrderedByKey } from './concurrency';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('bounded concurrency helpers', () => {
  it('mapLimited keeps input order and never runs more than the bound at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimited([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await tick(n);
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('mapOrderedByKey runs items sharing a key in input order, one at a time, and other keys alongside', async () => {
    const events: string[] = [];
    const items = ['q1:a', 'q2:b', 'q1:c', 'q1:d', 'q3:e'];
    // q1's first item is held until the other keys' items are done (or 1 s passed): it finishes first only if they
    // waited for it. (Timers of 15 and 1 ms raced here: on a loaded machine the process could be descheduled between
    // setting them, and the 15 ms one fired first.)
    let releaseFirst = (): void => undefined;
    const first = new Promise<void>((resolve) => (releaseFirst = resolve));
    const fallback = setTimeout(releaseFirst, 1_000);
    const others = new Set(['q2:b', 'q3:e']);
    let runningQ1 = 0;
    const out = await mapOrderedByKey(
      items,
      (s) => s.split(':')[0],
      4,
      async (s) => {
        if (s.startsWith('q1')) {
          runningQ1++;
          expect(runningQ1).toBe(1);
        }
        await (s === 'q1:a' ? first : Promise.resolve());
        events.push(s);
        if (others.delete(s) && others.size === 0) releaseFirst();
        if (s.startsWith('q1')) runningQ1--;
        return s.toUpperCase();
      },
    );
    clearTimeout(fallback);
    expect(out).toEqual(['Q1:A', 'Q2:B', 'Q1:C', 'Q1:D', 'Q3:E']);
    expect(events.filter((e) => e.startsWith('q1'))).toEqual(['q1:a', 'q1:c', 'q1:d']);
    // q2 and q3 did not wait for q1's slow first item
    expect(events.slice(0, 2).sort()).toEqual(['q2:b', 'q3:e']);
  });
});

describe('GroupCommit', () => {
  const deferred = () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    return { gate, release };
  };

  it('flushes a lone call at once, and gathers the calls that arrive meanwhile into the next flush', async () => {
    const first = deferred();
    const seen: number[][] = [];
    const group = new GroupCommit<string, number, number>(async (_key, items) => {
      seen.push(items);
      if (seen.length === 1) await first.gate;
      return items.map((n) => ({ ok: n * 10 }));
    });
    const a = group.run('BANK', 1);
    await Promise.resolve();
    expect(seen).toEqual([[1]]);
    const rest = [2, 3, 4].map((n) => group.run('BANK', n));
    // Another key does not wait behind this one.
    expect(await group.run('OTHER', 9)).toBe(90);
    first.release();
    expect(await Promise.all([a, ...rest])).toEqual([10, 20, 30, 40]);
    expect(seen).toEqual([[1], [9], [2, 3, 4]]);
  });

  it('fails only the items the flush says failed, or every item of a flush that throws, and keeps going', async () => {
    const group = new GroupCommit<string, number, number>(async (_key, items) => {
      if (items.includes(13)) throw new Error('unlucky flush');
      return items.map((n) => (n % 2 === 0 ? { ok: n } : { error: new Error(`odd ${n}`) }));
    });
    await expect(group.run('K', 2)).resolves.toBe(2);
    await expect(group.run('K', 3)).rejects.toThrow('odd 3');
    await expect(group.run('K', 13)).rejects.toThrow('unlucky flush');
    await expect(group.run('K', 4)).resolves.toBe(4);
  });

  it('keeps to maxBatch items per flush', async () => {
    const sizes: number[] = [];
    const gate = deferred();
    const group = new GroupCommit<string, number, number>(
      async (_key, items) => {
        sizes.push(items.length);
        if (sizes.length === 1) await gate.gate;
        return items.map((n) => ({ ok: n }));
      },
      { maxBatch: 3 },
    );
    const all = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => group.run('K', n));
    gate.release();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sizes).toEqual([1, 3, 3, 1]);
  });

  it('tells the observer the size and duration of each flush, a failed one too', async () => {
    const observed: [number, number][] = [];
    const gate = deferred();
    let flushes = 0;
    const group = new GroupCommit<string, number, number>(
      async (_key, items) => {
        flushes++;
        if (flushes === 1) await gate.gate;
        if (items.includes(13)) throw new Error('unlucky flush');
        return items.map((n) => ({ ok: n }));
      },
      { observe: (size, seconds) => observed.push([size, seconds]) },
    );
    const first = group.run('K', 1);
    const rest = [2, 13].map((n) => group.run('K', n).catch(() => null));
    await new Promise((resolve) => setTimeout(resolve, 20));
    gate.release();
    await Promise.all([first, ...rest]);
    expect(observed.map(([size]) => size)).toEqual([1, 2]);
    // The first flush waited on its gate for 20 ms or so; durations are in seconds.
    expect(observed[0][1]).toBeGreaterThanOrEqual(0.015);
    expect(observed[0][1]).toBeLessThan(5);
    expect(observed[1][1]).toBeGreaterThanOrEqual(0);
  });
});
