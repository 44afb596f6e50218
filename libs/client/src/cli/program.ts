/**
 * The `nostro` command line: quote, pay, status, verify and incoming, the way back (cancel, recall, respond-recall,
 * return), conditional payments (condition, pay --condition-hash, fulfil), account statements and entries, ISO 20022 payments (pacs008) and the bank's own keys (keys) on top of the
 * bank SDK; and, with an operator token, the operator calls held for a second admin (admin requests, approve, reject).
 * Every command prints JSON on stdout, but for the ISO 20022 documents (`statement --xml`, `pacs008`), printed as XML;
 * a refusal prints the RFC 9457 problem on stderr. Exit status: 0 ok, 1 API or network error, 2 usage error, 3 a proof
 * or signature that does not verify, 4 a pacs.008 with a transaction refused (RJCT).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { base64UrlDecode, base64UrlEncode, conditionHashSchema, generateEd25519KeyPair, preimageSchema, publicKeyFromSeed } from '@nostro/shared-node';
import fs from 'node:fs';
import { NostroAdminClient } from '../nostro-admin.client';
import { NostroApiError, NostroNetworkError } from '../nostro-api.error';
import { NostroClient } from '../nostro.client';
import {
  RECALL_REASONS,
  RECALL_REJECT_REASONS,
  RETURN_REASONS,
  type AccountEntry,
  type Condition,
  type CreateQuoteRequest,
  type NetworkKeys,
  type OperatorRequestStatus,
  type Payment,
  type PaymentFinality,
  type PaymentStatus,
  type RecallReason,
  type RecallRejectReason,
  type RecallResponseRequest,
  type ReturnReason,
} from '../types';
import { verifyPaymentFinality, verifyReturnFinality } from '../webhook';
import { newCondition } from '../condition';

/** Where the CLI writes (options read NOSTRO_* from process.env through commander). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

interface GlobalOptions {
  url: string;
  participant?: string;
  keyFile?: string;
  keyId?: string;
}

/** Exit statuses. */
export const EXIT = { ok: 0, api: 1, usage: 2, unverified: 3, rejected: 4 } as const;
const FINAL: readonly PaymentStatus[] = ['SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED'];
const WAIT_POLL_MS = 500;

class UsageError extends Error {}
class Unverified extends Error {}
/** A pacs.008 the gateway answered with at least one transaction not RCVD. */
class Rejected extends Error {}

function client(opts: GlobalOptions): NostroClient {
  if (!opts.participant) throw new UsageError('--participant (or NOSTRO_PARTICIPANT) is required');
  if (!opts.keyFile) throw new UsageError('--key-file (or NOSTRO_KEY_FILE) is required');
  let seed: string;
  try {
    seed = fs.readFileSync(opts.keyFile, 'utf8').trim();
  } catch {
    throw new UsageError(`cannot read the key file ${opts.keyFile}`);
  }
  return new NostroClient({ baseUrl: opts.url, participantId: opts.participant, keyId: opts.keyId, seed });
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    throw new UsageError(`cannot read ${what} from ${file} (JSON expected)`);
  }
}

async function waitFinal(fetch: () => Promise<Payment>, timeoutS: number, until: readonly PaymentStatus[] = FINAL): Promise<Payment> {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const payment = await fetch();
    if (until.includes(payment.status) || Date.now() > deadline) return payment;
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}

type Codes<C extends string> = Readonly<Record<C, string>>;

/** An option parser taking one of `codes` (in any case) and refusing anything else with the list of allowed codes. */
function isoCode<C extends string>(codes: Codes<C>): (value: string) => C {
  return (value) => {
    const code = value.trim().toUpperCase();
    if (Object.hasOwn(codes, code)) return code as C;
    throw new InvalidArgumentError(`Allowed: ${Object.keys(codes).join(', ')} (see --help).`);
  };
}

/** `title`, then one line per code with its meaning, for the end of a command's --help. */
function codesHelp(title: string, codes: Codes<string>): string {
  const lines = Object.entries(codes).map(([code, meaning]) => `  ${code}  ${meaning}`);
  return `\n${title}:\n${lines.join('\n')}\n`;
}

function quoteRequest(o: { from: string; to: string; send?: string; receive?: string; creditor: string }): CreateQuoteRequest {
  if ((o.send === undefined) === (o.receive === undefined)) throw new UsageError('give exactly one of --send and --receive');
  const base = { sourceCurrency: o.from, targetCurrency: o.to, creditorParticipant: o.creditor };
  return o.send !== undefined ? { ...base, sendAmount: o.send } : { ...base, receiveAmount: o.receive as string };
}

type Print = (value: unknown) => void;
type Globals = () => GlobalOptions;
/** Prints a document (XML) as it came, ending with a newline. */
type PrintText = (text: string) => void;

