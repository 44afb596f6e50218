// The chaos runs behind `npm run chaos` (scripts/chaos.ts) and the CI chaos test (tests/e2e/chaos.e2e-spec.ts):
// honest payments flow while one fault is injected; afterwards every payment answered 202 must reach a final state,
// the auditor must find nothing lost, applied twice or unbalanced, and the scenario's own checks must hold.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { audit, withDb } from './audit';
import {
  invalidFlood,
  sdk,
  sleep,
  slowWebhook,
  wrongKey,
  type ChaosBank,
  type ChaosContext,
  type ChaosParties,
  type ChaosTimings,
  type Scenario,
  type Tally,
} from './chaos-scenarios';
import { ensureKafka, ensurePostgres, ensureRedis, kafkaPid } from './infra';
import { ensureKey } from './keys';
import { ensureSecrets, services, stackUp, stopService, type Secrets, type StackProfile } from './stack';

/** Faults that stop a part of the cluster, in the order a full run injects them. */
export const KILL_SCENARIOS = ['gateway', 'fx-quote', 'settlement', 'ledger-node-v1', 'validator-down', 'kafka', 'redis', 'postgres'];
/** Faults that come from outside: a slow bank endpoint, forged signatures, garbage requests. */
export const HOSTILE_SCENARIOS = ['slow-webhook', 'wrong-key', 'invalid-flood'];
export const ALL_SCENARIOS = [...KILL_SCENARIOS, ...HOSTILE_SCENARIOS];

const HOSTILE: Readonly<Record<string, () => Scenario>> = { 'slow-webhook': slowWebhook, 'wrong-key': wrongKey, 'invalid-flood': invalidFlood };
const SETTLE_TIMEOUT_MS = 180_000;
const HONEST_IN_FLIGHT_MAX = 200;

/**
 * How long each phase lasts. `short` keeps every fault real but brief, so that all scenarios run in a few minutes
 * on a 2-core machine (CI); the long run gives the cluster more traffic to lose during each fault.
 */
export function chaosTimings(short: boolean): ChaosTimings {
  return short
    ? {
        rate: 10,
        warmupMs: 1_500,
        tailMs: 1_500,
        killPauseMs: 1_000,
        validatorDownMs: 5_000,
        kafkaDownMs: 2_000,
        // longer than the gateway's webhook timeout (5 s), so that some deliveries are held past it
        slowWebhookMs: 7_000,
        attackMs: 5_000,
        attackRate: 20,
        floodMs: 6_000,
        floodRate: 300,
        floodConcurrency: 32,
      }
    : {
        rate: 30,
        warmupMs: 3_000,
        tailMs: 3_000,
        killPauseMs: 2_000,
        validatorDownMs: 10_000,
        kafkaDownMs: 3_000,
        slowWebhookMs: 20_000,
        attackMs: 15_000,
        attackRate: 30,
        floodMs: 20_000,
        floodRate: 300,
        floodConcurrency: 32,
      };
}

/** The two chaos banks (registered once per database, keys kept in the profile's state folder) and their funding. */
export async function chaosParties(profile: StackProfile, secrets: Secrets): Promise<ChaosParties> {
  const { NostroClient, NostroAdminClient, NostroApiError } = sdk();
  const baseUrl = `http://127.0.0.1:${profile.ports.gateway}`;
  const admin = new NostroAdminClient({ baseUrl, token: secrets.adminToken });
  const make = async (id: string, currency: string): Promise<ChaosBank> => {
    const key = ensureKey(path.join(profile.stateDir, 'chaos'), id);
    try {
      await admin.createParticipant({ id, name: `Chaos ${id}`, currencies: [currency], publicKey: key.publicKey });
    } catch (error) {
      if (!(error instanceof NostroApiError && error.code === 'participant_exists')) throw error;
    }
    // A run that died in slow-webhook may have left a URL to its closed receiver behind.
    await admin.updateParticipant(id, { webhookUrl: null });
    const seed = fs.readFileSync(key.file, 'utf8').trim();
    return { id, seed, client: new NostroClient({ baseUrl, participantId: id, seed }) };
  };
  const debtor = await make('CHAOSUS1', 'USD');
  const creditor = await make('CHAOSDE1', 'EUR');
  await admin.deposit('CHAOSUS1', { currency: 'USD', amount: '10000000.00', reference: `chaos ${Date.now()}` });
  await admin.deposit('FXDESK', { currency: 'EUR', amount: '10000000.00', reference: `chaos ${Date.now()}` });
  return { baseUrl, admin, debtor, creditor };
}

