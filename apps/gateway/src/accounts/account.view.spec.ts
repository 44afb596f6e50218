import { accountView } from './account.view';

describe('accountView (GET /v1/accounts)', () => {
  it('formats balance, available and queued in major units of the currency', () => {
    expect(accountView({ account: 'BANKUS01:USD', currency: 'USD', balance: '-1250', netDebitCap: '5000', queued: '120050' })).toEqual({
      currency: 'USD',
      balance: '-12.50',
      available: '37.50',
      queued: '1200.50',
    });
    expect(accountView({ account: 'BANKJP01:JPY', currency: 'JPY', balance: '700', netDebitCap: null, queued: '0' })).toEqual({
      currency: 'JPY',
      balance: '700',
      available: '700',
      queued: '0',
    });
  });

  it('reads a validator that reports no queue as nothing queued', () => {
    expect(accountView({ account: 'BANKUS01:USD', currency: 'USD', balance: '100', netDebitCap: null }).queued).toBe('0.00');
  });
});
