import { mapLimited, mapOrderedByKey } from './concurrency';

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
        await tick(s === 'q1:a' ? 15 : 1);
        events.push(s);
        if (s.startsWith('q1')) runningQ1--;
        return s.toUpperCase();
      },
    );
    expect(out).toEqual(['Q1:A', 'Q2:B', 'Q1:C', 'Q1:D', 'Q3:E']);
    expect(events.filter((e) => e.startsWith('q1'))).toEqual(['q1:a', 'q1:c', 'q1:d']);
    // q2 and q3 did not wait for q1's slow first item
    expect(events.indexOf('q2:b')).toBeLessThan(events.indexOf('q1:a'));
  });
});
