import { pageLimitSchema, timestampParamSchema } from './query-params';

describe('page limits', () => {
  const limit = pageLimitSchema(1_000, 100);

  it('takes plain digits within range, and the default when absent', () => {
    expect(limit.parse('1')).toBe(1);
    expect(limit.parse('1000')).toBe(1000);
    expect(limit.parse(undefined)).toBe(100);
  });

  it.each(['1e3', '0x10', '5.0', ' 5', '5 ', '+5', '-1', '0', '01', '1001', '', 'Infinity'])('refuses %j', (value) => {
    expect(limit.safeParse(value).success).toBe(false);
  });
});

describe('timestamp parameters', () => {
  it.each(['2026-12-06T10:00:00Z', '2026-12-06T10:00:00.123456+02:00', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z'])('takes %s', (value) => {
    expect(timestampParamSchema.safeParse(value).success).toBe(true);
  });

  it.each(['0000-01-01T00:00:00Z', '9999-12-31T23:59:59-12:00', '0001-01-01T00:00:00+14:00', '2026-02-30T00:00:00Z', '2026-12-06', 'now'])(
    'refuses %s',
    (value) => {
      expect(timestampParamSchema.safeParse(value).success).toBe(false);
    },
  );
});
