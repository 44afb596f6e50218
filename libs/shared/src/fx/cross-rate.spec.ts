import { crossRate, isSnapshotStale, rateFeedSchema, snapshotFromFeed } from './cross-rate';

const feed = {
  source: 'test feed',
  base: 'EUR',
  asOf: '2024-06-28T14:00:00Z',
  rates: { USD: '1.0705', JPY: '171.94', GBP: '0.84638', BHD: '0.402508' },
};

describe('cross rates through the pivot', () => {
  const snapshot = snapshotFromFeed(rateFeedSchema.parse(feed), false);

  it('quotes the pivot directly in both directions', () => {
    expect(crossRate(snapshot, 'EUR', 'USD')).toBe('1.0705');
    expect(crossRate(snapshot, 'USD', 'EUR')).toBe('0.934142923867');
    expect(crossRate(snapshot, 'EUR', 'EUR')).toBe('1');
  });

  it('crosses two non-pivot currencies, rounded half-even to 12 significant digits', () => {
    // 171.94 / 1.0705 = 160.616534329752…, 12 digits 160.616534330, written without the trailing zero
    expect(crossRate(snapshot, 'USD', 'JPY')).toBe('160.61653433');
    // 0.402508 / 1.0705 = 0.376000000… (the BHD peg)
    expect(crossRate(snapshot, 'USD', 'BHD')).toBe('0.376');
    expect(crossRate(snapshot, 'GBP', 'JPY')).toBe('203.147522389');
  });

  it('has no rate for a currency the feed does not publish', () => {
    expect(crossRate(snapshot, 'USD', 'CHF')).toBeNull();
    expect(crossRate(snapshot, 'CHF', 'USD')).toBeNull();
  });

  it('refuses feeds with non-positive, exponent or unknown-currency rates, and a base not at 1', () => {
    expect(rateFeedSchema.safeParse({ ...feed, rates: { USD: '0' } }).success).toBe(false);
    expect(rateFeedSchema.safeParse({ ...feed, rates: { USD: '1e3' } }).success).toBe(false);
    expect(rateFeedSchema.safeParse({ ...feed, rates: { USD: 1.07 } }).success).toBe(false);
    expect(rateFeedSchema.safeParse({ ...feed, rates: { XAU: '1' } }).success).toBe(false);
    expect(rateFeedSchema.safeParse({ ...feed, asOf: 'yesterday' }).success).toBe(false);
    expect(() => snapshotFromFeed(rateFeedSchema.parse({ ...feed, rates: { EUR: '1.1' } }), false)).toThrow(RangeError);
  });
});

describe('staleness', () => {
  const asOf = Date.parse(feed.asOf);
  it('refuses a live snapshot one millisecond past its maximum age, never a static one', () => {
    const live = snapshotFromFeed(rateFeedSchema.parse(feed), false);
    expect(isSnapshotStale(live, asOf + 60_000, 60_000)).toBe(false);
    expect(isSnapshotStale(live, asOf + 60_001, 60_000)).toBe(true);
    const shipped = snapshotFromFeed(rateFeedSchema.parse(feed), true);
    expect(isSnapshotStale(shipped, asOf + 10 * 365 * 86_400_000, 60_000)).toBe(false);
  });
});
