import { eventually } from '@nostro/platform';
import { HttpRatesProvider } from './rates-http.provider';
import { QuoteError } from './quote.errors';
import { RatesStub, ratesStub, silentLog } from './testing/fx-test-env';

const MAX_AGE_MS = 60_000;

function feed(asOf: number, rates: Record<string, string> = { EUR: '0.9342', JPY: '160.62', GBP: '0.7907' }) {
  return { source: 'stub publisher', base: 'USD', asOf: new Date(asOf).toISOString(), rates };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof QuoteError) return error.code;
    throw error;
  }
  return 'priced';
}

describe('HttpRatesProvider against a local rates endpoint', () => {
  let stub: RatesStub;
  let provider: HttpRatesProvider;

  beforeEach(async () => {
    stub = await ratesStub();
    provider = new HttpRatesProvider({ url: stub.url, pollMs: 60_000, maxAgeMs: MAX_AGE_MS, log: silentLog });
  });

  afterEach(async () => {
    provider.stop();
    await stub.close();
  });

  it('refuses to price before any rate arrived', async () => {
    await provider.poll();
    expect(code(() => provider.midRate('USD', 'EUR', Date.now()))).toBe('rate_stale');
    expect(provider.status(Date.now())).toMatchObject({ provider: 'http', stale: true, asOf: null });
  });

  it('prices direct and cross rates through the pivot, and refuses them one millisecond past the maximum age', async () => {
    const asOf = Date.now() - 1_000;
    stub.answer({ status: 200, body: feed(asOf) });
    await provider.poll();
    expect(provider.midRate('USD', 'EUR', asOf)).toBe('0.9342');
    expect(provider.midRate('EUR', 'USD', asOf)).toBe('1.07043459645'); // 1 / 0.9342, 12 significant digits
    expect(provider.midRate('GBP', 'JPY', asOf)).toBe('203.136461363'); // 160.62 / 0.7907
    expect(provider.midRate('USD', 'CHF', asOf)).toBeNull();
    expect(provider.midRate('EUR', 'JPY', asOf + MAX_AGE_MS)).toBe('171.933204881');
    expect(code(() => provider.midRate('EUR', 'JPY', asOf + MAX_AGE_MS + 1))).toBe('rate_stale');
    expect(provider.status(asOf + MAX_AGE_MS + 1)).toMatchObject({ base: 'USD', source: 'stub publisher', static: false, stale: true });
  });

  it('keeps the last good rates through failed polls, which then age out instead of being used', async () => {
    const asOf = Date.now() - 40_000;
    stub.answer({ status: 200, body: feed(asOf) });
    await provider.poll();
    for (const failure of ['drop', { status: 500 }, { status: 200, body: 'not json' }, { status: 200, body: feed(asOf, { EUR: '-1' }) }] as const) {
      stub.answer(failure);
      await provider.poll();
      expect(provider.midRate('USD', 'EUR', asOf + 1)).toBe('0.9342');
    }
    expect(code(() => provider.midRate('USD', 'EUR', asOf + MAX_AGE_MS + 1))).toBe('rate_stale');
    stub.answer({ status: 200, body: feed(Date.now(), { EUR: '0.95' }) });
    await provider.poll();
    expect(provider.midRate('USD', 'EUR', asOf + MAX_AGE_MS + 1)).toBe('0.95');
  });

  it('refuses a feed that is already stale when it arrives, older than the one in use, or dated in the future', async () => {
    stub.answer({ status: 200, body: feed(Date.now() - MAX_AGE_MS - 5_000) });
    await provider.poll();
    expect(code(() => provider.midRate('USD', 'EUR', Date.now()))).toBe('rate_stale');

    const asOf = Date.now() - 1_000;
    stub.answer({ status: 200, body: feed(asOf, { EUR: '0.93' }) });
    await provider.poll();
    stub.answer({ status: 200, body: feed(asOf - 10_000, { EUR: '0.10' }) });
    await provider.poll();
    stub.answer({ status: 200, body: feed(Date.now() + 3_600_000, { EUR: '9.99' }) });
    await provider.poll();
    expect(provider.midRate('USD', 'EUR', Date.now())).toBe('0.93');
  });

  it('polls on its own once started', async () => {
    const polling = new HttpRatesProvider({ url: stub.url, pollMs: 100, maxAgeMs: MAX_AGE_MS, log: silentLog });
    stub.answer({ status: 200, body: feed(Date.now()) });
    polling.start();
    try {
      await eventually(
        async () => stub.polls(),
        (polls) => polls >= 3,
        5_000,
        50,
      );
      expect(stub.polls()).toBeGreaterThanOrEqual(3);
      expect(polling.midRate('USD', 'JPY', Date.now())).toBe('160.62');
    } finally {
      polling.stop();
    }
  });
});