/** `code` of an API error, else the error's name: what a refusal is counted under. */
function errorKey(error: unknown): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; name?: unknown };
  return String(e.code ?? e.name);
}

export interface HonestLoad {
  accepted: { uetr: string; at: number }[];
  /** Returns answered 202 (or made by an accepted recall): each must end SETTLED or REJECTED, once. */
  returns: string[];
  /** Recalls answered 202. */
  recalls: number;
  errors: Tally;
  stop(): Promise<void>;
}

/** Half of a decimal amount string, rounded down to its own minor unit, in integer arithmetic (never a float). */
export function halfOf(amount: string): string {
  const [whole, fraction = ''] = amount.split('.');
  const half = (BigInt(whole + fraction) / 2n).toString().padStart(fraction.length + 1, '0');
  return fraction.length === 0 ? half : `${half.slice(0, -fraction.length)}.${half.slice(-fraction.length)}`;
}

/** One payment in this many goes back after it settled: recalled and accepted, or returned in part. */
const WAY_BACK_EVERY = 5;
const WAY_BACK_SETTLE_WAIT_MS = 30_000;

/**
 * The way back while faults happen: waits for the payment to settle, then alternately the debtor recalls it and the
 * creditor accepts (the whole amount, or half), or the creditor returns half of it on its own. Remembers every
 * return answered, so the run can check each of them ends final exactly once.
 */
async function wayBack(
  { debtor, creditor }: Pick<ChaosParties, 'debtor' | 'creditor'>,
  uetr: string,
  i: number,
  load: Pick<HonestLoad, 'returns' | 'errors'> & { recalls: number; running: () => boolean },
): Promise<void> {
  const deadline = Date.now() + WAY_BACK_SETTLE_WAIT_MS;
  let payment = await debtor.client.getPayment(uetr).catch(() => null);
  while (payment?.status !== 'SETTLED' && load.running() && Date.now() < deadline) {
    await sleep(300);
    payment = await debtor.client.getPayment(uetr).catch(() => null);
  }
  if (payment?.status !== 'SETTLED' || !load.running()) return;
  const half = halfOf(payment.receiveAmount);
  const kind = (i / WAY_BACK_EVERY) % 3;
  if (kind === 2) {
    const ret = await creditor.client.returnPayment(uetr, { reason: 'MS02', amount: half });
    load.returns.push(ret.returnId);
    return;
  }
  await debtor.client.recallPayment(uetr, { reason: 'DUPL' });
  load.recalls += 1;
  const answer = await creditor.client.respondToRecall(uetr, kind === 0 ? { decision: 'accept' } : { decision: 'accept', amount: half });
  if (answer.returnId) load.returns.push(answer.returnId);
}

/**
 * Sends payments at `rate`/s until stopped; remembers every uetr answered 202 and counts refusals by code. One payment
 * in WAY_BACK_EVERY is recalled or returned once settled, so returns are in flight at every fault.
 */
