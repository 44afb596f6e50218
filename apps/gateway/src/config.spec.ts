import { ConfigError } from '@nostro/platform';
import { asCurrency } from '@nostro/shared';
import { transferBounds } from './config';

describe('TRANSFER_MAX_AMOUNTS', () => {
  it('bounds the named currencies as given and the others by the default in whole units', () => {
    const max = transferBounds('USD=50000000.00, JPY=5000000000', 1_000_000_000n);
    expect(max(asCurrency('USD'))).toBe(5_000_000_000n);
    expect(max(asCurrency('JPY'))).toBe(5_000_000_000n);
    expect(max(asCurrency('BHD'))).toBe(1_000_000_000_000n); // three minor digits
    expect(max(asCurrency('EUR'))).toBe(100_000_000_000n);
  });

  it.each(['XYZ=1.00', 'USD=1.001', 'USD=-5.00', 'USD=0', 'USD', 'USD=abc'])('stops start-up on %j with one line', (value) => {
    expect(() => transferBounds(value, 1n)).toThrow(ConfigError);
  });
});
