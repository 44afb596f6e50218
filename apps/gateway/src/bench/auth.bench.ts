/**
 * Benchmark of bank request authentication (STYLE.md, Cryptography): prints measured figures, asserts nothing.
 *
 *   node dist/apps/gateway/src/bench/auth.bench.js                  # in-process: verifyRequest, one core
 *   node dist/apps/gateway/src/bench/auth.bench.js --url http://127.0.0.1:3000 --participant BANKUS33 --key-file k \
 *        [--seconds 10] [--concurrency 32]                          # over HTTP: signed GET /v1/payments?limit=1
 *
 * The in-process figure is the ceiling of the guard (Content-Digest, signature base, Ed25519 verify with node:crypto);
 * the HTTP figure adds Fastify, the key cache, the rate limiter (Redis) and the handler (one indexed query).
 */
import { base64UrlEncode, generateEd25519KeyPair, signRequest, verifyRequest } from '@nostro/shared-node';
import fs from 'node:fs';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function inProcess(seconds: number): Promise<void> {
  const key = generateEd25519KeyPair();
  const publicKey = base64UrlEncode(key.publicKey);
  const url = 'http://127.0.0.1:3000/v1/payments';
  const body = JSON.stringify({
    quoteId: 'q_benchmark',
    endToEndId: 'E2E-1',
    debtor: { name: 'Alice', account: 'US1' },
    creditor: { name: 'Bob', account: 'DE1' },
  });
  const headers = { 'content-type': 'application/json', 'idempotency-key': 'bench-1' };
  const signed = { ...headers, ...signRequest({ method: 'POST', url, headers, body, keyId: 'BANK', seed: key.seed }) };
  const rawBody = Buffer.from(body);
  const deadline = Date.now() + seconds * 1000;
  let n = 0;
  while (Date.now() < deadline) {
    for (let i = 0; i < 200; i++) {
      const r = await verifyRequest({ method: 'POST', targetUri: url, headers: signed, rawBody }, { lookupKey: () => publicKey });
      if (!r.ok) throw new Error(r.detail);
    }
    n += 200;
  }
  process.stdout.write(`in-process verifyRequest (POST with body, node:crypto): ${Math.round(n / seconds)} verifications/s on one core over ${seconds} s\n`);
  let s = 0;
  const signDeadline = Date.now() + seconds * 1000;
  while (Date.now() < signDeadline) {
    for (let i = 0; i < 200; i++) signRequest({ method: 'POST', url, headers, body, keyId: 'BANK', seed: key.seed });
    s += 200;
  }
  process.stdout.write(`in-process signRequest (what a bank's SDK does per request): ${Math.round(s / seconds)} signatures/s on one core\n`);
}

async function overHttp(url: string, participant: string, seed: Uint8Array, seconds: number, concurrency: number): Promise<void> {
  const target = `${url.replace(/\/+$/, '')}/v1/payments?limit=1`;
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const deadline = Date.now() + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const started = process.hrtime.bigint();
      const response = await fetch(target, { headers: { ...signRequest({ method: 'GET', url: target, keyId: participant, seed }) } });
      await response.arrayBuffer();
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(1);
  process.stdout.write(
    `HTTP signed GET /v1/payments?limit=1: ${Math.round(latencies.length / seconds)} requests/s, concurrency ${concurrency}, ` +
      `p50 ${pct(50)} ms, p99 ${pct(99)} ms, statuses ${JSON.stringify(Object.fromEntries(statuses))} (client and server on the same machine)\n`,
  );
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds') ?? '5');
  const url = arg('url');
  if (!url) return inProcess(seconds);
  const participant = arg('participant');
  const keyFile = arg('key-file');
  if (!participant || !keyFile) throw new Error('--url needs --participant and --key-file');
  await overHttp(url, participant, Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'base64url'), seconds, Number(arg('concurrency') ?? '32'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