export function honestLoad({ debtor, creditor }: Pick<ChaosParties, 'debtor' | 'creditor'>, rate: number): HonestLoad {
  const accepted: HonestLoad['accepted'] = [];
  const errors: Tally = {};
  const back = { returns: [] as string[], errors, recalls: 0, running: () => running };
  const flowsBack = new Set<Promise<unknown>>();
  let running = true;
  let n = 0;
  const loop = (async () => {
    const started = Date.now();
    const inFlight = new Set<Promise<unknown>>();
    while (running) {
      while (n < ((Date.now() - started) / 1000) * rate && inFlight.size < HONEST_IN_FLIGHT_MAX) {
        const i = n++;
        const p: Promise<unknown> = debtor.client
          .createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: `${1 + (i % 50)}.00`, creditorParticipant: creditor.id })
          .then((q) =>
            debtor.client.createPayment({
              quoteId: q.id,
              endToEndId: `CHAOS-${Date.now()}-${i}`,
              debtor: { name: 'A', account: '1' },
              creditor: { name: 'B', account: '2' },
            }),
          )
          .then((r) => {
            accepted.push({ uetr: r.uetr, at: Date.now() });
            if (i % WAY_BACK_EVERY !== 0) return;
            const flow: Promise<unknown> = wayBack({ debtor, creditor }, r.uetr, i, back)
              .catch((e: unknown) => (errors[`back:${errorKey(e)}`] = (errors[`back:${errorKey(e)}`] ?? 0) + 1))
              .finally(() => flowsBack.delete(flow));
            flowsBack.add(flow);
          })
          .catch((e: unknown) => (errors[errorKey(e)] = (errors[errorKey(e)] ?? 0) + 1))
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await sleep(10);
    }
    await Promise.all(inFlight);
    await Promise.all(flowsBack);
  })();
  return {
    accepted,
    returns: back.returns,
    get recalls() {
      return back.recalls;
    },
    errors,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Waits until every return is known to the gateway and final (SETTLED or REJECTED); returns how many are not. */
export async function waitReturnsFinal(profile: StackProfile, returnIds: string[], timeoutMs = SETTLE_TIMEOUT_MS): Promise<{ open: number; missing: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const counts = await withDb(`${profile.dbPrefix}_gateway`, async (db) => {
        const { rows } = await db.query<{ open: number; known: number }>(
          `SELECT count(*) FILTER (WHERE status = 'RECEIVED')::int AS open, count(*)::int AS known FROM payment_returns WHERE return_id = ANY($1::uuid[])`,
          [returnIds],
        );
        return { open: rows[0].open, missing: returnIds.length - rows[0].known };
      });
      if ((counts.open === 0 && counts.missing === 0) || Date.now() > deadline) return counts;
    } catch {
      if (Date.now() > deadline) return { open: returnIds.length, missing: 0 };
    }
    await sleep(500);
  }
}

/** Waits until every uetr is known to the gateway and final; returns how many are still open or missing. */
export async function waitFinal(
  profile: StackProfile,
  uetrs: string[],
  timeoutMs = SETTLE_TIMEOUT_MS,
): Promise<{ open: number; missing: number; error?: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const counts = await withDb(`${profile.dbPrefix}_gateway`, async (db) => {
        const { rows } = await db.query<{ open: number; known: number }>(
          `SELECT count(*) FILTER (WHERE status NOT IN ('SETTLED','REJECTED','CANCELLED','RETURNED'))::int AS open, count(*)::int AS known FROM payments WHERE uetr = ANY($1::uuid[])`,
          [uetrs],
        );
        return { open: rows[0].open, missing: uetrs.length - rows[0].known };
      });
      if ((counts.open === 0 && counts.missing === 0) || Date.now() > deadline) return counts;
    } catch (error) {
      // Postgres may still be coming back after the postgres scenario: keep polling until the deadline.
      if (Date.now() > deadline) return { open: uetrs.length, missing: 0, error: error instanceof Error ? error.message : String(error) };
    }
    await sleep(500);
  }
}

