import { z } from 'zod';

/**
 * Query-string parameters shared by every list endpoint. A query string is text, so these parse text strictly:
 * `limit=1e3`, `limit=0x10`, `limit= 5` and `limit=5.0` are refused rather than coerced (zod's `coerce.number()`
 * accepts all of them).
 */

/** A page size: a plain decimal integer from 1 to `max`, `fallback` when absent. */
export function pageLimitSchema(max: number, fallback: number) {
  return z
    .string()
    .regex(/^[1-9][0-9]{0,6}$/, 'a whole number written in plain digits')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .default(fallback);
}

/** The years Postgres's timestamptz accepts and JavaScript's Date represents alike (0001–9999, UTC). */
const YEAR_MIN = 1;
const YEAR_MAX = 9999;

/**
 * An RFC 3339 timestamp with an offset whose instant lies within years 0001–9999 in UTC. Zod's `iso.datetime`
 * alone accepts `0000-01-01T00:00:00Z`, which Postgres refuses (year zero does not exist there), and
 * `9999-12-31T23:59:59-12:00`, which is year 10000 in UTC.
 */
export const timestampParamSchema = z.iso.datetime({ offset: true }).refine((value) => {
  const year = new Date(value).getUTCFullYear();
  return year >= YEAR_MIN && year <= YEAR_MAX;
}, `must lie between the years ${YEAR_MIN} and ${YEAR_MAX} (UTC)`);
