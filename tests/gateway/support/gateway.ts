import { NostroApiError, NostroClient } from '@nostro/client';
import { base64UrlEncode, generateEd25519KeyPair, signRequest } from '@nostro/shared-node';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { TestBank, adminClient, approved, cluster, eventually, repoRoot, uniqueParticipantId } from '../../support/cluster';

/** A raw HTTP answer: status, headers and parsed JSON (or text). */
export interface RawAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  baseUrl?: string;
}

/** Sends exactly these bytes and headers (no SDK in the way), and parses the answer. */
export async function raw(request: RawRequest): Promise<RawAnswer> {
  const response = await fetch(`${request.baseUrl ?? cluster().gatewayUrl}${request.path}`, {
    method: request.method ?? 'GET',
    headers: request.headers ?? {},
    body: request.body,
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = {};
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** An entry of the operator audit log, as `GET /v1/admin/audit` answers it. */
export interface AuditEntry {
  seq: number;
  operator: { id: string; name: string; role: string } | null;
  action: string;
  target: string | null;
  outcome: string;
  httpStatus: number;
  detail: { body?: Record<string, unknown>; path?: string };
  remoteAddr: string | null;
  prevHash: string;
  hash: string;
}

/** The newest `limit` entries of the operator audit log, newest first (`GET /v1/admin/audit`, as the bootstrap admin). */
export async function auditPage(limit = 50): Promise<AuditEntry[]> {
  const answer = await raw({ path: `/v1/admin/audit?limit=${limit}`, headers: { authorization: `Bearer ${cluster().adminToken}` } });
  expect(answer.status).toBe(200);
  return (answer.body as unknown as { data: AuditEntry[] }).data;
}

export interface SignOptions extends RawRequest {
  keyId: string;
  seed: Uint8Array;
  created?: number;
  nonce?: string;
  /** The URL the signature covers; defaults to the URL the request goes to. */
  signedUrl?: string;
  idempotencyKey?: string;
}

/** Signs like the SDK (RFC 9421), so a test can then break exactly one thing. Returns the headers. */
export function signedHeaders(o: SignOptions): Record<string, string> {
  const url = o.signedUrl ?? `${o.baseUrl ?? cluster().gatewayUrl}${o.path}`;
  const headers: Record<string, string> = { ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers };
  if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
  const signature = signRequest({ method: o.method ?? 'GET', url, headers, body: o.body, keyId: o.keyId, seed: o.seed, created: o.created, nonce: o.nonce });
  return { ...headers, ...signature } as Record<string, string>;
}

/** Signs and sends. */
export function signed(o: SignOptions): Promise<RawAnswer> {
  return raw({ ...o, headers: signedHeaders(o) });
}

/** A registered bank whose key is known to the test (to sign raw requests), with an optional webhook URL. */
export async function bankWithKey(
  currencies: string[],
  options: { deposits?: Record<string, string>; webhookUrl?: string; baseUrl?: string; id?: string } = {},
): Promise<TestBank & { publicKey: string }> {
  const c = cluster();
  const admin = adminClient();
  const keys = generateEd25519KeyPair();
  const id = options.id ?? uniqueParticipantId();
  const publicKey = base64UrlEncode(keys.publicKey);
  await admin.createParticipant({ id, name: `Test bank ${id}`, currencies, publicKey, ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}) });
  for (const [currency, amount] of Object.entries(options.deposits ?? {}))
    await approved(await admin.deposit(id, { currency, amount, reference: `test funding ${id}` }));
  const client = new NostroClient({ baseUrl: options.baseUrl ?? c.gatewayUrl, participantId: id, seed: keys.seed });
  return { id, seed: keys.seed, client, publicKey };
}

export const parties = { debtor: { name: 'Alice Example', account: 'US0012345' }, creditor: { name: 'Bernd Beispiel', account: 'DE89370400440532013000' } };

export function paymentBody(quoteId: string, endToEndId = `E2E-${randomUUID().slice(0, 8)}`) {
  return { quoteId, endToEndId, ...parties };
}

export async function finalStatus(client: NostroClient, uetr: string, timeoutMs = 45_000) {
  return eventually(
    () => client.getPayment(uetr),
    (p) => p.status === 'SETTLED' || p.status === 'REJECTED',
    timeoutMs,
  );
}

/** A local webhook receiver that records what it got; `up` decides whether it answers 200 or 503. */
export interface Receiver {
  url: string;
  port: number;
  received: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

export async function startReceiver(port = 0, status = 200): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/webhooks/nostro`,
    port: actual,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on right now (a receiver that is "down"). */
export async function freePort(): Promise<number> {
  const r = await startReceiver();
  await r.close();
  return r.port;
}

/**
 * A second gateway process on the test cluster's database, Kafka topics and Redis, with its own port and extra
 * configuration (a sanctions list, a low rate limit), in its own consumer group so that stopping it never stalls
 * the main gateway's consumption.
 */
export interface GatewayProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

let replicas = 0;

/**
 * Ports that fetch (WHATWG Fetch, "bad port") refuses to connect to, whatever listens there: undici fails with
 * "bad port" before any packet is sent. Only the ones a test gateway could land on (test ports 4000-4999).
 */
const FETCH_BLOCKED_PORTS = new Set([4045, 4190]);

export async function startGateway(extraEnv: Record<string, string>, portOffset?: number): Promise<GatewayProcess> {
  const c = cluster();
  replicas += 1;
  const port = c.ports.gateway + (portOffset ?? 40 + ((process.pid + replicas) % 40));
  if (FETCH_BLOCKED_PORTS.has(port)) return startGateway(extraEnv, port - c.ports.gateway + 1);
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: `postgres://root@127.0.0.1:5432/${c.dbPrefix}_gateway`,
    KAFKA_BROKERS: '127.0.0.1:9092',
    KAFKA_TOPIC_PREFIX: c.topicPrefix,
    // A group of its own per start: a member of a SIGKILLed predecessor in the same group would hold up the
    // rebalance (and readiness) for up to the session and rebalance timeouts.
    KAFKA_CONSUMER_GROUP: `gateway-test-${port}-${process.pid}-${replicas}`,
    REDIS_KEY_PREFIX: c.redisPrefix,
    PUBLIC_BASE_URL: url,
    FX_QUOTE_URL: `http://127.0.0.1:${c.ports['fx-quote']}`,
    LEDGER_URLS: ['v0', 'v1', 'v2'].map((v) => `http://127.0.0.1:${c.ports[v]}`).join(','),
    NETWORK_SIGNING_KEY_FILE: c.keys.network.file,
    PII_KEK_FILE: c.piiKekFile,
    VALIDATOR_PUBLIC_KEYS: ['v0', 'v1', 'v2'].map((v) => `${v}=${c.keys[v].publicKey}`).join(','),
    LEDGER_QUORUM: '2',
    // Its receivers listen on 127.0.0.1, like the test stack's (scripts/lib/stack.ts).
    WEBHOOK_ALLOW_PRIVATE: 'on',
    ...extraEnv,
  };
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'apps', 'gateway', 'src', 'main.js')], { cwd: repoRoot, env });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let lastAnswer = 'no answer yet';
  const ready = await eventually(
    () =>
      fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5_000) }).then(
        async (r) => ((lastAnswer = `${r.status} ${await r.text()}`), r.status),
        (e: Error) => ((lastAnswer = String(e.cause ?? e)), 0),
      ),
    (s) => s === 200 || child.exitCode !== null,
    // a bound, not a speed target: a fresh gateway runs its migrations and joins its consumer group first
    Number(process.env.NOSTRO_TEST_GATEWAY_READY_MS ?? 240_000),
  );
  if (ready !== 200) {
    child.kill('SIGKILL');
    throw new Error(`the extra gateway did not become ready (last /health/ready: ${lastAnswer}; exit ${child.exitCode}):\n${output.slice(-3000)}`);
  }
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill(signal);
    });
  return { url, port, child, output: () => output, stop };
}

/** The problem a call was refused with, as `<status> <code>` (or 'ok'); anything but an API problem is rethrown. */
export async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    if (error instanceof NostroApiError) return `${error.status} ${error.code}`;
    throw error;
  }
}