/** The program, with its output injected (tests run it in-process). */
export function buildProgram(io: CliIo): Command {
  const print: Print = (value) => io.out(`${JSON.stringify(value, null, 2)}\n`);
  const printText: PrintText = (text) => io.out(text.endsWith('\n') ? text : `${text}\n`);
  const program = new Command('nostro')
    .description(
      'Command line for banks on the Nostro settlement network: quotes, payments, finality proofs, cancellations, recalls and returns, account statements, ISO 20022 payments and your own request-signing keys; and for operators, the calls held for a second admin.',
    )
    .addOption(new Option('--url <url>', 'gateway public base URL (what requests are signed for)').env('NOSTRO_URL').default('http://127.0.0.1:3000'))
    .addOption(new Option('--participant <id>', 'your participant id, e.g. BANKUS33').env('NOSTRO_PARTICIPANT'))
    .addOption(new Option('--key-file <file>', 'your Ed25519 seed: one line, 32 bytes base64url').env('NOSTRO_KEY_FILE'))
    .addOption(new Option('--key-id <id>', 'key id to sign with (default: the participant id)').env('NOSTRO_KEY_ID'))
    .addHelpText(
      'after',
      '\nExit status: 0 done; 1 the API refused (problem on stderr) or the gateway could not\n' +
        'be reached; 2 usage error; 3 verify: the proof does not verify; 4 pacs008: at\n' +
        'least one transaction refused (RJCT).\n',
    )
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  const globals: Globals = () => program.opts<GlobalOptions>();
  addQuote(program, globals, print);
  addCondition(program, print);
  addPay(program, globals, print);
  addStatus(program, globals, print);
  addVerify(program, globals, print);
  addIncoming(program, globals, print);
  addCancel(program, globals, print);
  addRecall(program, globals, print);
  addRespondRecall(program, globals, print);
  addReturn(program, globals, print);
  addFulfil(program, globals, print);
  addStatement(program, globals, print, printText);
  addEntries(program, globals, print);
  addPacs008(program, globals, printText, (text) => io.err(text));
  addKeys(program, globals, print);
  addAdmin(program, globals, print);
  return program;
}

function addQuote(program: Command, globals: Globals, print: Print): void {
  program
    .command('quote')
    .description('ask for a quote (prints it, with its id for `nostro pay`)')
    .requiredOption('--from <currency>', 'source currency (ISO 4217)')
    .requiredOption('--to <currency>', 'target currency (ISO 4217)')
    .option('--send <amount>', 'amount to send, major units ("1000.00")')
    .option('--receive <amount>', 'amount the creditor must receive, major units')
    .requiredOption('--creditor <participant>', 'the beneficiary bank')
    .action(async (o: { from: string; to: string; send?: string; receive?: string; creditor: string }) =>
      print(await client(globals()).createQuote(quoteRequest(o))),
    );
}

interface PayOptions {
  quote: string;
  endToEndId: string;
  debtorName: string;
  debtorAccount: string;
  creditorName: string;
  creditorAccount: string;
  remittance?: string;
  queueFor?: number;
  conditionHash?: string;
  conditionExpires?: string;
  idempotencyKey?: string;
  wait?: string | boolean;
}

/** `--condition-hash <hex>`: a SHA-256, 64 hex digits (lower-cased). */
function sha256Hex(value: string): string {
  const hex = value.trim().toLowerCase();
  if (!conditionHashSchema.safeParse(hex).success) throw new InvalidArgumentError('a SHA-256 hash: 64 hex digits (see `nostro condition`)');
  return hex;
}

/** An RFC 3339 instant with its offset, e.g. 2031-01-02T03:04:05Z, normalised to UTC. */
function instant(value: string): string {
  const text = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) || Number.isNaN(Date.parse(text)))
    throw new InvalidArgumentError('an RFC 3339 instant with its offset, e.g. 2031-01-02T03:04:05Z');
  return new Date(text).toISOString();
}

/** `--preimage <b64url>`: base64url without padding, as `nostro condition` prints it. */
function preimageText(value: string): string {
  const text = value.trim();
  if (!preimageSchema.safeParse(text).success) throw new InvalidArgumentError('base64url without padding, at most 256 characters');
  return text;
}

/** The payment's hash-lock from `--condition-hash` and `--condition-expires`: both or neither. */
function paymentCondition(o: Pick<PayOptions, 'conditionHash' | 'conditionExpires'>): { condition?: Condition } {
  if ((o.conditionHash === undefined) !== (o.conditionExpires === undefined))
    throw new UsageError('give both --condition-hash and --condition-expires, or neither');
  if (o.conditionHash === undefined || o.conditionExpires === undefined) return {};
  return { condition: { type: 'sha256', hash: o.conditionHash, expiresAt: o.conditionExpires } };
}

/** `--queue-for <seconds>`: whole seconds, 1 to 86,400 (API.md "Liquidity queue"). */
function queueSeconds(value: string): number {
  const n = /^[0-9]{1,5}$/.test(value) ? Number.parseInt(value, 10) : Number.NaN;
  if (!(n >= 1 && n <= 86_400)) throw new InvalidArgumentError('whole seconds, 1 to 86400');
  return n;
}

