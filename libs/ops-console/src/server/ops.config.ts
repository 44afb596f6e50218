import { loadConfig } from '@nostro/platform';
import path from 'node:path';
import { z } from 'zod';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

const schema = z.object({
  /** Absolute lifetime of a console session, however active. */
  OPS_SESSION_TTL_MS: z.coerce
    .number()
    .int()
    .min(MINUTE_MS)
    .max(24 * HOUR_MS)
    .default(8 * HOUR_MS),
  /** A session unused this long ends (the live stream does not count as use). */
  OPS_SESSION_IDLE_MS: z.coerce
    .number()
    .int()
    .min(10_000)
    .max(24 * HOUR_MS)
    .default(30 * MINUTE_MS),
  /** Where the built UI is (scripts/build.mjs writes dist/libs/ops-console/ui). */
  OPS_UI_DIR: z.string().min(1).optional(),
  /** How often the overview is recomputed and pushed to connected consoles. */
  OPS_OVERVIEW_REFRESH_MS: z.coerce.number().int().min(250).max(60_000).default(2_000),
  /** Live streams one gateway process serves at most; one more is refused with 503. */
  OPS_STREAM_CLIENTS_MAX: z.coerce.number().int().min(1).max(10_000).default(200),
  /** Statement timeout of the console's reads, so no filter can hold a connection for long. */
  OPS_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** `Secure` on the session cookie; defaults to true when PUBLIC_BASE_URL is https. */
  OPS_COOKIE_SECURE: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export type OpsConfig = {
  /** The URL the console is served from (the gateway's PUBLIC_BASE_URL): writes from another origin are refused. */
  publicBaseUrl: string;
  sessionTtlMs: number;
  sessionIdleMs: number;
  uiDir: string;
  overviewRefreshMs: number;
  streamClientsMax: number;
  queryTimeoutMs: number;
  cookieSecure: boolean;
};

/** The console's settings (docs/ops-console.md, Configuration); a bad value stops start-up with one line. */
export function opsConfig(env: NodeJS.ProcessEnv, publicBaseUrl: string): OpsConfig {
  const c = loadConfig(schema, env);
  return {
    publicBaseUrl,
    sessionTtlMs: c.OPS_SESSION_TTL_MS,
    sessionIdleMs: Math.min(c.OPS_SESSION_IDLE_MS, c.OPS_SESSION_TTL_MS),
    // compiled to dist/libs/ops-console/src/server/ops.config.js; the UI sits at dist/libs/ops-console/ui
    uiDir: c.OPS_UI_DIR ?? path.join(__dirname, '..', '..', 'ui'),
    overviewRefreshMs: c.OPS_OVERVIEW_REFRESH_MS,
    streamClientsMax: c.OPS_STREAM_CLIENTS_MAX,
    queryTimeoutMs: c.OPS_QUERY_TIMEOUT_MS,
    cookieSecure: c.OPS_COOKIE_SECURE ?? publicBaseUrl.startsWith('https:'),
  };
}
