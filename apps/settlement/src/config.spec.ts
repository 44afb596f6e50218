import { ConfigError } from '@nostro/platform';
import { holdDeadlineMs, settlementConfig } from './config';

const base = {
  DATABASE_URL: 'postgres://root@127.0.0.1:5432/nostro_settlement',
  FX_PUBLIC_KEY: 'A'.repeat(43),
  VALIDATOR_PUBLIC_KEYS: `v0=${'B'.repeat(43)},v1=${'C'.repeat(43)},v2=${'D'.repeat(43)}`,
};

describe('settlement configuration', () => {
  it('has the documented defaults', () => {
    const config = settlementConfig(base);
    expect(config).toMatchObject({
      PORT: 3002,
      LEDGER_URLS: ['http://127.0.0.1:3010', 'http://127.0.0.1:3011', 'http://127.0.0.1:3012'],
      HOLD_APPROVALS_REQUIRED: 2,
      HOLD_DEADLINE_MINUTES: 60,
      PAYMENT_NOT_AFTER_MS: 300_000,
      SWEEP_INTERVAL_MS: 5_000,
      RECONCILE_INTERVAL_MS: 60_000,
    });
    expect(holdDeadlineMs(config)).toBe(3_600_000);
  });

  it('takes a fractional hold deadline in minutes, and trims trailing slashes of ledger URLs', () => {
    const config = settlementConfig({ ...base, HOLD_DEADLINE_MINUTES: '0.05', LEDGER_URLS: 'http://a:1/, http://b:2' });
    expect(holdDeadlineMs(config)).toBe(3_000);
    expect(config.LEDGER_URLS).toEqual(['http://a:1', 'http://b:2']);
  });

  it('stops start-up with one line naming each bad variable', () => {
    const bad = () => settlementConfig({ ...base, HOLD_APPROVALS_REQUIRED: '0', HOLD_DEADLINE_MINUTES: '-1', LEDGER_URLS: 'ftp://x' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/^invalid configuration: (?=.*HOLD_APPROVALS_REQUIRED)(?=.*HOLD_DEADLINE_MINUTES)(?=.*LEDGER_URLS)/);
    expect(() => settlementConfig({ ...base, LEDGER_QUORUM: '4' })).toThrow(/LEDGER_QUORUM: quorum larger than the number of validators/);
  });
});
