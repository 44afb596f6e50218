import { Pool } from '@nostro/platform';

/** What the overview shows for one minute: transitions reached per status and the settlement latency. */
export interface MinuteStats {
  /** Start of the minute, Unix ms. */
  minute: number;
  counts: Record<string, number>;
  /** Intent (RECEIVED) → SETTLED, in ms, over the payments settled in that minute; null when none settled. */
  latencyMs: { p50: number; p90: number; p99: number } | null;
}

export interface LatencyWindow {
  settled: number;
  rejected: number;
  latencyMs: { p50: number; p90: number; p99: number } | null;
}

interface CountRow {
  minute: Date;
  status: string;
  n: string;
}

interface LatencyRow {
  minute: Date;
  p50: number;
  p90: number;
  p99: number;
}

/** Aggregates of payment_timeline over time windows (index ops_payment_timeline_at). SQL only. */
export class OpsOverviewRepository {
  constructor(private readonly pool: Pool) {}

  /** Per-minute transitions and latency percentiles for minutes in [from, to). */
  async minutes(from: Date, to: Date): Promise<MinuteStats[]> {
    const [counts, latency] = await Promise.all([
      this.pool.query<CountRow>(
        `SELECT date_trunc('minute', at) AS minute, status, count(*)::text AS n FROM payment_timeline
          WHERE at >= $1 AND at < $2 GROUP BY 1, 2`,
        [from, to],
      ),
      this.pool.query<LatencyRow>(
        `SELECT date_trunc('minute', f.at) AS minute,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.at - r.at) * 1000) AS p50,
                percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM f.at - r.at) * 1000) AS p90,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM f.at - r.at) * 1000) AS p99
           FROM payment_timeline f JOIN payment_timeline r ON r.uetr = f.uetr AND r.status = 'RECEIVED'
          WHERE f.status = 'SETTLED' AND f.at >= $1 AND f.at < $2 GROUP BY 1`,
        [from, to],
      ),
    ]);
    const byMinute = new Map<number, MinuteStats>();
    const get = (d: Date) => {
      const key = d.getTime();
      let m = byMinute.get(key);
      if (!m) byMinute.set(key, (m = { minute: key, counts: {}, latencyMs: null }));
      return m;
    };
    for (const r of counts.rows) get(r.minute).counts[r.status] = Number(r.n);
    for (const r of latency.rows) get(r.minute).latencyMs = { p50: round(r.p50), p90: round(r.p90), p99: round(r.p99) };
    return [...byMinute.values()];
  }

  /** Final outcomes and settlement latency percentiles over the last `windowMs`. */
  async recent(windowMs: number): Promise<LatencyWindow> {
    const { rows } = await this.pool.query<{ settled: string; rejected: string; p50: number | null; p90: number | null; p99: number | null }>(
      `WITH f AS (SELECT uetr, status, at FROM payment_timeline WHERE at >= now() - make_interval(secs => $1 / 1000.0) AND status IN ('SETTLED', 'REJECTED'))
       SELECT (SELECT count(*) FROM f WHERE status = 'SETTLED')::text AS settled,
              (SELECT count(*) FROM f WHERE status = 'REJECTED')::text AS rejected,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.at - r.at) * 1000) AS p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM f.at - r.at) * 1000) AS p90,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM f.at - r.at) * 1000) AS p99
         FROM f JOIN payment_timeline r ON r.uetr = f.uetr AND r.status = 'RECEIVED' WHERE f.status = 'SETTLED'`,
      [windowMs],
    );
    const r = rows[0];
    return {
      settled: Number(r.settled),
      rejected: Number(r.rejected),
      latencyMs: r.p50 === null || r.p90 === null || r.p99 === null ? null : { p50: round(r.p50), p90: round(r.p90), p99: round(r.p99) },
    };
  }
}

/** Latency is shown in whole milliseconds (not money: a float is fine here). */
function round(ms: number): number {
  return Math.round(ms);
}