/** A fault that stops part of the cluster: `inject` stops it and waits, `recover` starts it again. */
function killScenario(name: string, ctx: ChaosContext): Scenario {
  const { profile, svcs, t } = ctx;
  const restartStack = (): Promise<unknown> => stackUp(profile, { skipBuild: true });
  const kill = async (serviceName: string, pauseMs: number): Promise<void> => {
    const svc = svcs.find((s) => s.name === serviceName);
    if (!svc) throw new Error(`no service ${serviceName}`);
    await stopService(profile, svc, 'SIGKILL');
    await sleep(pauseMs);
  };
  if (svcs.some((s) => s.name === name)) return { inject: () => kill(name, t.killPauseMs), recover: restartStack };
  switch (name) {
    case 'validator-down':
      return { inject: () => kill('ledger-node-v2', t.validatorDownMs), recover: restartStack };
    case 'kafka':
      return {
        inject: async () => {
          const pid = kafkaPid();
          if (pid) process.kill(pid, 'SIGKILL');
          await sleep(t.kafkaDownMs);
        },
        recover: async () => (await ensureKafka(), await restartStack()),
      };
    case 'redis':
      return { inject: async () => (spawnSync('redis-cli', ['shutdown', 'nosave']), await sleep(t.killPauseMs)), recover: () => ensureRedis() };
    case 'postgres':
      // An immediate stop is a crash from the database's point of view; never SIGKILL the postmaster (shared cluster).
      return {
        inject: async () => {
          const version = fs.readdirSync('/etc/postgresql')[0];
          spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'stop', '-m', 'immediate']);
          await sleep(t.killPauseMs);
        },
        recover: async () => (await ensurePostgres(), await restartStack()),
      };
    default:
      throw new Error(`unknown scenario ${name} (known: ${ALL_SCENARIOS.join(', ')})`);
  }
}

/** One line of the chaos table (and of docs/bench/chaos.json). */
export interface ChaosRow {
  scenario: string;
  accepted: number;
  inFlightAtFault: number;
  lost: number;
  recoveredSeconds: number | null;
  problems: number;
  checks: Record<string, unknown>;
  summary: string;
  errors: Tally;
  details: string[];
}

/**
 * One scenario: its preparation, honest traffic, the fault, the recovery, then the wait for finality, the scenario's
 * own checks and the audit. `recoveredSeconds` runs from the fault until all of that is done.
 */
export async function runScenario(name: string, ctx: ChaosContext): Promise<ChaosRow> {
  const scenario = HOSTILE[name]?.() ?? killScenario(name, ctx);
  let traffic: HonestLoad | null = null;
  try {
    await scenario.prepare?.(ctx);
    traffic = honestLoad(ctx.parties, ctx.rate);
    await sleep(ctx.t.warmupMs);
    const injectedAt = Date.now();
    const before = traffic.accepted.length;
    await scenario.inject(ctx);
    await scenario.recover(ctx);
    await sleep(ctx.t.tailMs);
    await traffic.stop();
    const uetrs = traffic.accepted.map((a) => a.uetr);
    const final = await waitFinal(ctx.profile, uetrs);
    const returnsFinal = await waitReturnsFinal(ctx.profile, traffic.returns);
    const own = (await scenario.verify?.(ctx, uetrs)) ?? { problems: [], checks: {}, summary: '' };
    const recoveredSeconds = Number(((Date.now() - injectedAt) / 1000).toFixed(1));
    const report = await audit(ctx.profile.dbPrefix);
    const problems = [...own.problems, ...report.problems.filter((p) => !ctx.baseline.has(p))];
    if (final.missing + final.open > 0) problems.unshift(`${final.open} payments not final and ${final.missing} unknown after ${SETTLE_TIMEOUT_MS / 1000} s`);
    if (returnsFinal.missing + returnsFinal.open > 0) problems.unshift(`${returnsFinal.open} returns not final and ${returnsFinal.missing} unknown`);
    return {
      scenario: name,
      accepted: uetrs.length,
      inFlightAtFault: uetrs.length - before,
      lost: final.open + final.missing + returnsFinal.open + returnsFinal.missing,
      recoveredSeconds,
      problems: problems.length,
      checks: { ...own.checks, returns: traffic.returns.length, recalls: traffic.recalls },
      summary: own.summary,
      errors: traffic.errors,
      details: problems.slice(0, 5),
    };
  } finally {
    await traffic?.stop();
    await scenario.cleanup?.(ctx);
  }
}

