import { Counter, Histogram, register } from 'prom-client';

function getOrCreate<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

export const httpDuration = getOrCreate(
  'http_request_duration_seconds',
  () =>
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
);

/** A counter registered once per process, whatever number of modules ask for it. */
export function counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
  return getOrCreate(name, () => new Counter({ name, help, labelNames }));
}

export function histogram(name: string, help: string, buckets: number[], labelNames: string[] = []): Histogram<string> {
  return getOrCreate(name, () => new Histogram({ name, help, buckets, labelNames }));
}
