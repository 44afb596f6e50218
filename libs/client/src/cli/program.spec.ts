/** The CLI in-process against a local server that plays the gateway (the e2e suite runs it against the real one). */
import { base64UrlEncode, generateEd25519KeyPair, verifyRequest } from '@nostro/shared-node';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalServer, type LocalServer } from '../testing/local-server';
import { EXIT, runCli } from './program';

const bank = generateEd25519KeyPair();
let server: LocalServer;
let dir: string;
let keyFile: string;

async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

beforeAll(async () => {
  server = await startLocalServer(async (request) => {
    const verdict = await verifyRequest(
      { method: request.method, targetUri: `${server.baseUrl}${request.url}`, headers: request.headers, rawBody: request.rawBody },
      { lookupKey: (keyId) => (keyId === 'BANKUS33' ? bank.publicKey : undefined) },
    );
    if (!verdict.ok) return { status: 401, body: { type: 'x', title: 'x', status: 401, code: verdict.code } };
    if (request.url.startsWith('/v1/quotes')) return { status: 201, body: { id: 'q_1', ...JSON.parse(request.rawBody.toString()) } };
    if (request.url.startsWith('/v1/payments/'))
      return { status: 404, body: { type: 'x', title: 'Not found', status: 404, code: 'not_found', detail: 'no such payment' } };
    return { status: 500, body: {} };
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nostro-cli-unit-'));
  keyFile = path.join(dir, 'bank.key');
  fs.writeFileSync(keyFile, `${base64UrlEncode(bank.seed)}\n`);
});

afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const auth = () => ['--url', server.baseUrl, '--participant', 'BANKUS33', '--key-file', keyFile];

describe('nostro CLI', () => {
  it('prints help for the program and every command, exit 0', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(EXIT.ok);
    expect(help.out).toMatch(/Usage: nostro/);
    for (const command of ['quote', 'pay', 'status', 'verify', 'incoming']) {
      expect(help.out).toContain(command);
      expect((await run([command, '--help'])).out).toContain(`Usage: nostro ${command}`);
    }
  });

  it('signs its requests: a quote comes back as JSON on stdout', async () => {
    const result = await run([...auth(), 'quote', '--from', 'USD', '--to', 'EUR', '--send', '10.00', '--creditor', 'BANKDE55']);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.out)).toEqual({ id: 'q_1', sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '10.00', creditorParticipant: 'BANKDE55' });
  });

  it('prints the problem on stderr and exits 1 when the API refuses', async () => {
    const result = await run([...auth(), 'status', '00000000-0000-4000-8000-000000000000']);
    expect(result.code).toBe(EXIT.api);
    expect(JSON.parse(result.err)).toMatchObject({ code: 'not_found' });
  });

  it.each([
    [['quote', '--from', 'USD', '--to', 'EUR', '--creditor', 'B'], 'exactly one of --send and --receive'],
    [['status'], "missing required argument 'uetr'"],
    [['frobnicate'], "unknown command 'frobnicate'"],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const result = await run([...auth(), ...args]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toContain(message);
  });

  it('exits 2 without credentials, naming what is missing', async () => {
    const result = await run(['--url', server.baseUrl, 'status', 'x']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toContain('--participant');
  });
});