function addPay(program: Command, globals: Globals, print: Print): void {
  program
    .command('pay')
    .description('submit a payment on a quote (safe to repeat with the same --idempotency-key)')
    .requiredOption('--quote <id>', 'quote id from `nostro quote`')
    .requiredOption('--end-to-end-id <id>', 'your end-to-end reference (1-35 characters)')
    .requiredOption('--debtor-name <name>', 'ordering customer name')
    .requiredOption('--debtor-account <account>', 'ordering customer account (IBAN or local)')
    .requiredOption('--creditor-name <name>', 'beneficiary name')
    .requiredOption('--creditor-account <account>', 'beneficiary account (IBAN or local)')
    .option('--remittance <text>', 'remittance information (up to 140 characters)')
    .option('--queue-for <seconds>', 'short of funds, wait in your account’s liquidity queue this long (1-86400 s) instead of being rejected', queueSeconds)
    .option('--condition-hash <hex>', 'hold the funds in escrow until the preimage of this SHA-256 is given (`nostro fulfil`)', sha256Hex)
    .option('--condition-expires <rfc3339>', 'with --condition-hash: when the escrow goes back to you if not fulfilled (at most 30 days ahead)', instant)
    .option('--idempotency-key <key>', 'reuse to repeat the same payment safely (default: a new UUID)')
    .option('--wait [seconds]', 'wait until SETTLED, REJECTED, CANCELLED or RETURNED (with a condition: or RESERVED) (default 60 s)')
    .addHelpText(
      'after',
      '\nA conditional payment (escrow): make a secret and its hash with `nostro condition`,\n' +
        'pay with the hash, and give the secret (preimage) to whoever confirms delivery:\n' +
        '  nostro condition --expires 2031-01-09T00:00:00Z\n' +
        '  nostro pay --quote q_… … --condition-hash 9f86d0… --condition-expires 2031-01-09T00:00:00Z\n' +
        'It is RESERVED until the creditor bank fulfils it (then SETTLED) or the deadline passes\n' +
        '(then REJECTED condition_expired, everything back to you).\n',
    )
    .action(async (o: PayOptions) => {
      const condition = paymentCondition(o);
      const c = client(globals());
      const payment = {
        quoteId: o.quote,
        endToEndId: o.endToEndId,
        debtor: { name: o.debtorName, account: o.debtorAccount },
        creditor: { name: o.creditorName, account: o.creditorAccount },
        ...(o.remittance ? { remittanceInfo: o.remittance } : {}),
        ...(o.queueFor === undefined ? {} : { liquidity: { onShortfall: 'queue' as const, queueFor: o.queueFor } }),
        ...condition,
      };
      const accepted = await c.createPayment(payment, { idempotencyKey: o.idempotencyKey });
      const until = condition.condition ? [...FINAL, 'RESERVED' as const] : FINAL;
      print(o.wait ? await waitFinal(() => c.getPayment(accepted.uetr), seconds(o.wait), until) : accepted);
    });
}

function addCondition(program: Command, print: Print): void {
  program
    .command('condition')
    .description('make a conditional payment’s secret (preimage) and its SHA-256 hash, locally (nothing is sent)')
    .requiredOption('--expires <rfc3339>', 'when the escrow goes back to the debtor if not fulfilled (at most 30 days ahead)', instant)
    .addHelpText(
      'after',
      '\nPrints { preimage, condition: { type: "sha256", hash, expiresAt } }: a fresh random\n' +
        '32-byte preimage (base64url) and its hash. Pay with the hash (`nostro pay\n' +
        '--condition-hash <hash> --condition-expires <expiresAt>`); whoever holds the preimage\n' +
        'can release the funds (`nostro fulfil <uetr> --preimage <preimage>`), so keep it\n' +
        'secret until delivery.\n',
    )
    .action((o: { expires: string }) => print(newCondition(o.expires)));
}

function addFulfil(program: Command, globals: Globals, print: Print): void {
  program
    .command('fulfil')
    .description('release a RESERVED payment you receive with the preimage of its condition (conditional payments)')
    .argument('<uetr>', 'the incoming payment UUID')
    .requiredOption('--preimage <b64url>', 'the secret whose SHA-256 is the condition’s hash, base64url', preimageText)
    .option('--idempotency-key <key>', IDEMPOTENCY_KEY_HELP)
    .option('--wait [seconds]', 'wait until SETTLED or REJECTED (default 60 s)')
    .addHelpText(
      'after',
      '\nPrints { uetr, status: "RESERVED" } once the fulfilment is sent; it settles when its\n' +
        'block is final, before the deadline by block time. Refused at once: 422\n' +
        'condition_not_met (wrong preimage), 409 condition_expired, 409 payment_not_reserved\n' +
        '(not in escrow: not yet, or no longer). Then: nostro verify <uetr> --incoming\n',
    )
    .action(async (uetr: string, o: { preimage: string; idempotencyKey?: string; wait?: string | boolean }) => {
      const c = client(globals());
      const sent = await c.fulfil(uetr, o.preimage, { idempotencyKey: o.idempotencyKey });
      print(o.wait ? await waitFinal(() => c.getIncomingPayment(uetr), seconds(o.wait)) : sent);
    });
}

function addStatus(program: Command, globals: Globals, print: Print): void {
  program
    .command('status')
    .description('a payment with its timeline (SWIFT gpi style)')
    .argument('<uetr>', 'the payment UUID')
    .option('--wait [seconds]', 'wait until SETTLED, REJECTED, CANCELLED or RETURNED (default 60 s)')
    .action(async (uetr: string, o: { wait?: string | boolean }) => {
      const c = client(globals());
      print(o.wait ? await waitFinal(() => c.getPayment(uetr), seconds(o.wait)) : await c.getPayment(uetr));
    });
}

interface VerifyOptions {
  incoming?: boolean;
  return?: string;
  proofFile?: string;
  keysFile?: string;
  uetr?: string;
}

