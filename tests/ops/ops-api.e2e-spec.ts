import type { AccountStatement } from '@nostro/client';
import { parseCamt053, validateXml } from '@nostro/iso20022';
import { verifyFinalityProof } from '@nostro/shared';
import { randomUUID } from 'node:crypto';
import { TestBank, adminClient, cluster, eventually, fundFxDesk, registerBank, withDb } from '../support/cluster';
import { auditPage } from '../gateway/support/gateway';
import { ConsoleHttp, newOperator } from './support/console';

/** The console's server side over HTTP against the test cluster: sessions, roles, audit, stream, static files. */
describe('operations console API', () => {
  const base = () => cluster().gatewayUrl;

  it('exchanges an operator token for an HttpOnly, SameSite=Strict session cookie scoped to /ops', async () => {
    const op = await newOperator('viewer');
    const http = new ConsoleHttp();
    const response = await http.signIn(op.token);
    expect(response.status).toBe(201);
    expect(response.headers.get('set-cookie')).toMatch(/^nostro_ops_session=[A-Za-z0-9_-]{43}; Path=\/ops; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { operator: { name: string; role: string }; can: Record<string, boolean> };
    expect(body.operator).toMatchObject({ name: op.name, role: 'viewer' });
    expect(body.can).toEqual({ seeParties: false, seeAudit: false, decide: false, manageParticipants: false, decideRequests: false });
    expect(JSON.stringify(body)).not.toContain(op.token);
  });

  it('refuses an unknown token, and records the attempt in the audit log without an operator', async () => {
    const http = new ConsoleHttp();
    const response = await http.signIn('this-token-was-never-issued-000');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'unauthorized' });
    const denied = (await auditPage(500)).filter((e) => e.action === 'session.sign_in' && e.outcome === 'denied');
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((e) => e.operator === null)).toBe(true);
  });

  it('ends a session when it expires, when it idles, when the operator signs out and when the token is revoked', async () => {
    const op = await newOperator('approver');
    const sessions = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const http = new ConsoleHttp();
        await http.signIn(op.token);
        expect((await http.request('GET', '/ops/api/session')).status).toBe(200);
        return http;
      }),
    );
    const hashOf = async (http: ConsoleHttp) => {
      const { createHash } = await import('node:crypto');
      return createHash('sha256')
        .update((http.cookie ?? '').split('=')[1])
        .digest('hex');
    };
    await withDb('gateway', async (db) => {
      await db.query(`UPDATE ops_sessions SET expires_at = now() - interval '1 second', created_at = now() - interval '1 hour' WHERE id_hash = $1`, [
        await hashOf(sessions[0]),
      ]);
      await db.query(`UPDATE ops_sessions SET last_seen_at = now() - interval '1 day' WHERE id_hash = $1`, [await hashOf(sessions[1])]);
    });
    expect(await (await sessions[0].request('GET', '/ops/api/overview')).json()).toMatchObject({
      status: 401,
      code: 'session_expired',
      detail: expect.stringContaining('expired'),
    });
    expect(await (await sessions[1].request('GET', '/ops/api/overview')).json()).toMatchObject({
      status: 401,
      code: 'session_expired',
      detail: expect.stringContaining('idle'),
    });

    const out = await sessions[2].request('DELETE', '/ops/api/session');
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await sessions[2].request('GET', '/ops/api/payments')).status).toBe(401);

    await (await import('../support/cluster')).adminClient().revokeOperator(op.id);
    expect(await (await sessions[3].request('GET', '/ops/api/payments')).json()).toMatchObject({
      code: 'session_expired',
      detail: expect.stringContaining('operator revoked'),
    });
    expect((await new ConsoleHttp().request('GET', '/ops/api/overview')).status).toBe(401);
  });

  it('shows a viewer no customer data and no audit log, and refuses it every action (each refusal audited)', async () => {
    const bank = await registerBank(['USD'], { USD: '10.00' });
    const viewer = await newOperator('viewer');
    const http = new ConsoleHttp();
    await http.signIn(viewer.token);
    expect((await http.request('GET', '/ops/api/audit')).status).toBe(403);
    const deposit = await http.request(
      'POST',
      `/ops/api/participants/${bank.id}/deposits`,
      { currency: 'USD', amount: '1.00', reference: 'x' },
      { 'idempotency-key': 'k-viewer-1' },
    );
    expect(deposit.status).toBe(403);
    const suspend = await http.request('POST', `/ops/api/participants/${bank.id}/suspend`, undefined, { 'idempotency-key': 'k-viewer-2' });
    expect(suspend.status).toBe(403);
    const detail = await http.json<{ accounts: { currency: string; balance: string }[]; actions: unknown[] }>(`/ops/api/participants/${bank.id}`);
    expect(detail.accounts).toEqual([expect.objectContaining({ currency: 'USD', balance: '10.00' })]);
    expect(detail.actions).toEqual([]);
    const audit = (await auditPage(500))
      .filter((e) => e.operator?.id === viewer.id)
      .reverse()
      .map(({ action, outcome }) => ({ action, outcome }));
    expect(audit).toEqual([
      { action: 'session.sign_in', outcome: 'ok' },
      { action: 'participant.deposit', outcome: 'denied' },
      { action: 'participant.suspend', outcome: 'denied' },
    ]);
  });

  it('lets an admin deposit through the operator API, audited with its outcome and the new balance', async () => {
    const bank = await registerBank(['EUR']);
    const admin = await newOperator('admin');
    const http = new ConsoleHttp();
    await http.signIn(admin.token);
    const response = await http.request(
      'POST',
      `/ops/api/participants/${bank.id}/deposits`,
      { currency: 'EUR', amount: '123.45', reference: 'ops console test' },
      { 'idempotency-key': `dep-${bank.id}` },
    );
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ status: 'SETTLED', balance: '123.45' });
    const bad = await http.request(
      'POST',
      `/ops/api/participants/${bank.id}/deposits`,
      { currency: 'EUR', amount: '1.234', reference: 'too many digits' },
      { 'idempotency-key': `dep2-${bank.id}` },
    );
    expect(bad.status).toBe(400);
    const log = await http.json<{
      data: { action: string; outcome: string; httpStatus: number; detail: { response?: { balance?: string; code?: string } } }[];
    }>(`/ops/api/audit?target=${bank.id}`);
    // The console's own entries, and the /v1/admin calls it made for them (the gateway audits every admin call).
    expect(log.data.map((e) => [e.action, e.outcome, e.httpStatus])).toEqual([
      ['participant.deposit', 'refused', 400],
      ['admin.participants.deposits.post', 'refused', 400],
      ['participant.deposit', 'ok', 201],
      ['admin.participants.deposits.post', 'ok', 201],
    ]);
    expect(log.data[0].detail.response?.code).toBe('validation_failed');
    expect(log.data[2].detail.response?.balance).toBe('123.45');
  });

  it('refuses a write whose Origin is another site, even with a valid session', async () => {
    const admin = await newOperator('admin');
    const http = new ConsoleHttp();
    await http.signIn(admin.token);
    const response = await http.request(
      'POST',
      '/ops/api/participants/FXDESK/deposits',
      { currency: 'EUR', amount: '1.00', reference: 'csrf' },
      { origin: 'https://evil.example', 'idempotency-key': 'csrf-1' },
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'origin_mismatch' });
  });

  it('streams payment status changes as server-sent events', async () => {
    const { fundFxDesk } = await import('../support/cluster');
    const [debtor, creditor] = await Promise.all([registerBank(['USD'], { USD: '1000.00' }), registerBank(['EUR'])]);
    await fundFxDesk('EUR', '10000.00');
    const admin = await newOperator('viewer');
    const http = new ConsoleHttp();
    await http.signIn(admin.token);
    const controller = new AbortController();
    const stream = await fetch(`${base()}/ops/api/stream`, { headers: { cookie: http.cookie ?? '' }, signal: controller.signal });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '10.00', creditorParticipant: creditor.id });
    const { uetr } = await debtor.client.createPayment({
      quoteId: quote.id,
      endToEndId: 'OPS-SSE-1',
      debtor: { name: 'A', account: '1' },
      creditor: { name: 'B', account: '2' },
    });
    const reached: string[] = [];
    let text = '';
    const deadline = Date.now() + 30_000;
    while (!reached.includes('SETTLED') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      for (const m of text.matchAll(/event: payment\ndata: (.*)\n\n/g)) {
        const e = JSON.parse(m[1]) as { reached: string; payment: { uetr: string; debtor?: unknown } };
        if (e.payment.uetr === uetr && !reached.includes(e.reached)) reached.push(e.reached);
        expect(e.payment.debtor).toBeUndefined();
      }
    }
    controller.abort();
    expect(reached).toEqual(['RECEIVED', 'SUBMITTED', 'SETTLED']);
    expect(text).toMatch(/event: overview\ndata: \{"at":/);
  });

  it('explores blocks newest first with every validator signature, and one block as each validator has it', async () => {
    const http = new ConsoleHttp();
    await http.signIn((await newOperator('viewer')).token);
    type Listed = { height: number; hash: string; prevHash: string; final: boolean; signatures: { validator: string; hash: string }[] };
    const first = await http.json<{ data: Listed[]; nextCursor: string | null }>('/ops/api/blocks?limit=2');
    expect(first.data).toHaveLength(2);
    expect(first.data[0].height).toBe(first.data[1].height + 1);
    expect(first.data[0].prevHash).toBe(first.data[1].hash);
    const older = await http.json<{ data: Listed[] }>(`/ops/api/blocks?limit=2&before=${first.nextCursor}`);
    expect(older.data[0].height).toBe(first.data[1].height - 1);
    const final = first.data.find((b) => b.final) ?? older.data[0];
    const block = await http.json<{
      block: { hash: string };
      validators: { validator: string; hash: string; final: boolean }[];
      signatures: { validator: string; hash: string }[];
    }>(`/ops/api/blocks/${final.height}`);
    expect(block.validators.map((v) => v.validator).sort()).toEqual(['v0', 'v1', 'v2']);
    expect(block.validators.every((v) => v.hash === block.block.hash)).toBe(true);
    expect(new Set(block.signatures.filter((s) => s.hash === block.block.hash).map((s) => s.validator)).size).toBeGreaterThanOrEqual(2);
    expect((await http.request('GET', '/ops/api/blocks/99999999')).status).toBe(404);
    expect((await http.request('GET', '/ops/api/blocks?limit=0')).status).toBe(400);
  });

  describe('the way back', () => {
    type OpenRecall = Record<string, string> & { recallId: string; uetr: string; respondBy: string };
    type Page = { data: OpenRecall[]; nextCursor: string | null };
    let debtor: TestBank;
    let creditor: TestBank;

    beforeAll(async () => {
      [debtor, creditor] = await Promise.all([registerBank(['USD'], { USD: '1000.00' }), registerBank(['EUR'])]);
      await fundFxDesk('EUR', '10000.00');
    });

    async function settled(sendAmount: string) {
      const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: creditor.id });
      const { uetr } = await debtor.client.createPayment({
        quoteId: quote.id,
        endToEndId: `OPS-BACK-${sendAmount}`,
        debtor: { name: 'A', account: '1' },
        creditor: { name: 'B', account: '2' },
      });
      const payment = await eventually(
        () => debtor.client.getPayment(uetr),
        (p) => p.status === 'SETTLED' || p.status === 'REJECTED',
      );
      expect(payment.status).toBe('SETTLED');
      return payment;
    }

    /** Every open recall, page by page with the cursor (`limit` a page), checking the pages are in deadline order. */
    async function allOpen(http: ConsoleHttp, limit: number): Promise<OpenRecall[]> {
      const all: OpenRecall[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 500; pages++) {
        const page: Page = await http.json<Page>(`/ops/api/recalls?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.data.length).toBeLessThanOrEqual(limit);
        all.push(...page.data);
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      const deadlines = all.map((r) => Date.parse(r.respondBy));
      expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));
      expect(new Set(all.map((r) => r.recallId)).size).toBe(all.length);
      return all;
    }

    it('lists open recalls soonest deadline first with whom each waits on, until the creditor bank answers', async () => {
      const [one, two] = await Promise.all([settled('10.00'), settled('20.00')]);
      const first = await debtor.client.recallPayment(one.uetr, { reason: 'DUPL', comment: 'sent twice' });
      const second = await debtor.client.recallPayment(two.uetr, { reason: 'TECH' });
      const approver = new ConsoleHttp();
      await approver.signIn((await newOperator('approver')).token);
      const viewer = new ConsoleHttp();
      await viewer.signIn((await newOperator('viewer')).token);

      const mine = (rows: OpenRecall[]) => rows.filter((r) => r.uetr === one.uetr || r.uetr === two.uetr);
      const listed = await eventually(
        async () => mine((await approver.json<Page>('/ops/api/recalls?limit=200')).data),
        (rows) => rows.length === 2,
      );
      expect(listed.find((r) => r.uetr === one.uetr)).toEqual({
        recallId: first.recallId,
        uetr: one.uetr,
        reason: 'DUPL',
        comment: 'sent twice',
        requestedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        respondBy: first.respondBy,
        debtor: debtor.id,
        creditor: creditor.id,
        amount: one.receiveAmount,
        currency: 'EUR',
        waitingOn: creditor.id,
      });
      expect(listed.find((r) => r.uetr === two.uetr)).toMatchObject({ recallId: second.recallId, respondBy: second.respondBy, waitingOn: creditor.id });
      expect(Date.parse(first.respondBy)).toBeGreaterThan(Date.now());
      // Pages of one, walked with the cursor, hold the same recalls in the same order as one page of 200.
      expect(mine(await allOpen(approver, 1))).toEqual(listed);
      // A viewer gets the same list without the debtor bank's free text.
      expect(mine((await viewer.json<Page>('/ops/api/recalls')).data).map((r) => r.comment)).toEqual([undefined, undefined]);
      for (const bad of ['limit=0', 'limit=201', 'cursor=not-a-cursor', 'status=PENDING']) {
        expect((await approver.request('GET', `/ops/api/recalls?${bad}`)).status).toBe(400);
      }

      await creditor.client.respondToRecall(two.uetr, { decision: 'reject', reason: 'CUST' });
      await creditor.client.respondToRecall(one.uetr, { decision: 'accept' });
      const after = await eventually(
        async () => mine((await approver.json<Page>('/ops/api/recalls?limit=200')).data),
        (rows) => rows.length === 0,
      );
      expect(after).toEqual([]);
    });

    it('shows a returned payment with its recall and return, and serves the return finality proof, which verifies', async () => {
      const payment = await settled('30.00');
      const recall = await debtor.client.recallPayment(payment.uetr, { reason: 'FRAD' });
      const answer = await creditor.client.respondToRecall(payment.uetr, { decision: 'accept' });
      const returnId = answer.returnId as string;
      expect(returnId).toMatch(/^[0-9a-f-]{36}$/);
      const http = new ConsoleHttp();
      await http.signIn((await newOperator('viewer')).token);
      type Detail = { status: string; returnedAmount: string; returns: { returnId: string; status: string; block?: { height: number } }[]; recall: unknown };
      const detail = await eventually(
        () => http.json<Detail>(`/ops/api/payments/${payment.uetr}`),
        (p) => p.status === 'RETURNED',
      );
      expect(detail).toMatchObject({
        status: 'RETURNED',
        returnedAmount: payment.receiveAmount,
        recall: { recallId: recall.recallId, status: 'ACCEPTED', reason: 'FRAD', resolution: { returnId } },
        returns: [{ returnId, status: 'SETTLED', amount: payment.receiveAmount, sourceAmount: payment.sendAmount, reason: 'FOCR' }],
      });
      expect(detail.returns[0].block?.height).toBeGreaterThan(0);

      const proof = await eventually(
        () =>
          http.json<{ transaction: { uetr: string; returnId: string } }>(`/ops/api/payments/${payment.uetr}/returns/${returnId}/finality`).catch(() => null),
        (p) => p !== null,
      );
      expect(proof?.transaction).toMatchObject({ uetr: payment.uetr, returnId });
      const keys = (await (await fetch(`${base()}/v1/keys`)).json()) as { validators: { id: string; publicKey: string }[]; quorum: number };
      // Parsed again in the test's realm: fetch's response.json() builds objects of Node's own realm, which zod inside
      // Jest's sandbox does not take for plain objects (the browser and the SDK parse in their own realm).
      expect(verifyFinalityProof(JSON.parse(JSON.stringify(proof)), { validators: keys.validators, quorum: keys.quorum })).toEqual({ ok: true });
      // The payment's own proof is still the settlement's, not the return's.
      const own = await http.json<{ transaction: { uetr: string; returnId?: string } }>(`/ops/api/payments/${payment.uetr}/finality`);
      expect(own.transaction.uetr).toBe(payment.uetr);
      expect(own.transaction.returnId).toBeUndefined();

      // Only a return of that payment: another payment's uetr, an unknown id and a malformed one are 404.
      const other = await settled('5.00');
      for (const path of [`${other.uetr}/returns/${returnId}`, `${payment.uetr}/returns/${randomUUID()}`, `${payment.uetr}/returns/nope`]) {
        expect((await http.request('GET', `/ops/api/payments/${path}/finality`)).status).toBe(404);
      }
    });
  });

  it("serves a participant's statement of a UTC day as the bank gets it, to every role, and as a camt.053 download", async () => {
    const bank = await registerBank(['USD', 'EUR'], { USD: '250.00' });
    await adminClient().withdraw(bank.id, { currency: 'USD', amount: '50.00', reference: 'sweep to correspondent' });
    const today = new Date().toISOString().slice(0, 10);
    const own = await eventually(
      () => bank.client.getStatement('USD', { date: today }),
      (st) => st.entryCount === 2,
    );
    const viewer = new ConsoleHttp();
    await viewer.signIn((await newOperator('viewer')).token);
    const path = `/ops/api/participants/${bank.id}/statement`;
    // The same statement (the day's last block moves on as the chain grows: toHeight is left out).
    const same = (st: AccountStatement) => ({ ...st, toHeight: undefined });
    const shown = await viewer.json<AccountStatement>(`${path}?currency=USD&date=${today}`);
    expect(same(shown)).toEqual(same(own));
    expect(shown).toMatchObject({ account: `${bank.id}:USD`, openingBalance: '0.00', closingBalance: '200.00', totalCredits: '250.00', totalDebits: '50.00' });
    expect(shown.entries.map((e) => [e.kind, e.direction, e.amount, e.balanceAfter, e.counterparty, e.reference])).toEqual([
      ['deposit', 'credit', '250.00', '250.00', 'EXTERNAL', `test funding ${bank.id}`],
      ['withdrawal', 'debit', '50.00', '200.00', 'EXTERNAL', 'sweep to correspondent'],
    ]);
    // Today by default; a past day is empty at its balance; an account with nothing on it yet is all zeros.
    expect(same(await viewer.json<AccountStatement>(`${path}?currency=USD`))).toEqual(same(shown));
    expect(await viewer.json<AccountStatement>(`${path}?currency=USD&date=2020-01-01`)).toMatchObject({
      entryCount: 0,
      closingBalance: '0.00',
      interim: false,
    });
    expect(await viewer.json<AccountStatement>(`${path}?currency=EUR&date=${today}`)).toMatchObject({
      entryCount: 0,
      openingBalance: '0.00',
      closingBalance: '0.00',
    });

    const xml = await viewer.request('GET', `${path}?currency=USD&date=${today}&format=xml`);
    expect(xml.status).toBe(200);
    expect(xml.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    expect(xml.headers.get('content-disposition')).toBe(`attachment; filename="camt053-${bank.id}-USD-${today}.xml"`);
    expect(xml.headers.get('cache-control')).toBe('no-store');
    const text = await xml.text();
    expect((await validateXml('camt.053.001.08', text)).issues).toEqual([]);
    const camt = parseCamt053(text);
    expect({ account: camt.accountId, opening: camt.openingBalance.amount, closing: camt.closingBalance.amount, interim: camt.interim }).toEqual({
      account: `${bank.id}:USD`,
      opening: '0.00',
      closing: '200.00',
      interim: true,
    });
    expect(camt.entries.map((e) => [e.entryRef, e.amount.amount, e.direction])).toEqual(shown.entries.map((e) => [e.entryId, e.amount, e.direction]));

    // Refusals: an account the bank does not hold or a participant that does not exist 404, a bad query 400, no session 401.
    expect(await (await viewer.request('GET', `${path}?currency=GBP`)).json()).toMatchObject({ status: 404, code: 'not_found' });
    expect((await viewer.request('GET', `/ops/api/participants/ZZNOBODY9/statement?currency=USD`)).status).toBe(404);
    expect((await viewer.request('GET', `/ops/api/participants/FXDESK/statement?currency=USD`)).status).toBe(404);
    for (const bad of ['', 'currency=usd', 'currency=USD&date=2026-02-30', 'currency=USD&format=pdf', 'currency=USD&fromHeight=1']) {
      const answer = await viewer.request('GET', `${path}?${bad}`);
      expect({ bad, status: answer.status, code: ((await answer.json()) as { code: string }).code }).toEqual({ bad, status: 400, code: 'validation_failed' });
    }
    expect((await new ConsoleHttp().request('GET', `${path}?currency=USD`)).status).toBe(401);
  });

  it('serves the page with a strict content security policy, and nothing outside the built UI', async () => {
    const page = await fetch(`${base()}/ops`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const script = /src="(\/ops\/assets\/app-[A-Z0-9]+\.js)"/i.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${base()}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    for (const bad of ['/ops/assets/..%2F..%2Fsrc%2Fmain.js', '/ops/assets/%2e%2e', '/ops/assets/index.html', '/ops/api/nothing-here']) {
      expect((await fetch(`${base()}${bad}`)).status).toBe(404);
    }
  });
});
