/**
 * A quote pays at most once, across two fx-quote replicas, under 100 concurrent attempts, and after Redis lost
 * every key of the service; an expired quote is refused. Real Postgres, Redis and processes over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { FxDeployment, call, counterTotal, deployFx } from './support/fx-process';

const BANK = 'BANKUS33';
const request = (sendAmount: string) => ({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: 'BANKDE55' });

describe('single use of a quote (two replicas, real Postgres and Redis)', () => {
  let fx: FxDeployment;
  let urls: string[];

  beforeAll(async () => {
    fx = await deployFx('single', 50, { QUOTE_TTL_MS: '5000', FX_SWEEP_INTERVAL_MS: '200' }, 2);
    urls = fx.replicas.map((r) => r.url);
  }, 120_000);

  afterAll(async () => {
    await fx?.stop();
  });

  const quote = async (sendAmount: string) => {
    const answer = await call<{ id: string; expiresAt: string }>(`${urls[0]}/v1/fx/quotes`, 'POST', { participant: BANK, request: request(sendAmount) });
    expect(answer.status).toBe(201);
    return answer.body;
  };
  const consume = (replica: number, id: string, uetr: string) =>
    call(`${urls[replica % urls.length]}/v1/fx/quotes/${id}/consume`, 'POST', { participant: BANK, uetr });

  it('lets one of 100 concurrent attempts through, then none after Redis lost its keys', async () => {
    const { id } = await quote('100.00');
    const uetrs = Array.from({ length: 100 }, () => randomUUID());
    const first = await Promise.all(uetrs.map((uetr, i) => consume(i, id, uetr)));
    expect(first.filter((a) => a.status === 200)).toHaveLength(1);
    const refused = first.filter((a) => a.status !== 200);
    expect(refused).toHaveLength(99);
    for (const a of refused) expect(a).toMatchObject({ status: 409, body: { code: 'quote_already_used' } });
    const winner = uetrs[first.findIndex((a) => a.status === 200)];

    expect(await fx.deleteRedisKeys()).toBeGreaterThan(0);
    const second = await Promise.all(Array.from({ length: 100 }, (_, i) => consume(i, id, randomUUID())));
    expect(second.map((a) => `${a.status} ${String(a.body.code)}`)).toEqual(Array(100).fill('409 quote_already_used'));
    const retry = await consume(1, id, winner);
    expect(retry.status).toBe(200);

    const [row] = await fx.query<{ used_by: string; reservation: string }>('SELECT used_by::text, reservation FROM quotes WHERE id = $1', [id]);
    expect(row).toEqual({ used_by: winner, reservation: 'used' });
    expect(await counterTotal(urls, 'fx_quotes_used_total')).toBe(1);
    expect(await counterTotal(urls, 'fx_quotes_refused_total', 'reason="quote_already_used"')).toBe(199);
  });

  it('refuses an expired quote and releases what it held', async () => {
    const { id, expiresAt } = await quote('5.00');
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 50));
    const late = await consume(0, id, randomUUID());
    expect(late).toMatchObject({ status: 409, body: { code: 'quote_expired', type: 'https://nostro.dev/problems/quote_expired' } });
    expect(late.headers.get('content-type')).toContain('application/problem+json');
    const deadline = Date.now() + 10_000;
    let reservation = '';
    while (Date.now() < deadline && reservation !== 'released') {
      [{ reservation }] = await fx.query<{ reservation: string }>('SELECT reservation FROM quotes WHERE id = $1', [id]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(reservation).toBe('released');
    expect(await counterTotal(urls, 'fx_quotes_expired_total')).toBeGreaterThanOrEqual(1);
  });

  it('answers unknown quotes and malformed bodies with problems', async () => {
    expect(await consume(0, 'q_unknown', randomUUID())).toMatchObject({ status: 404, body: { code: 'quote_not_found' } });
    expect(await consume(0, 'q_unknown', 'not-a-uuid')).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
  });
});