function addVerify(program: Command, globals: Globals, print: Print): void {
  program
    .command('verify')
    .description("verify a finality proof offline, a payment's or one of its returns': fetched by uetr, or read from --proof-file")
    .argument('[uetr]', 'payment UUID (fetches the proof unless --proof-file is given)')
    .option('--incoming', 'the payment is one you receive (creditor view; with --return: a return you made)')
    .option('--return <returnId>', "verify the proof of this return of the payment instead of the payment's own")
    .option('--proof-file <file>', 'a proof saved earlier (JSON of GET .../finality)')
    .option('--keys-file <file>', 'pinned keys (JSON of GET /v1/keys); default: fetched from the gateway')
    .option('--uetr <uetr>', 'with --proof-file: the payment the proof must be about')
    .action(async (arg: string | undefined, o: VerifyOptions) => {
      const uetr = arg ?? o.uetr;
      if (!uetr) throw new UsageError('give the payment uetr');
      const keys = o.keysFile ? readJson<NetworkKeys>(o.keysFile, 'keys') : undefined;
      const subject = { uetr, returnId: o.return };
      if (o.proofFile) {
        const proof = readJson<PaymentFinality>(o.proofFile, 'the proof');
        const trusted = keys ?? (await client(globals()).getKeys());
        const verdict = o.return === undefined ? verifyPaymentFinality(uetr, proof, trusted) : verifyReturnFinality(uetr, o.return, proof, trusted);
        return report(print, subject, proof, verdict);
      }
      const c = client(globals());
      const fetched = { incoming: o.incoming, keys };
      const { proof, ...verdict } = o.return === undefined ? await c.verifyFinality(uetr, fetched) : await c.verifyReturnFinality(uetr, o.return, fetched);
      return report(print, subject, proof, verdict);
    });
}

function addIncoming(program: Command, globals: Globals, print: Print): void {
  program
    .command('incoming')
    .description('payments to you: a list, or one with the parties to credit')
    .argument('[uetr]', 'one incoming payment')
    .option('--status <status>', 'RECEIVED, HELD, QUEUED, SUBMITTED, RESERVED, SETTLED, REJECTED, CANCELLED or RETURNED')
    .option('--since <time>', 'ISO 8601 date-time')
    .option('--limit <n>', 'page size (up to 1000)', (v) => Number.parseInt(v, 10))
    .option('--cursor <cursor>', 'next page (nextCursor of the previous one)')
    .action(async (uetr: string | undefined, o: { status?: PaymentStatus; since?: string; limit?: number; cursor?: string }) => {
      const c = client(globals());
      print(uetr ? await c.getIncomingPayment(uetr) : await c.listIncomingPayments({ status: o.status, since: o.since, limit: o.limit, cursor: o.cursor }));
    });
}

const IDEMPOTENCY_KEY_HELP = 'reuse to repeat the same request safely (default: a new UUID)';

function addCancel(program: Command, globals: Globals, print: Print): void {
  program
    .command('cancel')
    .description('cancel a payment of yours that has not reached the ledger (RECEIVED, HELD or QUEUED)')
    .argument('<uetr>', 'the payment UUID')
    .option('--reason <text>', 'why, in your words')
    .option('--idempotency-key <key>', IDEMPOTENCY_KEY_HELP)
    .addHelpText(
      'after',
      '\nAnswered once settlement has decided: { uetr, status: "CANCELLED" }; the quote\n' +
        'stays used. Too late (the payment reached the ledger): 409\n' +
        'payment_not_cancellable; recall a settled payment with `nostro recall`.\n',
    )
    .action(async (uetr: string, o: { reason?: string; idempotencyKey?: string }) => {
      const body = o.reason === undefined ? {} : { reason: o.reason };
      print(await client(globals()).cancelPayment(uetr, body, { idempotencyKey: o.idempotencyKey }));
    });
}

function addRecall(program: Command, globals: Globals, print: Print): void {
  program
    .command('recall')
    .description('ask the creditor bank to give a SETTLED payment of yours back (ISO 20022 camt.056)')
    .argument('<uetr>', 'the payment UUID')
    .requiredOption('--reason <code>', 'ISO 20022 cancellation reason, listed below', isoCode(RECALL_REASONS))
    .option('--comment <text>', 'a note for the creditor bank')
    .option('--idempotency-key <key>', IDEMPOTENCY_KEY_HELP)
    .addHelpText(
      'after',
      codesHelp('Recall reasons (--reason)', RECALL_REASONS) +
        '\nPrints the recall: PENDING until the creditor bank accepts or rejects it, or\n' +
        'EXPIRED after respondBy. Follow it with `nostro status <uetr>`.\n',
    )
    .action(async (uetr: string, o: { reason: RecallReason; comment?: string; idempotencyKey?: string }) => {
      const body = { reason: o.reason, ...(o.comment === undefined ? {} : { comment: o.comment }) };
      print(await client(globals()).recallPayment(uetr, body, { idempotencyKey: o.idempotencyKey }));
    });
}

interface RespondRecallOptions {
  accept?: boolean;
  reject?: boolean;
  reason?: RecallRejectReason;
  amount?: string;
  idempotencyKey?: string;
}

function recallResponse(o: RespondRecallOptions): RecallResponseRequest {
  if (Boolean(o.accept) === Boolean(o.reject)) throw new UsageError('give exactly one of --accept and --reject');
  if (o.accept) {
    if (o.reason !== undefined) throw new UsageError('--reason goes with --reject (an accepted recall is returned with reason FOCR)');
    return { decision: 'accept', ...(o.amount === undefined ? {} : { amount: o.amount }) };
  }
  if (o.reason === undefined) throw new UsageError(`--reject needs --reason, one of ${Object.keys(RECALL_REJECT_REASONS).join(', ')}`);
  if (o.amount !== undefined) throw new UsageError('--amount goes with --accept');
  return { decision: 'reject', reason: o.reason };
}

