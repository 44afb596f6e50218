/** `fn` over `items` with at most `concurrency` in flight; results in input order. */
export async function mapLimited<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * `fn` over `items`, at most `concurrency` keys at once, and the items that share a key one after another in input
 * order: of several items of a batch naming the same quote, the first is the one that gets it, as if the items had
 * been sent one by one. Results in input order.
 */
export async function mapOrderedByKey<T, R>(
  items: readonly T[],
  keyOf: (item: T, index: number) => string,
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const chains = new Map<string, number[]>();
  items.forEach((item, index) => {
    const key = keyOf(item, index);
    const chain = chains.get(key);
    if (chain) chain.push(index);
    else chains.set(key, [index]);
  });
  const results = new Array<R>(items.length);
  await mapLimited([...chains.values()], concurrency, async (indices) => {
    for (const index of indices) results[index] = await fn(items[index], index);
  });
  return results;
}

/** What a flush answers for one item: its result, or why it failed (that item only). */
export type Settled<O> = { ok: O } | { error: unknown };

/** How a {@link GroupCommit} flushes. */
export interface GroupCommitOptions {
  /** Most items in one flush (default 500). */
  maxBatch?: number;
  /** Told each flush's size and how long it took (seconds), failed or not: what a step's metrics need. */
  observe?: (size: number, seconds: number) => void;
}

/**
 * Group commit: calls of {@link GroupCommit.run} with the same key that arrive while a flush of that key is in flight
 * wait, and go together in the next flush, so N concurrent requests cost one round trip instead of N. A call that
 * finds nothing in flight is flushed at once: no timer, no added latency when traffic is light. `flush` answers one
 * {@link Settled} per item, in order; if it throws, every item of that flush fails with the error. At most
 * `maxBatch` items go in one flush; flushes of different keys run side by side.
 */
export class GroupCommit<K, I, O> {
  private readonly lanes = new Map<K, { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[]>();

  private readonly maxBatch: number;
  private readonly observe?: (size: number, seconds: number) => void;

  constructor(
    private readonly flush: (key: K, items: I[]) => Promise<Settled<O>[]>,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.observe = options.observe;
  }

  run(key: K, item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const lane = this.lanes.get(key);
      if (lane) {
        lane.push({ item, resolve, reject });
        return;
      }
      this.lanes.set(key, [{ item, resolve, reject }]);
      void this.drain(key);
    });
  }

  private async drain(key: K): Promise<void> {
    const lane = this.lanes.get(key) ?? [];
    // The lane stays in the map while a flush is in flight: that is what makes later calls wait and join the next.
    while (lane.length > 0) {
      const batch = lane.splice(0, this.maxBatch);
      const started = process.hrtime.bigint();
      try {
        const results = await this.flush(
          key,
          batch.map((b) => b.item),
        );
        batch.forEach((b, i) => {
          const r = results[i];
          if (r === undefined) b.reject(new Error(`group commit: the flush answered ${results.length} results for ${batch.length} items`));
          else if ('ok' in r) b.resolve(r.ok);
          else b.reject(r.error);
        });
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
      this.observe?.(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
    }
    this.lanes.delete(key);
  }
}
