/**
 * Where a service reads the time for its decisions (deadlines, sweeps), so a test can move it instead of sleeping:
 * the system clock in production, a shifted or stepped one in tests.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** The system clock moved by `offsetMs` (a test's way to be "later" or "earlier" without waiting). */
export const shiftedClock =
  (offsetMs: number): Clock =>
  () =>
    new Date(Date.now() + offsetMs);
