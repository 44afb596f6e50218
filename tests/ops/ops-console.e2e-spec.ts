import { parseCamt053, validateXml } from '@nostro/iso20022';
import fs from 'node:fs';
import { Browser, Page } from 'playwright-core';
import { NostroAdminClient, isPendingApproval, newCondition } from '@nostro/client';
import { TestBank, adminClient, amountOf, approved, eventually, fundFxDesk, minorOf, registerBank } from '../support/cluster';
import { startGateway } from '../gateway/support/gateway';
import { ConsoleHttp, launchChromium, newOperator, screenshot, signedIn } from './support/console';

/**
 * The operations console in headless Chromium against the running test cluster (docs/ops-console.md):
 * sign-in, a payment seen moving RECEIVED → SETTLED without a reload, its finality proof verified in the browser,
 * a held payment released by two approvers, and a viewer who cannot approve; a recall listed with its deadline until
 * it is answered, and the payment's return with its own proof verified; a participant's statement of the day with
 * its entries and its camt.053 download; an operator call held for a second admin (dual control) decided on the
 * Requests page; a liquidity queue on the Queues page, one of its payments cancelled there by an approver; a reserved
 * and a queued payment's deadlines on their pages and in the list filtered on RESERVED.
 * Screenshots go to docs/images/.
 */
const TEST_TIMEOUT_MS = 180_000;

