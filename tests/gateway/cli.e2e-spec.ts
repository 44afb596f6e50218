import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AccountEntry, AccountStatement, Quote } from '@nostro/client';
import { buildPacs008Inbound, parseCamt053, parsePacs002, validateXml, type Pacs008Transaction } from '@nostro/iso20022';
import { base64UrlEncode } from '@nostro/shared';
import { amountOf, cluster, eventually, fundFxDesk, minorOf } from '../support/cluster';
import { nostro } from './support/cli';
import { bankWithKey, signed } from './support/gateway';

describe('the nostro CLI', () => {
  let dir: string;
  let env: Record<string, string>;
  let creditorEnv: Record<string, string>;
  let creditorId: string;
  let creditorSeed: Uint8Array;
  let debtorBank: Awaited<ReturnType<typeof bankWithKey>>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nostro-cli-'));
    const debtor = await bankWithKey(['USD'], { deposits: { USD: '100.00' } });
    const creditor = await bankWithKey(['EUR']);
    debtorBank = debtor;
    creditorId = creditor.id;
    creditorSeed = creditor.seed;
    await fundFxDesk('EUR', '10000.00');
    fs.writeFileSync(path.join(dir, 'debtor.key'), base64UrlEncode(debtor.seed));
    fs.writeFileSync(path.join(dir, 'creditor.key'), base64UrlEncode(creditor.seed));
    env = { NOSTRO_URL: cluster().gatewayUrl, NOSTRO_PARTICIPANT: debtor.id, NOSTRO_KEY_FILE: path.join(dir, 'debtor.key') };
    creditorEnv = { NOSTRO_URL: cluster().gatewayUrl, NOSTRO_PARTICIPANT: creditor.id, NOSTRO_KEY_FILE: path.join(dir, 'creditor.key') };
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs as the built program: --help for the program and a command', async () => {
    // Every command's help is checked in-process (libs/client/src/cli/program.spec.ts); here, that the build runs.
    const help = await nostro(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['quote', 'pay', 'statement', 'pacs008', 'keys', 'admin']) expect(help.stdout).toContain(command);
    const sub = await nostro(['pay', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('Usage: nostro pay');
  });

  it('quotes, pays, waits for finality, shows the status, verifies the proof and lists the incoming payment', async () => {
    const quote = await nostro(['quote', '--from', 'USD', '--to', 'EUR', '--send', '10.00', '--creditor', creditorId], env);
    expect(quote.code).toBe(0);
    const q = JSON.parse(quote.stdout) as { id: string; totalDebit: string };
    const pay = await nostro(
      [
        'pay',
        '--quote',
        q.id,
        '--end-to-end-id',
        'CLI-1',
        '--debtor-name',
        'Alice',
        '--debtor-account',
        'US1',
        '--creditor-name',
        'Bob',
        '--creditor-account',
        'DE1',
        '--wait',
        '60',
      ],
      env,
    );
    expect(pay.code).toBe(0);
    const payment = JSON.parse(pay.stdout) as { uetr: string; status: string };
    expect(payment.status).toBe('SETTLED');
    const status = await nostro(['status', payment.uetr], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ uetr: payment.uetr, status: 'SETTLED', timeline: expect.any(Array) });
    const verify = await nostro(['verify', payment.uetr], env);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ uetr: payment.uetr, verified: true });
    const incoming = await nostro(['incoming', '--status', 'SETTLED'], creditorEnv);
    expect((JSON.parse(incoming.stdout) as { data: { uetr: string }[] }).data.map((p) => p.uetr)).toContain(payment.uetr);
    const one = await nostro(['incoming', payment.uetr], creditorEnv);
    expect(JSON.parse(one.stdout)).toMatchObject({ uetr: payment.uetr, debtor: { name: 'Alice', account: 'US1' } });
    // Offline: a saved proof and pinned keys; a proof for another payment does not verify (exit 3).
    const proofFile = path.join(dir, 'proof.json');
    const keysFile = path.join(dir, 'keys.json');
    const proof = await signed({ path: `/v1/incoming-payments/${payment.uetr}/finality`, keyId: creditorId, seed: creditorSeed });
    fs.writeFileSync(proofFile, JSON.stringify(proof.body));
    fs.writeFileSync(keysFile, JSON.stringify(await (await fetch(`${cluster().gatewayUrl}/v1/keys`)).json()));
    const offline = await nostro(['verify', payment.uetr, '--proof-file', proofFile, '--keys-file', keysFile]);
    expect({ code: offline.code, verified: (JSON.parse(offline.stdout) as { verified: boolean }).verified }).toEqual({ code: 0, verified: true });
    const wrong = await nostro(['verify', '00000000-0000-4000-8000-000000000000', '--proof-file', proofFile, '--keys-file', keysFile]);
    expect(wrong.code).toBe(3);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ verified: false, reason: 'the proof is of another transaction' });
  });

  it('recalls a settled payment, answers the recall by returning half, returns the rest and verifies a return offline', async () => {
    const q = JSON.parse((await nostro(['quote', '--from', 'USD', '--to', 'EUR', '--send', '8.00', '--creditor', creditorId], env)).stdout) as { id: string };
    const payArgs = ['pay', '--quote', q.id, '--end-to-end-id', 'CLI-2', '--debtor-name', 'A', '--debtor-account', '1', '--creditor-name', 'B'];
    const paid = JSON.parse((await nostro([...payArgs, '--creditor-account', '2', '--wait', '60'], env)).stdout) as { uetr: string; receiveAmount: string };
    const recall = await nostro(['recall', paid.uetr, '--reason', 'dupl', '--comment', 'sent twice'], env);
    expect({ code: recall.code, body: JSON.parse(recall.stdout) as unknown }).toMatchObject({ code: 0, body: { status: 'PENDING', reason: 'DUPL' } });
    const half = amountOf((minorOf(paid.receiveAmount, 'EUR') + 1n) / 2n, 'EUR'); // half, rounded half up
    const answer = await nostro(['respond-recall', paid.uetr, '--accept', '--amount', half], creditorEnv);
    expect(answer.code).toBe(0);
    const { returnId } = JSON.parse(answer.stdout) as { returnId: string; status: string };
    expect(JSON.parse(answer.stdout)).toMatchObject({ status: 'ACCEPTED', returnId: expect.any(String) });
    const rest = await nostro(['return', paid.uetr, '--reason', 'AC04'], creditorEnv);
    expect(rest.code).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ status: 'RECEIVED', reason: 'AC04' });
    const done = await eventually(
      async () => JSON.parse((await nostro(['status', paid.uetr], env)).stdout) as { status: string; returnedAmount: string },
      (p) => p.status === 'RETURNED',
    );
    expect(done.returnedAmount).toBe(paid.receiveAmount);
    const verified = await nostro(['verify', paid.uetr, '--return', returnId], env);
    expect({ code: verified.code, body: JSON.parse(verified.stdout) as unknown }).toMatchObject({ code: 0, body: { verified: true } });
    // Bad usage never reaches the gateway: an unknown reason code, or both --accept and --reject.
    const badReason = await nostro(['return', paid.uetr, '--reason', 'ZZZZ'], creditorEnv);
    expect({ code: badReason.code, listsCodes: badReason.stderr.includes('AC01') }).toEqual({ code: 2, listsCodes: true });
    expect((await nostro(['respond-recall', paid.uetr, '--accept', '--reject', '--reason', 'CUST'], creditorEnv)).code).toBe(2);
    const tooLate = await nostro(['cancel', paid.uetr], env);
    expect({ code: tooLate.code, problem: JSON.parse(tooLate.stderr) as unknown }).toMatchObject({ code: 1, problem: { code: 'payment_not_cancellable' } });
  });

  it('sends a pacs.008 file (exit 0 all RCVD, 4 with a RJCT), then reconciles with entries and statements, JSON and camt.053', async () => {
    const [q1, q2] = await Promise.all(
      ['5.00', '6.00'].map((sendAmount) =>
        debtorBank.client.createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount, creditorParticipant: creditorId }),
      ),
    );
    const tx = (index: number, q: Quote, uetr?: string): Pacs008Transaction => ({
      index,
      quoteId: q.id,
      ...(uetr ? { uetr } : {}),
      endToEndId: `CLI-ISO-${index}`,
      amount: q.sendAmount,
      currency: 'USD',
      debtor: { name: 'Zoë Ångström', account: 'US0012345' },
      creditor: { name: 'Bernd Beispiel', account: 'DE89370400440532013000' },
      debtorAgent: debtorBank.id,
      creditorAgent: creditorId,
    });
    const file = (name: string, transactions: Pacs008Transaction[]) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, buildPacs008Inbound({ messageId: `CLI-${randomUUID().slice(0, 8)}`, createdAt: new Date().toISOString(), transactions }));
      return p;
    };
    const uetr = randomUUID();
    const sent = await nostro(['pacs008', file('one.xml', [tx(0, q1, uetr)]), '--idempotency-key', `cli-${uetr}`], env);
    expect({ code: sent.code, stderr: sent.stderr }).toEqual({ code: 0, stderr: '' });
    expect((await validateXml('pacs.002.001.11', sent.stdout)).issues).toEqual([]);
    expect(parsePacs002(sent.stdout).transactions).toEqual([expect.objectContaining({ uetr, status: 'RCVD', endToEndId: 'CLI-ISO-0' })]);
    // The quote is used now: a second file reusing it has that transaction refused, the other received (exit 4).
    const part = await nostro(['pacs008', file('two.xml', [tx(0, q2), tx(1, q1)])], env);
    expect(part.code).toBe(4);
    expect(parsePacs002(part.stdout).transactions.map((t) => [t.status, t.reason?.additionalInfo])).toEqual([
      ['RCVD', undefined],
      ['RJCT', 'quote_already_used'],
    ]);
    expect(part.stderr).toContain('CLI-ISO-1 RJCT NARR quote_already_used');
    const second = parsePacs002(part.stdout).transactions[0].uetr as string;
    for (const u of [uetr, second]) {
      await eventually(
        () => debtorBank.client.getPayment(u),
        (p) => p.status === 'SETTLED',
      );
    }

    // Entries: every page, the two payments among them, running balances chaining to the statement's closing balance.
    const all = await eventually(
      async () => JSON.parse((await nostro(['entries', 'usd', '--all', '--limit', '2'], env)).stdout) as { data: AccountEntry[]; nextCursor: null },
      (page) => [uetr, second].every((u) => page.data.some((e) => e.uetr === u)),
    );
    expect(all.nextCursor).toBeNull();
    expect(all.data[0]).toMatchObject({ kind: 'deposit', direction: 'credit', amount: '100.00', counterparty: 'EXTERNAL' });
    expect(all.data.find((e) => e.uetr === uetr)).toMatchObject({ kind: 'payment', direction: 'debit', endToEndId: 'CLI-ISO-0', counterparty: creditorId });
    const onePage = JSON.parse((await nostro(['entries', 'USD', '--limit', '1'], env)).stdout) as { data: AccountEntry[]; nextCursor: string };
    expect(onePage.data).toEqual(all.data.slice(0, 1));
    expect(onePage.nextCursor).toEqual(expect.any(String));

    const whole = await nostro(['statement', 'USD'], env);
    expect(whole.code).toBe(0);
    const statement = JSON.parse(whole.stdout) as AccountStatement;
    expect(statement).toMatchObject({ currency: 'USD', openingBalance: '0.00', interim: true, entryCount: all.data.length });
    expect(statement.entries).toEqual(all.data);
    expect(statement.closingBalance).toBe(all.data[all.data.length - 1].balanceAfter);
    const usd = (a: string) => minorOf(a, 'USD');
    expect(usd(statement.openingBalance) + usd(statement.totalCredits) - usd(statement.totalDebits)).toBe(usd(statement.closingBalance));

    // The day's statement as camt.053: valid, with the JSON statement's balances and entries.
    const today = new Date().toISOString().slice(0, 10);
    const day = JSON.parse((await nostro(['statement', 'USD', '--date', today], env)).stdout) as AccountStatement;
    const xml = await nostro(['statement', 'USD', '--date', today, '--xml'], env);
    expect(xml.code).toBe(0);
    expect((await validateXml('camt.053.001.08', xml.stdout)).issues).toEqual([]);
    const camt = parseCamt053(xml.stdout);
    expect({ opening: camt.openingBalance.amount, closing: camt.closingBalance.amount, interim: camt.interim }).toEqual({
      opening: day.openingBalance,
      closing: day.closingBalance,
      interim: true,
    });
    expect(camt.entries.map((e) => [e.entryRef, e.amount.amount, e.direction])).toEqual(day.entries.map((e) => [e.entryId, e.amount, e.direction]));
    expect(camt.entries.map((e) => e.entryRef)).toEqual(expect.arrayContaining(all.data.filter((e) => e.uetr === uetr).map((e) => e.entryId)));

    // Usage errors never reach the gateway; an account the bank does not hold is the API's 404.
    expect((await nostro(['statement', 'USD', '--date', today, '--from-height', '1'], env)).code).toBe(2);
    const foreign = await nostro(['statement', 'GBP'], env);
    expect({ code: foreign.code, problem: JSON.parse(foreign.stderr) as unknown }).toMatchObject({ code: 1, problem: { status: 404, code: 'not_found' } });
  });

  it('rotates a bank’s key with the CLI alone: keys generate, add (signed with the old key), revoke the old one with the new', async () => {
    const bank = await bankWithKey(['USD']);
    const oldKey = path.join(dir, `${bank.id}.key`);
    fs.writeFileSync(oldKey, base64UrlEncode(bank.seed));
    const asOld = { NOSTRO_URL: cluster().gatewayUrl, NOSTRO_PARTICIPANT: bank.id, NOSTRO_KEY_FILE: oldKey };
    const newKey = path.join(dir, `${bank.id}-2027.key`);
    const generated = await nostro(['keys', 'generate', newKey]);
    expect(generated.code).toBe(0);
    const { publicKey } = JSON.parse(generated.stdout) as { publicKey: string };
    const added = await nostro(['keys', 'add', `${bank.id}-2027`, '--seed-file', newKey], asOld);
    expect({ code: added.code, stderr: added.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(added.stdout)).toMatchObject({ keyId: `${bank.id}-2027`, participant: bank.id, publicKey, revokedAt: null });

    // The new key signs at once; revoking the old one with it leaves the old one refused.
    const asNew = { ...asOld, NOSTRO_KEY_FILE: newKey, NOSTRO_KEY_ID: `${bank.id}-2027` };
    expect((await nostro(['incoming', '--limit', '1'], asNew)).code).toBe(0);
    const revoked = await nostro(['keys', 'revoke', bank.id], asNew);
    expect({ code: revoked.code, out: JSON.parse(revoked.stdout) as unknown }).toEqual({ code: 0, out: { keyId: bank.id, revoked: true } });
    const stale = await nostro(['incoming', '--limit', '1'], asOld);
    expect({ code: stale.code, problem: JSON.parse(stale.stderr) as unknown }).toMatchObject({ code: 1, problem: { status: 401, code: 'key_unknown' } });

    // Never the last key; a second add of the same key id is the API's conflict.
    const last = await nostro(['keys', 'revoke', `${bank.id}-2027`], asNew);
    expect({ code: last.code, problem: JSON.parse(last.stderr) as unknown }).toMatchObject({ code: 1, problem: { status: 409, code: 'last_key' } });
    const again = await nostro(['keys', 'add', `${bank.id}-2027`, '--public-key', publicKey], asNew);
    expect({ code: again.code, problem: JSON.parse(again.stderr) as unknown }).toMatchObject({ code: 1, problem: { status: 409 } });
  });

  it('prints the problem and exits 1 on an API refusal, 2 on a usage error', async () => {
    const refused = await nostro(
      ['pay', '--quote', 'q_nope', '--end-to-end-id', 'X', '--debtor-name', 'A', '--debtor-account', '1', '--creditor-name', 'B', '--creditor-account', '2'],
      env,
    );
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr)).toMatchObject({ code: 'quote_not_found', status: 404 });
    const usage = await nostro(['quote', '--from', 'USD', '--to', 'EUR', '--creditor', creditorId], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('exactly one of --send and --receive');
    const noKey = await nostro(['status', '00000000-0000-4000-8000-000000000000'], { NOSTRO_URL: cluster().gatewayUrl });
    expect(noKey.code).toBe(2);
  });
});