function addRespondRecall(program: Command, globals: Globals, print: Print): void {
  program
    .command('respond-recall')
    .description('answer the recall of a payment you received: --accept [--amount <amount>] or --reject --reason <code>')
    .argument('<uetr>', 'the incoming payment UUID')
    .option('--accept', 'give the money back, as a return with reason FOCR')
    .option('--reject', 'refuse the recall (needs --reason)')
    .option('--reason <code>', 'with --reject: ISO 20022 reason, listed below', isoCode(RECALL_REJECT_REASONS))
    .option('--amount <amount>', 'with --accept: return only this much, target currency, major units (default: all that is left)')
    .option('--idempotency-key <key>', IDEMPOTENCY_KEY_HELP)
    .addHelpText(
      'after',
      codesHelp('Reject reasons (--reject --reason)', RECALL_REJECT_REASONS) +
        '\nPrints { recallId, status, returnId? }: an accepted recall names the return it\n' +
        'made; once that settles: nostro verify <uetr> --incoming --return <returnId>\n',
    )
    .action(async (uetr: string, o: RespondRecallOptions) => {
      const body = recallResponse(o);
      print(await client(globals()).respondToRecall(uetr, body, { idempotencyKey: o.idempotencyKey }));
    });
}

function addReturn(program: Command, globals: Globals, print: Print): void {
  program
    .command('return')
    .description('send a SETTLED payment you received back to the debtor bank, without a recall (ISO 20022 pacs.004)')
    .argument('<uetr>', 'the incoming payment UUID')
    .requiredOption('--reason <code>', 'ISO 20022 return reason, listed below', isoCode(RETURN_REASONS))
    .option('--amount <amount>', 'return only this much, target currency, major units (default: all that is left)')
    .option('--idempotency-key <key>', IDEMPOTENCY_KEY_HELP)
    .addHelpText(
      'after',
      codesHelp('Return reasons (--reason)', RETURN_REASONS) +
        '\nPrints the return: RECEIVED, then SETTLED or REJECTED. The debtor bank gets\n' +
        'sourceAmount back, the same fraction of what it sent (fees are not refunded).\n' +
        'Once it settles: nostro verify <uetr> --incoming --return <returnId>\n',
    )
    .action(async (uetr: string, o: { reason: ReturnReason; amount?: string; idempotencyKey?: string }) => {
      const body = { reason: o.reason, ...(o.amount === undefined ? {} : { amount: o.amount }) };
      print(await client(globals()).returnPayment(uetr, body, { idempotencyKey: o.idempotencyKey }));
    });
}

/** An option or argument parser: a currency code in any case, upper-cased ("usd" is USD). */
function currencyCode(value: string): string {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw new InvalidArgumentError('A three-letter ISO 4217 code, e.g. USD.');
  return code;
}

function blockHeight(value: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(value.trim())) throw new InvalidArgumentError('A block height: a positive integer.');
  return Number(value.trim());
}

function utcDate(value: string): string {
  const date = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw new InvalidArgumentError('A UTC date, YYYY-MM-DD.');
  return date;
}

function pageLimit(value: string): number {
  const n = Number(value.trim());
  if (!/^[0-9]+$/.test(value.trim()) || n < 1 || n > 1000) throw new InvalidArgumentError('A page size from 1 to 1000.');
  return n;
}

interface StatementOptions {
  date?: string;
  fromHeight?: number;
  toHeight?: number;
  xml?: boolean;
}

function addStatement(program: Command, globals: Globals, print: Print, printText: PrintText): void {
  program
    .command('statement')
    .description('a statement of one of your accounts: a UTC day, a range of block heights, or the whole chain (camt.053 with --xml)')
    .argument('<currency>', 'the account, by its currency (ISO 4217)', currencyCode)
    .addOption(
      new Option('--date <YYYY-MM-DD>', 'the blocks of this UTC day (today: interim, up to the last final block)')
        .argParser(utcDate)
        .conflicts(['fromHeight', 'toHeight']),
    )
    .option('--from-height <n>', 'first block height (default 1)', blockHeight)
    .option('--to-height <n>', 'last block height, final (default: the last final block)', blockHeight)
    .option('--xml', 'print the ISO 20022 camt.053.001.08 document instead of JSON')
    .addHelpText(
      'after',
      '\nPrints { account, currency, fromHeight, toHeight, from, to, openingBalance,\n' +
        'closingBalance, totalDebits, totalCredits, entryCount, interim, entries }, where\n' +
        'openingBalance + totalCredits - totalDebits = closingBalance (the ledger balance\n' +
        'at toHeight). Without --date or heights: the whole chain, interim. More than\n' +
        '100,000 entries is refused (statement_too_large): ask for shorter height ranges.\n' +
        '\nExamples:\n' +
        '  nostro statement USD --date 2026-12-06\n' +
        '  nostro statement EUR --from-height 1000 --to-height 1999 --xml > camt053.xml\n',
    )
    .action(async (currency: string, o: StatementOptions) => {
      const query = { date: o.date, fromHeight: o.fromHeight, toHeight: o.toHeight };
      const c = client(globals());
      if (o.xml) printText(await c.getStatementXml(currency, query));
      else print(await c.getStatement(currency, query));
    });
}

interface EntriesOptions {
  fromHeight?: number;
  toHeight?: number;
  limit?: number;
  cursor?: string;
  all?: boolean;
}

