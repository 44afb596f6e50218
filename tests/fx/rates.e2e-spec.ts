/**
 * fx-quote priced on a live rates endpoint (a local stub publisher): cross rates through the feed's pivot, stale
 * rates refused with rate_stale (never quietly used), and corridors unknown or disabled refused.
 */
import fs from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eventually, repoRoot } from '../support/cluster';
import { FxDeployment, call, counterTotal, deployFx } from './support/fx-process';

const MAX_AGE_MS = 3_000;
const BANK = 'BANKUS33';

describe('live reference rates over HTTP', () => {
  let fx: FxDeployment;
  let url: string;
  let server: Server;
  let feed: { source: string; base: string; asOf: string; rates: Record<string, string> };
  const corridorsFile = path.join(os.tmpdir(), `fx-corridors-${process.pid}.json`);

  beforeAll(async () => {
    feed = { source: 'stub publisher', base: 'USD', asOf: new Date().toISOString(), rates: { EUR: '0.9342', GBP: '0.7907', JPY: '160.62' } };
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(feed));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const shipped = JSON.parse(fs.readFileSync(path.join(repoRoot, 'apps', 'fx-quote', 'rates', 'corridors.json'), 'utf8')) as {
      corridors: { source: string; target: string; enabled: boolean }[];
    };
    for (const c of shipped.corridors) if (c.source === 'EUR' && c.target === 'GBP') c.enabled = false;
    fs.writeFileSync(corridorsFile, JSON.stringify(shipped));
    fx = await deployFx('rates', 60, {
      FX_RATES_PROVIDER: 'http',
      FX_RATES_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rates`,
      FX_RATES_POLL_MS: '200',
      FX_RATES_MAX_AGE_MS: String(MAX_AGE_MS),
      FX_CORRIDORS_FILE: corridorsFile,
    });
    url = fx.replicas[0].url;
  }, 120_000);

  afterAll(async () => {
    await fx?.stop();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    fs.rmSync(corridorsFile, { force: true });
  });

  const quote = (sourceCurrency: string, targetCurrency: string, sendAmount: string) =>
    call(`${url}/v1/fx/quotes`, 'POST', { participant: BANK, request: { sourceCurrency, targetCurrency, sendAmount, creditorParticipant: 'BANKDE55' } });

  const keepFresh = () => {
    feed = { ...feed, asOf: new Date().toISOString() };
  };

  it('prices a cross rate through the feed pivot with the corridor spread and fees', async () => {
    keepFresh();
    const answer = await eventually(
      () => quote('GBP', 'JPY', '100.00'),
      (a) => a.status === 201,
      10_000,
    );
    expect(answer.status).toBe(201);
    // 160.62 / 0.7907 = 203.136461363 (12 digits); less 25 bps, floored to 10 digits: 202.6286202.
    expect(answer.body).toMatchObject({ midRate: '203.136461363', rate: '202.6286202', sendAmount: '100.00', receiveAmount: '20262', totalDebit: '102.00' });
    const rates = await call(`${url}/v1/fx/rates`, 'GET');
    expect(rates.body).toMatchObject({ provider: 'http', base: 'USD', source: 'stub publisher', static: false, stale: false });
  });

  it('refuses to price on rates older than the configured age, and prices again once they are fresh', async () => {
    feed = { ...feed, asOf: new Date(Date.now() - MAX_AGE_MS - 1_000).toISOString(), rates: { ...feed.rates, EUR: '0.5' } };
    // The older feed is not taken over the fresher one already held; that one ages out instead.
    const stale = await eventually(
      () => quote('USD', 'EUR', '10.00'),
      (a) => a.status !== 201,
      MAX_AGE_MS + 10_000,
    );
    expect(stale).toMatchObject({ status: 422, body: { code: 'rate_stale', title: 'Rate stale' } });
    expect(stale.headers.get('retry-after')).toBe('5');
    expect((await call(`${url}/v1/fx/rates`, 'GET')).body).toMatchObject({ stale: true });
    expect(await counterTotal([url], 'fx_quotes_refused_total', 'reason="rate_stale"')).toBeGreaterThanOrEqual(1);

    feed = { ...feed, asOf: new Date().toISOString(), rates: { ...feed.rates, EUR: '0.9342' } };
    const fresh = await eventually(
      () => quote('USD', 'EUR', '10.00'),
      (a) => a.status === 201,
      10_000,
    );
    expect(fresh.body).toMatchObject({ midRate: '0.9342', receiveAmount: '9.31' });
  });

  it('refuses a disabled corridor, an unknown one and one the feed has no rate for', async () => {
    keepFresh();
    await eventually(
      () => call(`${url}/v1/fx/rates`, 'GET'),
      (r) => (r.body as { stale?: boolean }).stale === false,
      10_000,
    );
    expect(await quote('EUR', 'GBP', '10.00')).toMatchObject({ status: 422, body: { code: 'corridor_unavailable' } });
    expect(await quote('GBP', 'EUR', '10.00')).toMatchObject({ status: 201 });
    expect(await quote('USD', 'KRW', '10.00')).toMatchObject({ status: 422, body: { code: 'corridor_unavailable' } });
    expect(await quote('USD', 'CHF', '10.00')).toMatchObject({ status: 422, body: { code: 'corridor_unavailable' } });
    expect(await counterTotal([url], 'fx_quotes_refused_total', 'reason="corridor_unavailable"')).toBe(3);
  });
});