export interface ChaosResult {
  at: string;
  profile: string;
  short: boolean;
  rate: number;
  seconds: number;
  preexistingProblems: string[];
  rows: ChaosRow[];
}

/**
 * Runs the scenarios one after the other against a profile's cluster (started if needed). Problems the audit
 * already finds before the first fault (left by other tests in a shared test cluster) are reported apart and not
 * blamed on any scenario.
 */
export async function runChaos({
  profile,
  scenarios,
  short = false,
  rate,
  skipBuild = false,
  log = (m: string) => process.stderr.write(`${m}\n`),
}: {
  profile: StackProfile;
  scenarios: readonly string[];
  short?: boolean;
  rate?: number;
  skipBuild?: boolean;
  log?: (message: string) => void;
}): Promise<ChaosResult> {
  for (const name of scenarios) if (!ALL_SCENARIOS.includes(name)) throw new Error(`unknown scenario ${name} (known: ${ALL_SCENARIOS.join(', ')})`);
  const t = chaosTimings(short);
  const started = Date.now();
  await stackUp(profile, { skipBuild });
  const secrets = ensureSecrets(profile);
  const svcs = services(profile, secrets);
  const parties = await chaosParties(profile, secrets);
  const baseline = new Set((await audit(profile.dbPrefix)).problems);
  const ctx: ChaosContext = { profile, t, short, rate: rate ?? t.rate, svcs, parties, baseline };
  if (baseline.size > 0) log(`chaos: ${baseline.size} audit problems before the first fault (not counted): ${[...baseline].slice(0, 3).join('; ')}`);
  const rows: ChaosRow[] = [];
  for (const name of scenarios) {
    log(`chaos: ${name}…`);
    try {
      rows.push(await runScenario(name, ctx));
    } catch (error) {
      // A scenario that could not run is a failure of the run, not a reason to skip the others' results.
      rows.push({
        scenario: name,
        accepted: 0,
        inFlightAtFault: 0,
        lost: 0,
        recoveredSeconds: null,
        problems: 1,
        checks: {},
        summary: '',
        errors: {},
        details: [`scenario failed: ${error instanceof Error ? error.message : String(error)}`],
      });
    }
  }
  return {
    at: new Date().toISOString(),
    profile: profile.name,
    short,
    rate: ctx.rate,
    seconds: Math.round((Date.now() - started) / 1000),
    preexistingProblems: [...baseline].slice(0, 20),
    rows,
  };
}

/** The printed table: one line per scenario, then the first problems of each scenario that has some. */
export function formatTable(rows: readonly ChaosRow[]): string {
  const lines = ['scenario          accepted  after fault  lost  recovered(s)  audit problems  checks'];
  for (const r of rows) {
    const errors = Object.keys(r.errors).length ? `; client errors ${JSON.stringify(r.errors)}` : '';
    lines.push(
      `${r.scenario.padEnd(17)} ${String(r.accepted).padStart(8)} ${String(r.inFlightAtFault).padStart(12)} ${String(r.lost).padStart(5)} ${String(r.recoveredSeconds ?? '-').padStart(13)} ${String(r.problems).padStart(15)}  ${r.summary || '-'}${errors}`,
    );
  }
  for (const r of rows.filter((x) => x.details.length)) lines.push(`  ${r.scenario}: ${r.details.join('; ')}`);
  return lines.join('\n');
}

export const failed = (rows: readonly ChaosRow[]): boolean => rows.some((r) => r.lost > 0 || r.problems > 0);