function addEntries(program: Command, globals: Globals, print: Print): void {
  program
    .command('entries')
    .description('the postings to one of your accounts from final blocks, oldest first, with the running balance after each')
    .argument('<currency>', 'the account, by its currency (ISO 4217)', currencyCode)
    .option('--from-height <n>', 'from this block height', blockHeight)
    .option('--to-height <n>', 'up to this block height', blockHeight)
    .option('--limit <n>', 'page size, 1 to 1000 (default 100; with --all 1000)', pageLimit)
    .addOption(new Option('--cursor <cursor>', 'next page (nextCursor of the previous one)').conflicts('all'))
    .option('--all', 'follow every page and print all the entries as one page')
    .addHelpText(
      'after',
      '\nPrints { data: [{ entryId, height, at, kind, direction, amount, balanceAfter,\n' +
        'uetr?, returnId?, endToEndId?, counterparty?, reference? }], nextCursor }; kind is\n' +
        'payment, return, deposit, withdrawal or fee. With --all, nextCursor is null.\n',
    )
    .action(async (currency: string, o: EntriesOptions) => {
      const c = client(globals());
      const heights = { fromHeight: o.fromHeight, toHeight: o.toHeight };
      if (!o.all) return print(await c.getEntries(currency, { ...heights, limit: o.limit, cursor: o.cursor }));
      const data: AccountEntry[] = [];
      for await (const entry of c.allEntries(currency, { ...heights, ...(o.limit === undefined ? {} : { limit: o.limit }) })) data.push(entry);
      print({ data, nextCursor: null });
    });
}

function readDocument(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
}

function addPacs008(program: Command, globals: Globals, printText: PrintText, warn: (text: string) => void): void {
  program
    .command('pacs008')
    .description('send payments as an ISO 20022 pacs.008.001.09 file and print the pacs.002.001.11 status report')
    .argument('<file>', 'the pacs.008 document (XML, up to 1 MiB, 1 to 1,000 transactions)')
    .option('--idempotency-key <key>', 'reuse to send the same file again safely (default: a new UUID)')
    .addHelpText(
      'after',
      '\nEach CdtTrfTxInf is one payment on a quote: PmtId/TxId is the quote id, PmtId/UETR\n' +
        "(optional) the uetr, IntrBkSttlmAmt the quote's sendAmount, CdtrAgt its creditor\n" +
        'bank, DbtrAgt you. Prints the pacs.002 (XML) on stdout: TxSts RCVD or RJCT with\n' +
        'its ISO reason per transaction, in order. Follow a payment with `nostro status`.\n' +
        '\nExit status: 0 every transaction RCVD; 4 at least one RJCT (each listed on\n' +
        'stderr); 1 the whole file refused (e.g. 400 validation_failed, problem on stderr).\n',
    )
    .action(async (file: string, o: { idempotencyKey?: string }) => {
      const xml = readDocument(file);
      const answer = await client(globals()).sendPacs008(xml, { idempotencyKey: o.idempotencyKey });
      printText(answer.xml);
      const refused = answer.report.transactions.filter((t) => t.status !== 'RCVD');
      if (refused.length === 0) return;
      const lines = refused.map(
        (t) => `  ${t.endToEndId} ${t.status}${t.reason ? ` ${t.reason.code}${t.reason.additionalInfo ? ` ${t.reason.additionalInfo}` : ''}` : ''}`,
      );
      warn(`nostro: ${refused.length} of ${answer.report.transactions.length} transactions not received:\n${lines.join('\n')}\n`);
      throw new Rejected();
    });
}

/** The raw 32-byte public key, base64url, of a key file's seed (the seed itself never leaves this process). */
function publicKeyOfSeedFile(file: string): string {
  let seed: Uint8Array;
  try {
    seed = base64UrlDecode(fs.readFileSync(file, 'utf8').trim());
  } catch {
    throw new UsageError(`cannot read the key file ${file}`);
  }
  if (seed.length !== 32) throw new UsageError(`${file} is not an Ed25519 seed (one line, 32 bytes base64url)`);
  return base64UrlEncode(publicKeyFromSeed(seed));
}

interface KeysAddOptions {
  publicKey?: string;
  seedFile?: string;
  idempotencyKey?: string;
}