describe('operations console in a browser', () => {
  let browser: Browser;
  let debtor: TestBank;
  let creditor: TestBank;
  let admin: { token: string; name: string };

  beforeAll(async () => {
    browser = await launchChromium();
    [debtor, creditor] = await Promise.all([registerBank(['USD'], { USD: '100000.00' }), registerBank(['EUR'])]);
    await fundFxDesk('EUR', '500000.00');
    admin = await newOperator('admin', 'Ada Admin');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function pay(amount: string, endToEndId: string): Promise<string> {
    const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: amount, creditorParticipant: creditor.id });
    const accepted = await debtor.client.createPayment({
      quoteId: quote.id,
      endToEndId,
      debtor: { name: 'Alice Remitter', account: 'US0012345' },
      creditor: { name: 'Bernd Empfänger', account: 'DE89370400440532013000' },
    });
    return accepted.uetr;
  }

  it(
    'refuses a wrong token and signs in with an operator token',
    async () => {
      const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
      const page = await context.newPage();
      const { gatewayUrl } = (await import('../support/cluster')).cluster();
      await page.goto(`${gatewayUrl}/ops`);
      await page.fill('#token', 'not-a-real-operator-token-at-all');
      await page.click('form.signin button[type=submit]');
      await expectText(page, '#signin-error', 'unknown or revoked operator token');
      await screenshot(page, 'ops-sign-in');
      await page.fill('#token', admin.token);
      await page.click('form.signin button[type=submit]');
      await page.waitForSelector('#operator');
      expect(await page.textContent('#operator')).toContain('Ada Admin');
      const cookies = await context.cookies();
      const session = cookies.find((c) => c.name === 'nostro_ops_session');
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/ops' });
      expect(await page.evaluate('document.cookie')).toBe('');
      await context.close();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows a payment move from RECEIVED to SETTLED live, then its finality proof verified in the browser',
    async () => {
      const { context, page } = await signedIn(browser, admin.token);
      await page.goto(`${page.url().split('#')[0]}#/payments`);
      await page.waitForSelector('table.payments');
      await page.waitForSelector('.live-state[data-state="live"]');
      // Record every status the row shows, as the DOM changes (no reload, no polling by the test).
      await page.evaluate(RECORD_ROW_STATUSES);
      const uetr = await pay('250.00', 'OPS-LIVE-1');
      await page.waitForSelector(`tr[data-uetr="${uetr}"][data-shown="SETTLED"]`, { timeout: 30_000 });
      const seen = (await page.evaluate(`window.seenStatuses[${JSON.stringify(uetr)}]`)) as string[];
      expect(seen[0]).toBe('RECEIVED');
      expect(seen[seen.length - 1]).toBe('SETTLED');
      expect(seen.indexOf('RECEIVED')).toBeLessThan(seen.indexOf('SETTLED'));
      await screenshot(page, 'ops-payments-live');

      await page.click(`tr[data-uetr="${uetr}"] a.uetr`);
      await page.waitForSelector('#proof-verdict');
      expect(await page.getAttribute('#proof-verdict', 'data-verified')).toBe('true');
      expect(await page.textContent('#proof-verdict')).toMatch(/Verified in this browser: signed by v\d, v\d/);
      expect(await page.textContent('#timeline')).toMatch(/RECEIVED[\s\S]*SUBMITTED[\s\S]*SETTLED/);
      expect(await page.textContent('#parties-title')).toBe('Parties');
      await page.locator('#proof').scrollIntoViewIfNeeded();
      await screenshot(page, 'ops-payment-proof');
      await context.close();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows the overview with charts, validators, consumer lag and webhooks',
    async () => {
      const { context, page } = await signedIn(browser, admin.token);
      await page.waitForSelector('#chart-status canvas');
      await page.waitForSelector('#chart-latency canvas');
      expect(await page.textContent('#validators-title')).toContain('Validators');
      expect(await page.locator('section[aria-labelledby="validators-title"] tbody tr').count()).toBe(3);
      expect(await page.locator('section[aria-labelledby="kafka-title"] tbody tr').count()).toBeGreaterThan(0);
      await screenshot(page, 'ops-overview');
      await page.goto(`${page.url().split('#')[0]}#/blocks`);
      await page.click('table.data tbody tr:first-child a');
      await page.waitForSelector('#block-verdict');
      expect(await page.textContent('#block-verdict')).toMatch(/Header hash recomputed in this browser matches\. [23] valid signatures/);
      await screenshot(page, 'ops-block');
      await page.goto(`${page.url().split('#')[0]}#/participants/${debtor.id}`);
      await page.waitForSelector('#accounts-title');
      await screenshot(page, 'ops-participant');
      await context.close();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'releases a held payment once two distinct approvers approve it, and a viewer cannot approve',
    async () => {
      await adminClient().setLimits(debtor.id, { currency: 'USD', netDebitCap: '0.00', holdAbove: '1000.00' });
      const uetr = await pay('5000.00', 'OPS-HELD-1');
      await eventually(
        () => debtor.client.getPayment(uetr),
        (p) => p.status === 'HELD',
      );
      const [first, second, viewer] = await Promise.all([
        newOperator('approver', 'Ann Approver'),
        newOperator('approver', 'Bo Approver'),
        newOperator('viewer', 'Vic Viewer'),
      ]);

      // The viewer sees the held payment, no approve button, and the server refuses the action if forced.
      const v = await signedIn(browser, viewer.token);
      await v.page.goto(`${v.page.url().split('#')[0]}#/held`);
      await v.page.waitForSelector(`article[data-uetr="${uetr}"]`);
      expect(await v.page.locator(`article[data-uetr="${uetr}"] button[data-action="approve"]`).count()).toBe(0);
      expect(await v.page.textContent('#held-note')).toContain('may watch held payments but not approve');
      const forced = await v.page.evaluate(async (u) => {
        const r = await fetch(`/ops/api/payments/${u}/decisions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
          body: JSON.stringify({ decision: 'approve' }),
        });
        return { status: r.status, body: (await r.json()) as { code: string } };
      }, uetr);
      expect(forced).toMatchObject({ status: 403, body: { code: 'forbidden' } });
      await v.page.goto(`${v.page.url().split('#')[0]}#/payments/${uetr}`);
      await v.page.waitForSelector('#cannot-decide');
      expect(await v.page.locator('#parties-title').count()).toBe(0);
      await v.context.close();

      // First approver: recorded, still held.
      const a1 = await signedIn(browser, first.token);
      await a1.page.goto(`${a1.page.url().split('#')[0]}#/held`);
      const card1 = a1.page.locator(`article[data-uetr="${uetr}"]`);
      await card1.waitFor();
      await screenshot(a1.page, 'ops-held');
      await card1.locator('input[name="comment"]').fill('KYC file checked');
      await card1.locator('button[data-action="approve"]').click();
      await expectText(a1.page, '#decision-result', 'another approver is needed');
      expect((await debtor.client.getPayment(uetr)).status).toBe('HELD');

      // The same approver cannot approve twice (settlement counts distinct operators).
      const again = await a1.page.evaluate(async (u) => {
        const r = await fetch(`/ops/api/payments/${u}/decisions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
          body: JSON.stringify({ decision: 'approve' }),
        });
        return { status: r.status, body: (await r.json()) as { code: string } };
      }, uetr);
      expect(again).toMatchObject({ status: 409, body: { code: 'approver_already_decided' } });
      await a1.context.close();

      // Second approver: the payment goes to the ledger and settles.
      const a2 = await signedIn(browser, second.token);
      await a2.page.goto(`${a2.page.url().split('#')[0]}#/payments/${uetr}`);
      await a2.page.waitForSelector('form.decision');
      await a2.page.click('form.decision button[data-action="approve"]');
      await a2.page.waitForSelector('#payment-status [data-status="SETTLED"]', { timeout: 30_000 });
      await a2.page.waitForSelector('#proof-verdict[data-verified="true"]');
      expect(await a2.page.textContent('section.hold')).toMatch(/Ann Approver[\s\S]*Bo Approver/);

      // Both approvals and the viewer's refused attempt are in the audit log, with who and when.
      await a2.page.goto(`${a2.page.url().split('#')[0]}#/audit`);
      await a2.page.waitForSelector('table.audit');
      const audit = await a2.page.textContent('table.audit');
      expect(audit).toMatch(/Bo Approver \(approver\)payment\.decision/);
      expect(audit).toMatch(/Ann Approver \(approver\)payment\.decision/);
      expect(audit).toMatch(/Vic Viewer \(viewer\)payment\.decision.*denied/);
      await screenshot(a2.page, 'ops-audit');
      await a2.context.close();

      const http = new ConsoleHttp();
      await http.signIn(admin.token);
      const log = await http.json<{ data: { operator: { name: string } | null; action: string; target: string; outcome: string; at: string }[] }>(
        `/ops/api/audit?target=${uetr}`,
      );
      // The console's own entries; each decision it forwarded is also in the chain as the /v1/admin call it made.
      const own = log.data.filter((e) => !e.action.startsWith('admin.'));
      expect(own.map((e) => [e.operator?.name, e.outcome])).toEqual([
        ['Bo Approver', 'ok'],
        ['Ann Approver', 'refused'],
        ['Ann Approver', 'ok'],
        ['Vic Viewer', 'denied'],
      ]);
      const forwarded = log.data.filter((e) => e.action === 'admin.payments.decisions.post');
      expect(forwarded.map((e) => [e.operator?.name, e.outcome])).toEqual([
        ['Bo Approver', 'ok'],
        ['Ann Approver', 'refused'],
        ['Ann Approver', 'ok'],
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'lists an open recall with its deadline until the creditor bank accepts it, then shows the return and verifies its proof',
    async () => {
      const uetr = await pay('120.00', 'OPS-RECALL-1');
      const settled = await eventually(
        () => debtor.client.getPayment(uetr),
        (p) => p.status === 'SETTLED' || p.status === 'REJECTED',
      );
      expect(settled.status).toBe('SETTLED');
      const { context, page } = await signedIn(browser, admin.token);
      const home = page.url().split('#')[0];
      await page.goto(`${home}#/recalls`);
      await page.waitForSelector('table.recalls');
      await page.waitForSelector('.live-state[data-state="live"]');
      expect(await page.getAttribute('nav a[data-nav="#/recalls"]', 'aria-current')).toBe('page');

      // The recall appears without a reload (the list follows recall steps on the live stream).
      const recall = await debtor.client.recallPayment(uetr, { reason: 'FRAD', comment: 'customer reports a scam' });
      const row = page.locator(`table.recalls tr[data-uetr="${uetr}"]`);
      await row.waitFor({ timeout: 30_000 });
      expect(await row.locator('[data-deadline]').getAttribute('data-deadline')).toBe(recall.respondBy);
      expect(await row.locator('[data-deadline]').getAttribute('data-overdue')).toBe('false');
      const text = await row.textContent();
      expect(text).toContain(`${debtor.id} → ${creditor.id}`);
      expect(text).toContain('FRAD (fraudulent origin)');
      expect(text).toContain('customer reports a scam');
      expect(text).toMatch(/\(\d+ d \d+ h left\)/);
      expect(await row.locator('td.waiting-on').textContent()).toBe(`waiting on ${creditor.id}`);
      await screenshot(page, 'ops-recalls');

      // Its payment page: the recall pending, waiting on the creditor bank.
      await row.locator('a.uetr').click();
      await page.waitForSelector('#recall[data-state="PENDING"]');
      expect(await page.textContent('#recall')).toMatch(new RegExp(`PENDING waiting on ${creditor.id}[\\s\\S]*FRAD \\(fraudulent origin\\)[\\s\\S]*left`));
      await page.waitForSelector('#proof-verdict[data-verified="true"]');

      // The creditor bank accepts: the page follows live to RETURNED, with the return and its proof verified in the browser.
      const answer = await creditor.client.respondToRecall(uetr, { decision: 'accept' });
      const returnId = answer.returnId as string;
      await page.waitForSelector('#payment-status [data-status="RETURNED"]', { timeout: 30_000 });
      const returned = page.locator(`#returns tr[data-return-id="${returnId}"][data-state="SETTLED"]`);
      await returned.waitFor();
      expect(await returned.textContent()).toContain(`${settled.receiveAmount} EUR`);
      expect(await returned.textContent()).toContain(`${settled.sendAmount} USD`);
      expect(await returned.textContent()).toContain('FOCR (following a recall)');
      expect(await page.textContent('#returned-amount')).toBe(`${settled.receiveAmount} EUR`);
      expect(await page.getAttribute('#recall', 'data-state')).toBe('ACCEPTED');
      expect(await page.textContent('#recall')).toContain(returnId);
      expect(await page.textContent('#timeline')).toMatch(
        /SETTLED[\s\S]*Recall requested[\s\S]*Recall accepted[\s\S]*Return received[\s\S]*Return settled[\s\S]*RETURNED/,
      );
      await page.click(`button[data-verify-return="${returnId}"]`);
      await page.waitForSelector('#return-proof-verdict');
      expect(await page.getAttribute('#return-proof-verdict', 'data-verified')).toBe('true');
      expect(await page.textContent('#return-proof-verdict')).toMatch(/Verified in this browser: signed by v\d, v\d/);
      expect(await page.textContent('#return-proof-title')).toBe(`Finality proof of return ${returnId.slice(0, 8)}`);
      // The payment's own proof is still there, verified.
      expect(await page.getAttribute('#proof-verdict', 'data-verified')).toBe('true');
      await page.evaluate("document.getElementById('timeline-title').scrollIntoView()");
      await screenshot(page, 'ops-payment-returns');

      // Answered, the recall has left the list; the status filter offers the new statuses.
      await page.goto(`${home}#/recalls`);
      await page.waitForSelector('table.recalls');
      expect(await page.locator(`table.recalls tr[data-uetr="${uetr}"]`).count()).toBe(0);
      await page.goto(`${home}#/payments?status=RETURNED`);
      await page.waitForSelector(`table.payments tr[data-uetr="${uetr}"]`);
      const options = await page.locator('#filter-status option').allTextContents();
      expect(options).toEqual(expect.arrayContaining(['CANCELLED', 'RETURNED']));
      await context.close();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'decides operator calls held for a second admin (DUAL_CONTROL=on): the requester refused four eyes, a second admin approves and rejects',
    async () => {
      const strict = await startGateway({ DUAL_CONTROL: 'on' }, 47);
      try {
        const [bo, viewer] = await Promise.all([newOperator('admin', 'Bo Admin'), newOperator('viewer', 'Val Viewer')]);
        // Ada asks for a deposit from the participant page: held, nothing moves yet.
        const ada = await signedIn(browser, admin.token, strict.url);
        const home = ada.page.url().split('#')[0];
        await ada.page.goto(`${home}#/participants/${debtor.id}`);
        await ada.page.selectOption('#transfer-kind', 'deposits');
        await ada.page.fill('#transfer-amount', '250.00');
        await ada.page.fill('#transfer-reference', 'four eyes in the console');
        await ada.page.click('form[aria-label="Deposit or withdraw"] button[type=submit]');
        await expectText(ada.page, '#admin-result', 'Held for a second admin (four eyes)');
        const held = (await adminClient().requests({ status: 'PENDING_APPROVAL', limit: 1000 })).data.filter(
          (r) => r.path === `/v1/admin/participants/${debtor.id}/deposits` && r.requestedBy.name === 'Ada Admin',
        );
        expect(held).toHaveLength(1);
        const requestId = held[0].requestId;

        // Her own request: marked as hers, and her approval is refused four eyes, said so in words.
        await ada.page.goto(`${home}#/requests`);
        const mine = ada.page.locator(`article[data-request-id="${requestId}"]`);
        await mine.waitFor();
        expect(await mine.textContent()).toContain('You asked for this: four eyes');
        await mine.locator('button[data-action="approve"]').click();
        await expectText(
          ada.page,
          '#request-result',
          'Four eyes: you asked for this deposit, so a different admin must approve or reject it (403 four_eyes_required)',
        );
        expect(await ada.page.getAttribute(`article[data-request-id="${requestId}"]`, 'data-status')).toBe('PENDING_APPROVAL');
        await ada.context.close();

        // A viewer watches: the request, no buttons.
        const v = await signedIn(browser, viewer.token, strict.url);
        await v.page.goto(`${home}#/requests`);
        await v.page.locator(`article[data-request-id="${requestId}"]`).waitFor();
        expect(await v.page.locator(`article[data-request-id="${requestId}"] button`).count()).toBe(0);
        expect(await v.page.textContent('#requests-note')).toContain('may watch held requests but not approve or reject them');
        await v.context.close();

        // Bo, a second admin, approves: the deposit runs as Ada asked it, and the page says what it answered.
        const b = await signedIn(browser, bo.token, strict.url);
        await b.page.goto(`${home}#/requests`);
        const card = b.page.locator(`article[data-request-id="${requestId}"]`);
        await card.waitFor();
        const text = await card.textContent();
        expect(text).toContain('Deposit');
        expect(text).toContain('250.00 USD');
        expect(text).toMatch(/Requested by\s*Ada Admin/);
        await card.locator('input[name="comment"]').fill('SWIFT confirmation checked');
        await screenshot(b.page, 'ops-requests');
        await card.locator('button[data-action="approve"]').click();
        await expectText(b.page, '#request-result', 'Approved: the deposit is final on the ledger; new balance');
        await b.page.locator(`article[data-request-id="${requestId}"]`).waitFor({ state: 'detached' });

        // A limit change Bo rejects, with the comment the page insists on.
        const limits = await new NostroAdminClient({ baseUrl: strict.url, token: admin.token }).setLimits(debtor.id, {
          currency: 'USD',
          netDebitCap: '1000000.00',
          holdAbove: null,
        });
        if (!isPendingApproval(limits)) throw new Error('limits not held');
        await b.page.click('#requests-refresh');
        const limitsCard = b.page.locator(`article[data-request-id="${limits.requestId}"]`);
        await limitsCard.locator('button[data-action="reject"]').click();
        await expectText(b.page, '#request-result', 'Say why you reject it');
        await limitsCard.locator('input[name="comment"]').fill('no credit line approved');
        await limitsCard.locator('button[data-action="reject"]').click();
        await expectText(b.page, '#request-result', 'Rejected: the call will never run.');

        // The decided ones by status, with who decided, why and what the call answered.
        await b.page.selectOption('#requests-status', 'APPROVED');
        const approved = b.page.locator(`article[data-request-id="${requestId}"][data-status="APPROVED"]`);
        await approved.waitFor();
        expect(await approved.textContent()).toMatch(/Approved by\s*Bo Admin[\s\S]*SWIFT confirmation checked[\s\S]*HTTP 201 · SETTLED · balance/);
        await b.page.goto(`${home}#/requests?status=REJECTED`);
        expect(await b.page.locator(`article[data-request-id="${limits.requestId}"]`).textContent()).toContain('no credit line approved');

        // The audit log: Ada's refused approval and Bo's decisions, each linked to its request.
        await b.page.goto(`${home}#/audit?action=request.`);
        await b.page.waitForSelector('table.audit');
        const audit = await b.page.textContent('table.audit');
        expect(audit).toMatch(/Bo Admin \(admin\)request\.reject.*ok/);
        expect(audit).toMatch(/Bo Admin \(admin\)request\.approve.*ok/);
        expect(audit).toMatch(/Ada Admin \(admin\)request\.approve.*refused/);
        expect(await b.page.getAttribute(`table.audit a[href="#/requests/${requestId}"]`, 'title')).toBe(requestId);
        await b.context.close();
      } finally {
        await strict.stop();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'lists a liquidity queue with what it waits for, a viewer only watches, and an approver cancels a queued payment',
    async () => {
      // A bank with no funds and no cap: its payments wait in the ledger's queue for its USD account.
      const poor = await registerBank(['USD']);
      const account = `${poor.id}:USD`;
      const queue = async (sendAmount: string, endToEndId: string): Promise<string> => {
        const quote = await poor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: creditor.id });
        const { uetr } = await poor.client.createPayment({
          quoteId: quote.id,
          endToEndId,
          debtor: { name: 'Carla Waiting', account: 'US0099999' },
          creditor: { name: 'Bernd Empfänger', account: 'DE89370400440532013000' },
          liquidity: { onShortfall: 'queue', queueFor: 600 },
        });
        return uetr;
      };
      const first = await queue('30.00', 'OPS-QUEUE-1');
      const second = await queue('45.00', 'OPS-QUEUE-2');
      const [p1, p2] = await Promise.all(
        [first, second].map((uetr) =>
          eventually(
            () => poor.client.getPayment(uetr),
            (p) => p.status !== 'RECEIVED' && p.status !== 'SUBMITTED',
          ),
        ),
      );
      expect([p1.status, p2.status]).toEqual(['QUEUED', 'QUEUED']);
      const queued = amountOf(minorOf(p1.totalDebit, 'USD') + minorOf(p2.totalDebit, 'USD'), 'USD');
      const [approver, viewer] = await Promise.all([newOperator('approver', 'Quinn Approver'), newOperator('viewer', 'Vera Viewer')]);

      // A viewer sees the queue and its payments, no cancel button, and is refused (and audited) when forcing the call.
      const v = await signedIn(browser, viewer.token);
      const home = v.page.url().split('#')[0];
      await v.page.goto(`${home}#/queues`);
      await v.page.locator(`tbody[data-account="${account}"] tr.queue-entry[data-uetr="${second}"]`).waitFor({ timeout: 30_000 });
      expect(await v.page.locator(`tbody[data-account="${account}"] button[data-action="cancel"]`).count()).toBe(0);
      expect(await v.page.textContent('#queues-note')).toContain('may watch the queues but not cancel');
      const forced = await v.page.evaluate(async (u) => {
        const r = await fetch(`/ops/api/payments/${u}/cancel`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
          body: JSON.stringify({}),
        });
        return { status: r.status, body: (await r.json()) as { code: string } };
      }, first);
      expect(forced).toMatchObject({ status: 403, body: { code: 'forbidden' } });
      await v.context.close();

      // The approver comes from the overview's queued count: the account's row says what it waits for.
      const a = await signedIn(browser, approver.token);
      await a.page.click('#overview-queued');
      await a.page.waitForSelector('table.queues');
      expect(a.page.url()).toContain('#/queues');
      expect(await a.page.getAttribute('nav a[data-nav="#/queues"]', 'aria-current')).toBe('page');
      const rows = a.page.locator(`tbody[data-account="${account}"]`);
      await rows.locator(`tr.queue-entry[data-uetr="${second}"]`).waitFor({ timeout: 30_000 });
      const cells = (await rows.locator('tr.queue-account > *').allTextContents()).map((t) => t.trim());
      expect(cells.slice(0, 7)).toEqual([poor.id, 'USD', '0.00 USD', '0.00 USD', `${queued} USD`, `${queued} USD`, expect.stringMatching(/s$/)]);
      expect(cells[7]).toBe('2 waiting');
      expect(await rows.locator('tr.queue-entry').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-uetr')))).toEqual([first, second]);
      const entry = rows.locator(`tr.queue-entry[data-uetr="${first}"]`);
      expect(await entry.textContent()).toContain(`${p1.totalDebit} USD`);
      expect(await entry.locator('[data-deadline]').getAttribute('data-deadline')).toBe(p1.queuedUntil);
      expect(await entry.locator('[data-deadline]').getAttribute('data-overdue')).toBe('false');
      expect(await entry.locator('a.uetr').getAttribute('href')).toBe(`#/payments/${first}`);
      await screenshot(a.page, 'ops-queues');

      // Cancel asks first; Keep leaves it queued; Confirm cancels it with the reason.
      await entry.locator('button[data-action="cancel"]').click();
      await entry.locator('button[data-action="keep"]').click();
      await entry.locator('button[data-action="cancel"]').click();
      await entry.locator('input[name="reason"]').fill('customer asked to stop it');
      await entry.locator('button[data-action="confirm-cancel"]').click();
      await expectText(a.page, '#queue-result', 'Cancelled (CANCELLED): it left the queue');
      await entry.waitFor({ state: 'detached', timeout: 30_000 });
      expect((await poor.client.getPayment(first)).status).toBe('CANCELLED');
      expect((await rows.locator('tr.queue-account > *').allTextContents())[4]).toBe(`${p2.totalDebit} USD`);

      // Funds arrive: the second payment is released and settles, and the page drops the account without a reload.
      await approved(await adminClient().deposit(poor.id, { currency: 'USD', amount: '1000.00', reference: 'queue released' }));
      expect(
        (
          await eventually(
            () => poor.client.getPayment(second),
            (p) => p.status !== 'QUEUED',
          )
        ).status,
      ).toBe('SETTLED');
      await rows.waitFor({ state: 'detached', timeout: 30_000 });
      await a.context.close();

      // The console's audit entries for the cancel, and the operator API call it made as the approver.
      const http = new ConsoleHttp();
      await http.signIn(admin.token);
      const log = await http.json<{ data: { operator: { name: string } | null; action: string; outcome: string }[] }>(`/ops/api/audit?target=${first}`);
      expect(log.data.filter((e) => e.action === 'payment.cancel').map((e) => [e.operator?.name, e.outcome])).toEqual([
        ['Quinn Approver', 'ok'],
        ['Vera Viewer', 'denied'],
      ]);
      expect(log.data.filter((e) => e.action === 'admin.payments.cancel.post').map((e) => [e.operator?.name, e.outcome])).toEqual([['Quinn Approver', 'ok']]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows the deadlines of a reserved and a queued payment on their pages and in the list filtered on RESERVED',
    async () => {
      const parties = { debtor: { name: 'Alice Remitter', account: 'US0012345' }, creditor: { name: 'Bernd Empfänger', account: 'DE89370400440532013000' } };
      const { condition } = newCondition(new Date(Date.now() + 2 * 3_600_000));
      const quote = await debtor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '12.00', creditorParticipant: creditor.id });
      const { uetr: escrowed } = await debtor.client.createPayment({ quoteId: quote.id, endToEndId: 'OPS-ESCROW-1', ...parties, condition });
      const poor = await registerBank(['USD']);
      const short = await poor.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: '5.00', creditorParticipant: creditor.id });
      const { uetr: waiting } = await poor.client.createPayment({
        quoteId: short.id,
        endToEndId: 'OPS-QUEUE-DEADLINE',
        ...parties,
        liquidity: { onShortfall: 'queue', queueFor: 600 },
      });
      const decided = (p: { status: string }) => p.status !== 'RECEIVED' && p.status !== 'SUBMITTED';
      const [reserved, queued] = await Promise.all([
        eventually(() => debtor.client.getPayment(escrowed), decided),
        eventually(() => poor.client.getPayment(waiting), decided),
      ]);
      expect([reserved.status, queued.status]).toEqual(['RESERVED', 'QUEUED']);

      // The reserved payment: its condition hash in full behind the short one (and copied by the button), its deadline.
      const a = await signedIn(browser, admin.token);
      await a.context.grantPermissions(['clipboard-read', 'clipboard-write']);
      const home = a.page.url().split('#')[0];
      await a.page.goto(`${home}#/payments/${escrowed}`);
      await a.page.waitForSelector('#escrow-title');
      expect(await a.page.getAttribute('#condition-hash code', 'title')).toBe(condition.hash);
      await a.page.click('#copy-condition');
      expect(await a.page.evaluate<string>('navigator.clipboard.readText()')).toBe(condition.hash);
      expect(await a.page.getAttribute('#reserved-until [data-deadline]', 'data-deadline')).toBe(reserved.reservedUntil);
      expect(await a.page.textContent('#reserved-until')).toMatch(/\(1 h \d+ min left\)/);

      // The list filtered on RESERVED: one more column, the same deadline.
      await a.page.goto(`${home}#/payments?status=RESERVED`);
      const row = a.page.locator(`table.payments tr[data-uetr="${escrowed}"]`);
      await row.waitFor();
      expect((await a.page.locator('table.payments thead th').allTextContents()).at(-1)).toBe('Fulfil before');
      expect(await row.locator('[data-deadline]').getAttribute('data-deadline')).toBe(reserved.reservedUntil);

      // The queued payment: its queue deadline, and the way to the Queues page.
      await a.page.goto(`${home}#/payments/${waiting}`);
      await a.page.waitForSelector('#queue-title');
      expect(await a.page.getAttribute('#queued-until [data-deadline]', 'data-deadline')).toBe(queued.queuedUntil);
      await a.page.click('#queue-link');
      await a.page.locator(`tr.queue-entry[data-uetr="${waiting}"]`).waitFor();
      await a.context.close();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "shows a participant's statement of today with its entries, each payment linked to its page, and downloads the camt.053",
    async () => {
      const uetr = await pay('42.00', 'OPS-STMT-1');
      const today = new Date().toISOString().slice(0, 10);
      await eventually(
        () => debtor.client.getStatement('USD', { date: today }),
        (st) => st.entries.some((e) => e.uetr === uetr),
      );
      const { context, page } = await signedIn(browser, admin.token);
      const home = page.url().split('#')[0];
      await page.goto(`${home}#/participants/${debtor.id}`);
      await page.waitForSelector('#statement-result .statement');
      const own = await debtor.client.getStatement('USD', { date: today });
      expect(await page.inputValue('#statement-date')).toBe(today);
      expect(await page.inputValue('#statement-currency')).toBe('USD');
      const shown = page.locator('#statement-result .statement');
      expect(await shown.getAttribute('data-opening')).toBe(own.openingBalance);
      expect(await shown.getAttribute('data-closing')).toBe(own.closingBalance);
      expect(await shown.getAttribute('data-entries')).toBe(String(own.entryCount));
      expect(await page.textContent('#statement-closing')).toBe(`${own.closingBalance} USD`);
      expect(await page.textContent('#statement-interim')).toContain('interim');
      expect(await page.locator('#statement-entries tbody tr').count()).toBe(own.entryCount);
      const row = page.locator(`#statement-entries tr[data-uetr="${uetr}"]`);
      const entry = own.entries.find((e) => e.uetr === uetr);
      expect(await row.getAttribute('data-entry-id')).toBe(entry?.entryId);
      const text = await row.textContent();
      expect(text).toContain('payment');
      expect(text).toContain('debit');
      expect(text).toContain(`${entry?.amount} USD`);
      expect(text).toContain(`${entry?.balanceAfter} USD`);
      expect(text).toContain(creditor.id);
      expect(text).toContain('OPS-STMT-1');
      await page.locator('#statement').scrollIntoViewIfNeeded();
      await screenshot(page, 'ops-statement');

      // The download is the same statement as camt.053, valid against the official schema.
      expect(await page.getAttribute('#statement-download', 'href')).toBe(`/ops/api/participants/${debtor.id}/statement?currency=USD&date=${today}&format=xml`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#statement-download')]);
      expect(download.suggestedFilename()).toBe(`camt053-${debtor.id}-USD-${today}.xml`);
      const xml = fs.readFileSync(await download.path(), 'utf8');
      expect((await validateXml('camt.053.001.08', xml)).issues).toEqual([]);
      const camt = parseCamt053(xml);
      expect({ opening: camt.openingBalance.amount, closing: camt.closingBalance.amount }).toEqual({
        opening: own.openingBalance,
        closing: own.closingBalance,
      });
      expect(camt.entries.map((e) => e.entryRef)).toEqual(own.entries.map((e) => e.entryId));

      // Another day: empty at its balance, with a download of that day.
      await page.fill('#statement-date', '2020-01-01');
      await page.click('form.statement-form button[type=submit]');
      await page.waitForSelector('#statement-result .statement[data-entries="0"]');
      expect(await page.textContent('#statement-entries tbody')).toBe('No entry in this period.');
      expect(await page.getAttribute('#statement-download', 'href')).toContain('date=2020-01-01&format=xml');

      // Each payment links to its page.
      await page.fill('#statement-date', today);
      await page.click('form.statement-form button[type=submit]');
      await page.locator(`#statement-entries tr[data-uetr="${uetr}"] a.uetr`).click();
      await page.waitForSelector('#payment-status [data-status="SETTLED"]');
      expect(page.url()).toContain(`#/payments/${uetr}`);
      await context.close();
    },
    TEST_TIMEOUT_MS,
  );
});

async function expectText(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector, { hasText: text }).waitFor({ timeout: 30_000 });
}

/** Runs in the page: remembers, per UETR, each status a payments-table row was shown with, in order. */
const RECORD_ROW_STATUSES = `(() => {
  const seen = (window.seenStatuses = {});
  new MutationObserver((records) => {
    for (const r of records) for (const node of r.addedNodes) {
      if (!(node instanceof HTMLTableRowElement) || !node.dataset.uetr) continue;
      const list = (seen[node.dataset.uetr] ??= []);
      if (list[list.length - 1] !== node.dataset.shown) list.push(node.dataset.shown);
    }
  }).observe(document.querySelector('table.payments tbody'), { childList: true });
})()`;
