/**
 * kafkajs 2.2.4 is patched at install (patches/kafkajs+2.2.4.patch, applied by patch-package): an idle connection's
 * request queue re-armed a 1 ms timer forever (kafkajs issue #1556), about 900 wake-ups a second in every service;
 * and every connected request queue checked its requests for timeouts every 100 ms, now every second.
 */
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: Record<string, unknown>) => {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  inflight: Map<number, { sentAt: number; requestTimeout: number; timeoutRequest(): void }>;
  isConnected(): boolean;
  scheduleRequestTimeoutCheck(): void;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
};

const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function queue() {
  return new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: true,
    clientId: 'patch-test',
    broker: 'localhost:9092',
    logger,
  });
}

describe('kafkajs request queue (patched)', () => {
  it('arms no timer when nothing is pending', () => {
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });

  it('still schedules a check for a request waiting out a throttle', () => {
    const q = queue();
    q.pending.push({});
    q.throttledUntil = Date.now() + 60_000;
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    q.destroy();
  });

  it('checks requests in flight for their timeout every second, not every 100 ms', () => {
    jest.useFakeTimers();
    try {
      const q = queue();
      q.isConnected = () => true;
      const timedOut: number[] = [];
      q.inflight.set(1, { sentAt: Date.now(), requestTimeout: 2_500, timeoutRequest: () => timedOut.push(Date.now()) });
      const started = Date.now();
      q.scheduleRequestTimeoutCheck();
      expect(jest.getTimerCount()).toBe(1);
      jest.advanceTimersByTime(2_900);
      expect(timedOut).toEqual([]); // with checks every 100 ms it would have timed out at 2.6 s
      jest.advanceTimersByTime(100);
      expect(timedOut).toEqual([started + 3_000]);
      q.destroy();
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