function addKeys(program: Command, globals: Globals, print: Print): void {
  const keys = program
    .command('keys')
    .description('your own request-signing keys: generate a key file, add a key, revoke one (rotation without an operator)')
    .addHelpText(
      'after',
      '\nRotation:\n' +
        '  nostro keys generate new.key                       # a new seed, 0600; prints its public key\n' +
        '  nostro keys add BANKUS33-2027 --seed-file new.key  # signed with your current key\n' +
        '  export NOSTRO_KEY_FILE=new.key NOSTRO_KEY_ID=BANKUS33-2027\n' +
        '  nostro keys revoke BANKUS33                        # the old key stops working at once\n',
    );
  keys
    .command('generate')
    .description('write a new Ed25519 seed to a file (mode 0600, never overwritten) and print its public key; sends nothing')
    .argument('<file>', 'where to write the seed: one line, 32 bytes base64url (the format --key-file reads)')
    .action((file: string) => {
      const pair = generateEd25519KeyPair();
      try {
        fs.writeFileSync(file, `${base64UrlEncode(pair.seed)}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        const exists = (error as NodeJS.ErrnoException).code === 'EEXIST';
        throw new UsageError(exists ? `${file} exists: a key file is never overwritten` : `cannot write ${file}`);
      }
      print({ file, publicKey: base64UrlEncode(pair.publicKey) });
    });
  keys
    .command('add')
    .description('add a request-signing key of your own (POST /v1/keys/participant), usable at once')
    .argument('<keyId>', 'the new key id: unique across participants, not nostro or a validator id')
    .addOption(new Option('--public-key <base64url>', 'the raw 32-byte Ed25519 public key').conflicts('seedFile'))
    .option('--seed-file <file>', 'or take the public key of this key file (e.g. from `nostro keys generate`)')
    .option('--idempotency-key <key>', IDEMPOTENCY_KEY_HELP)
    .addHelpText(
      'after',
      '\nSigned with your current key (--key-file, --key-id). Prints the key: { keyId,\n' +
        'participant, publicKey, createdAt, revokedAt }. 409 key_exists, key_id_reserved or\n' +
        'public_key_in_use; 422 limit_exceeded past 10 active keys.\n',
    )
    .action(async (keyId: string, o: KeysAddOptions) => {
      if ((o.publicKey === undefined) === (o.seedFile === undefined)) throw new UsageError('give exactly one of --public-key and --seed-file');
      const publicKey = o.publicKey ?? publicKeyOfSeedFile(o.seedFile as string);
      print(await client(globals()).addKey({ keyId, publicKey }, { idempotencyKey: o.idempotencyKey }));
    });
  keys
    .command('revoke')
    .description('revoke one of your active keys (DELETE /v1/keys/participant/{keyId}); never your last one')
    .argument('<keyId>', 'the key to revoke (it may be the one signing this request)')
    .addHelpText(
      'after',
      '\nRequests signed with it are refused (401 key_unknown) from the answer on. Your\n' +
        'last active key: 409 last_key (add another one first). Prints { keyId, revoked: true }.\n',
    )
    .action(async (keyId: string) => {
      await client(globals()).revokeKey(keyId);
      print({ keyId, revoked: true });
    });
}

const REQUEST_STATUSES: Codes<OperatorRequestStatus> = {
  PENDING_APPROVAL: 'waiting for a second admin',
  APPROVED: 'approved: the call ran (see result)',
  REJECTED: 'rejected: the call never ran',
  EXPIRED: 'nobody decided in time (APPROVAL_TTL_MS)',
};

/** An operator client from --token-file (an operator token: one line, as `npm run stack:up` writes .nostro/admin-token). */
function operatorClient(url: string, tokenFile: string | undefined): NostroAdminClient {
  if (!tokenFile) throw new UsageError('--token-file (or NOSTRO_TOKEN_FILE) is required: an operator token file');
  let token: string;
  try {
    token = fs.readFileSync(tokenFile, 'utf8').trim();
  } catch {
    throw new UsageError(`cannot read the token file ${tokenFile}`);
  }
  if (token === '') throw new UsageError(`the token file ${tokenFile} is empty`);
  return new NostroAdminClient({ baseUrl: url, token });
}

function addAdmin(program: Command, globals: Globals, print: Print): void {
  const admin = program
    .command('admin')
    .description('operators: calls held for a second admin (DUAL_CONTROL=on), liquidity queues, cancelling a payment, customer data')
    .addOption(new Option('--token-file <file>', 'your operator token (one line)').env('NOSTRO_TOKEN_FILE'))
    .addHelpText(
      'after',
      '\nWith DUAL_CONTROL=on, deposits, withdrawals, limits, screening limits, participant\n' +
        'keys and operator creation are answered 202 PENDING_APPROVAL and run only once a\n' +
        'different admin approves them. The operator who asked cannot decide its own\n' +
        'request (403 four_eyes_required); approving and rejecting needs the admin role.\n' +
        '\nExamples:\n' +
        '  export NOSTRO_TOKEN_FILE=.nostro/admin2-token\n' +
        '  nostro admin requests                             # waiting for approval\n' +
        '  nostro admin requests --status APPROVED --limit 20\n' +
        '  nostro admin approve 6f0c6a63-… --comment "SWIFT confirmation checked"\n' +
        '  nostro admin reject 6f0c6a63-… --comment "not on the funding plan"\n' +
        '  nostro admin queues --debtor BANKUS33             # what waits for funds\n' +
        '  nostro admin cancel 3f1c2a4e-… --reason "stuck since the morning"\n',
    );
  const operator = () => operatorClient(globals().url, admin.opts<{ tokenFile?: string }>().tokenFile);
  admin
    .command('requests')
    .description('held operator calls, oldest first (default: PENDING_APPROVAL), or one with its decision and result')
    .argument('[requestId]', 'one request')
    .addOption(new Option('--status <status>', 'PENDING_APPROVAL (default), APPROVED, REJECTED or EXPIRED').argParser(isoCode(REQUEST_STATUSES)))
    .option('--all', 'every status')
    .option('--limit <n>', 'page size, 1 to 1000 (default 100)', pageLimit)
    .option('--cursor <cursor>', 'next page (nextCursor of the previous one)')
    .addHelpText(
      'after',
      codesHelp('Statuses (--status)', REQUEST_STATUSES) +
        '\nPrints { data: [{ requestId, status, action, method, path, body, requestedBy,\n' +
        'createdAt, expiresAt, decidedBy?, decidedAt?, comment?, result? }], nextCursor }.\n',
    )
    .action(async (requestId: string | undefined, o: { status?: OperatorRequestStatus; all?: boolean; limit?: number; cursor?: string }) => {
      if (o.all && o.status !== undefined) throw new UsageError('give --status or --all, not both');
      const c = operator();
      if (requestId !== undefined) return print(await c.getRequest(requestId));
      print(await c.requests({ status: o.all ? undefined : (o.status ?? 'PENDING_APPROVAL'), limit: o.limit, cursor: o.cursor }));
    });
  admin
    .command('approve')
    .description("approve another operator's held call: it runs now, as they asked it, and this prints its answer")
    .argument('<requestId>', 'the request (from `nostro admin requests`)')
    .option('--comment <text>', 'why (up to 500 characters, kept with the request)')
    .addHelpText(
      'after',
      "\nPrints the held call's own answer (a deposit's, with the new balance). Your own\n" +
        'request: 403 four_eyes_required. Already decided or expired: 409\n' +
        'request_not_pending. A call that fails when it runs prints its problem (exit 1);\n' +
        'the request is APPROVED all the same, with that result.\n',
    )
    .action(async (requestId: string, o: { comment?: string }) => print(await operator().approveRequest(requestId, o.comment)));
  admin
    .command('reject')
    .description("reject another operator's held call: it never runs")
    .argument('<requestId>', 'the request (from `nostro admin requests`)')
    .option('--comment <text>', 'why (up to 500 characters; the requester reads it)')
    .addHelpText('after', '\nPrints the request, REJECTED. Your own request: 403 four_eyes_required.\n')
    .action(async (requestId: string, o: { comment?: string }) => print(await operator().rejectRequest(requestId, o.comment)));
  admin
    .command('erase-customer-data')
    .description("erase a participant's old customer data (crypto-shredding): names, accounts and remittance information")
    .argument('<participant>', 'the participant whose sent and received payments to erase')
    .option('--before <instant>', 'only payments created before this RFC 3339 instant (never younger than the retention period)')
    .addHelpText(
      'after',
      "\nDestroys the data keys of the participant's final payments created before --before and\n" +
        'before PII_RETENTION_DAYS: their parties read { erased: true } for good; amounts,\n' +
        'statuses and proofs stay. Admins only; with DUAL_CONTROL=on it waits for a second\n' +
        'admin (prints the held request: approve it with `nostro admin approve`).\n' +
        '\nExamples:\n' +
        '  nostro admin erase-customer-data BANKDEFF --before 2021-01-01T00:00:00Z\n',
    )
    .action(async (participant: string, o: { before?: string }) => {
      if (o.before !== undefined && Number.isNaN(Date.parse(o.before))) throw new UsageError('--before takes an RFC 3339 instant, e.g. 2021-01-01T00:00:00Z');
      print(await operator().eraseCustomerData(participant, { before: o.before }));
    });
  admin
    .command('queues')
    .description('the liquidity queues: per debtor account what waits, for how long, and the shortfall it waits for')
    .option('--debtor <participant>', 'only this debtor participant’s queues')
    .addOption(new Option('--currency <code>', 'only this currency').argParser((v) => v.toUpperCase()))
    .option('--limit <n>', 'page size, 1 to 1000 (default 100)', pageLimit)
    .option('--cursor <cursor>', 'next page (nextCursor of the previous one)')
    .addHelpText(
      'after',
      '\nPrints { height, at, data: [{ account, participant, currency, balance, netDebitCap,\n' +
        'queued, shortfall, oldestAge, entries: [{ uetr, txId, amount, arrivedAt, age,\n' +
        'queuedUntil, shortfall }] }], nextCursor }: shortfall = queued - (balance +\n' +
        'netDebitCap), at least zero; age in seconds. Cancel an entry with `nostro admin cancel`.\n',
    )
    .action(async (o: { debtor?: string; currency?: string; limit?: number; cursor?: string }) =>
      print(await operator().queues({ participant: o.debtor, currency: o.currency, limit: o.limit, cursor: o.cursor })),
    );
  admin
    .command('cancel')
    .description('cancel a RECEIVED, HELD or QUEUED payment on behalf of its debtor bank')
    .argument('<uetr>', 'the payment UUID')
    .option('--reason <text>', 'why (up to 140 characters; the debtor bank reads it)')
    .option('--idempotency-key <key>', IDEMPOTENCY_KEY_HELP)
    .addHelpText(
      'after',
      '\nAnswered once settlement (for a queued payment: the ledger) decided: { uetr, status:\n' +
        '"CANCELLED" }. Too late (it settled first): 409 payment_not_cancellable. Needs the\n' +
        'approver or admin role.\n',
    )
    .action(async (uetr: string, o: { reason?: string; idempotencyKey?: string }) => {
      const body = o.reason === undefined ? {} : { reason: o.reason };
      print(await operator().cancelPayment(uetr, body, { idempotencyKey: o.idempotencyKey }));
    });
  admin
    .command('customer-data')
    .description('customer data at rest: which key-encryption key wraps how many data keys (a rotation’s progress), erasures')
    .action(async () => print(await operator().customerDataStatus()));
}

function seconds(wait: string | boolean | undefined): number {
  const n = typeof wait === 'string' ? Number.parseInt(wait, 10) : 60;
  if (!Number.isFinite(n) || n <= 0) throw new UsageError('--wait takes a number of seconds');
  return n;
}

function report(print: Print, subject: { uetr: string; returnId?: string }, proof: PaymentFinality, verdict: { ok: boolean; reason?: string }): void {
  print({
    uetr: subject.uetr,
    ...(subject.returnId === undefined ? {} : { returnId: subject.returnId }),
    verified: verdict.ok,
    ...(verdict.ok ? {} : { reason: verdict.reason }),
    block: { height: proof.block.height, hash: proof.block.hash },
    transaction: proof.transaction,
  });
  if (!verdict.ok) throw new Unverified(verdict.reason);
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit status. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof UsageError) {
      io.err(`nostro: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof Unverified) return EXIT.unverified;
    if (error instanceof Rejected) return EXIT.rejected;
    if (error instanceof NostroApiError) {
      io.err(`${JSON.stringify(error.problem, null, 2)}\n`);
      return EXIT.api;
    }
    if (error instanceof NostroNetworkError) {
      io.err(`nostro: ${error.message}\n`);
      return EXIT.api;
    }
    throw error;
  }
}
