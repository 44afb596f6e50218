import { AssertionError, assert } from './assert';

describe('assert', () => {
  it('returns when the invariant holds', () => {
    expect(() => assert(1 + 1 === 2, 'arithmetic')).not.toThrow();
  });

  it('throws an AssertionError with node:assert’s code and the message when it does not', () => {
    let thrown: unknown;
    try {
      assert(false, 'approvalsRequired must be at least 1');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AssertionError);
    expect(thrown).toMatchObject({ name: 'AssertionError', code: 'ERR_ASSERTION', message: 'approvalsRequired must be at least 1' });
  });
});
