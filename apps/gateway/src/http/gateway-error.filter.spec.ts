import { isDatabaseUnavailable } from './gateway-error.filter';

describe('database unavailability', () => {
  it.each([
    [{ code: '53300', message: 'sorry, too many clients already' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [new Error('timeout exceeded when trying to connect')],
    [new Error('Connection terminated unexpectedly')],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
  ])('is recognised: %p', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([[{ code: '23505', message: 'duplicate key value' }], [new Error('boom')], [null], ['text']])('is not claimed for %p', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
