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
