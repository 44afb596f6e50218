/**
 * Invariant checks for the portable domain code. STYLE.md asks for `node:assert`, which does not exist in a
 * browser; this is the same contract (throws an `AssertionError` with `code` `ERR_ASSERTION` and the message)
 * without the Node import, so libs/shared bundles for the ops console and the bank SDK.
 */

/** Thrown when an invariant does not hold: a bug in the caller, never a business refusal. */
export class AssertionError extends Error {
  readonly code = 'ERR_ASSERTION';

  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

/** Throws {@link AssertionError} unless `condition` is truthy; narrows the type like `node:assert`. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
