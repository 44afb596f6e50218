#!/usr/bin/env node
// npm run chaos: while payments flow, kills (SIGKILL) and restarts one part at a time, then audits from the
// databases and the chain alone that every payment answered 202 reached exactly one final state, postings match
// settlement one to one, balances keep every invariant, and the chains verify.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { audit } from './lib/audit.mjs';
import { KAFKA_PATHS, ensureKafka, ensurePostgres, ensureRedis } from './lib/infra.mjs';
import { ensureKey } from './lib/keys.mjs';
import { ensureSecrets, services, stackProfile, stackUp, stopService } from './lib/stack.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const ALL = ['gateway', 'fx-quote', 'settlement', 'ledger-node-v1', 'validator-down', 'kafka', 'redis', 'postgres'];
if (args.includes('--help')) {
  console.log(`usage: npm run chaos -- [--only a,b] [--rate 30] [--profile dev|test]

Scenarios (default: all, in this order): ${ALL.join(', ')}
  <service>        SIGKILL that process while payments flow, restart it
  validator-down   stop validator v2 for 10 s: finality must continue with 2 of 3
  kafka            SIGKILL the broker, restart it
  redis            shut Redis down without saving, restart it
  postgres         immediate stop (a crash from the database's view), restart (never SIGKILL of the postmaster)
After each: wait for every accepted payment to be final, then audit. Prints a table; exits 1 if anything was lost.`);
  process.exit(0);
}
const opt = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const SCENARIOS = opt('only', ALL.join(',')).split(',');
const RATE = Number(opt('rate', '30'));
const SETTLE_TIMEOUT_MS = 180_000;
const require = createRequire(import.meta.url);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function clients(profile, secrets) {
  const { NostroClient, NostroAdminClient, NostroApiError } = require(path.join(root, 'dist/libs/client/src/index.js'));
  const baseUrl = `http://127.0.0.1:${profile.ports.gateway}`;
  const admin = new NostroAdminClient({ baseUrl, token: secrets.adminToken });
  const make = async (id, currency) => {
    const key = ensureKey(path.join(profile.stateDir, 'chaos'), id);
    try {
      await admin.createParticipant({ id, name: `Chaos ${id}`, currencies: [currency], publicKey: key.publicKey });
    } catch (error) {
      if (!(error instanceof NostroApiError && error.code === 'participant_exists')) throw error;
    }
    return new NostroClient({ baseUrl, participantId: id, seed: fs.readFileSync(key.file, 'utf8') });
  };
  const debtor = await make('CHAOSUS1', 'USD');
  const creditor = await make('CHAOSDE1', 'EUR');
  await admin.deposit('CHAOSUS1', { currency: 'USD', amount: '10000000.00', reference: `chaos ${Date.now()}` });
  await admin.deposit('FXDESK', { currency: 'EUR', amount: '10000000.00', reference: `chaos ${Date.now()}` });
  return { debtor, creditorId: 'CHAOSDE1' };
}

/** Sends payments at `rate`/s until stopped; remembers every uetr answered 202. */
function load({ debtor, creditorId }, rate) {
  const accepted = [];
  const errors = {};
  let running = true;
  let n = 0;
  const loop = (async () => {
    const started = Date.now();
    const inFlight = new Set();
    while (running) {
      while (n < ((Date.now() - started) / 1000) * rate && inFlight.size < 200) {
        const i = n++;
        const p = debtor
          .createQuote({ sourceCurrency: 'USD', targetCurrency: 'EUR', sendAmount: `${1 + (i % 50)}.00`, creditorParticipant: creditorId })
          .then((q) => debtor.createPayment({ quoteId: q.id, endToEndId: `CHAOS-${Date.now()}-${i}`, debtor: { name: 'A', account: '1' }, creditor: { name: 'B', account: '2' } }))
          .then((r) => accepted.push({ uetr: r.uetr, at: Date.now() }))
          .catch((e) => (errors[e.code ?? e.name] = (errors[e.code ?? e.name] ?? 0) + 1))
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await sleep(10);
    }
    await Promise.all(inFlight);
  })();
  return { accepted, errors, stop: async () => ((running = false), await loop) };
}

function kafkaPid() {
  try {
    return Number(fs.readFileSync(KAFKA_PATHS.pid, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

async function inject(name, profile, svcs) {
  const svc = svcs.find((s) => s.name === name);
  if (svc) {
    await stopService(profile, svc, 'SIGKILL');
    await sleep(2_000);
    return () => stackUp(profile, { skipBuild: true });
  }
  switch (name) {
    case 'validator-down': {
      await stopService(profile, svcs.find((s) => s.name === 'ledger-node-v2'), 'SIGKILL');
      await sleep(10_000);
      return () => stackUp(profile, { skipBuild: true });
    }
    case 'kafka': {
      const pid = kafkaPid();
      if (pid) process.kill(pid, 'SIGKILL');
      await sleep(3_000);
      return async () => {
        await ensureKafka();
        await stackUp(profile, { skipBuild: true });
      };
    }
    case 'redis':
      spawnSync('redis-cli', ['shutdown', 'nosave']);
      await sleep(2_000);
      return () => ensureRedis();
    case 'postgres': {
      const version = fs.readdirSync('/etc/postgresql')[0];
      spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'stop', '-m', 'immediate']);
      await sleep(2_000);
      return async () => {
        await ensurePostgres();
        await stackUp(profile, { skipBuild: true });
      };
    }
    default:
      throw new Error(`unknown scenario ${name}`);
  }
}

async function waitFinal(profile, uetrs) {
  const pg = require('pg');
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const db = new pg.Client({ connectionString: `postgres://root@127.0.0.1:5432/${profile.dbPrefix}_gateway` });
    try {
      await db.connect();
      const { rows } = await db.query(`SELECT count(*)::int AS open FROM payments WHERE uetr = ANY($1::uuid[]) AND status NOT IN ('SETTLED','REJECTED')`, [uetrs]);
      const { rows: known } = await db.query('SELECT count(*)::int AS n FROM payments WHERE uetr = ANY($1::uuid[])', [uetrs]);
      const missing = uetrs.length - known[0].n;
      if ((rows[0].open === 0 && missing === 0) || Date.now() > deadline) return { open: rows[0].open, missing };
    } catch {
      // Postgres may still be coming back
    } finally {
      await db.end().catch(() => undefined);
    }
    await sleep(500);
  }
}

async function main() {
  const profile = stackProfile(opt('profile', 'dev'));
  await stackUp(profile);
  const secrets = ensureSecrets(profile);
  const svcs = services(profile, secrets);
  const parties = await clients(profile, secrets);
  const rows = [];
  for (const scenario of SCENARIOS) {
    process.stderr.write(`chaos: ${scenario}…\n`);
    const traffic = load(parties, RATE);
    await sleep(3_000);
    const injectedAt = Date.now();
    const before = traffic.accepted.length;
    const restart = await inject(scenario, profile, svcs);
    await restart();
    await sleep(3_000);
    await traffic.stop();
    const uetrs = traffic.accepted.map((a) => a.uetr);
    const result = await waitFinal(profile, uetrs);
    const recoveredSeconds = ((Date.now() - injectedAt) / 1000).toFixed(1);
    const report = await audit(profile.dbPrefix);
    rows.push({ scenario, accepted: uetrs.length, inFlightAtFault: uetrs.length - before, lost: result.open + result.missing, recoveredSeconds, problems: report.problems.length, errors: traffic.errors, details: report.problems.slice(0, 5) });
  }
  console.log('\nscenario          accepted  after fault  lost  recovered(s)  audit problems  client errors during the fault');
  for (const r of rows) console.log(`${r.scenario.padEnd(17)} ${String(r.accepted).padStart(8)} ${String(r.inFlightAtFault).padStart(12)} ${String(r.lost).padStart(5)} ${String(r.recoveredSeconds).padStart(13)} ${String(r.problems).padStart(15)}  ${JSON.stringify(r.errors)}`);
  for (const r of rows.filter((x) => x.details.length)) console.log(`  ${r.scenario}: ${r.details.join('; ')}`);
  fs.mkdirSync(path.join(root, 'docs', 'bench'), { recursive: true });
  fs.writeFileSync(path.join(root, 'docs', 'bench', 'chaos.json'), JSON.stringify({ at: new Date().toISOString(), rate: RATE, rows }, null, 2) + '\n');
  if (rows.some((r) => r.lost > 0 || r.problems > 0)) process.exitCode = 1;
}

main().catch((error) => {
  console.error(`chaos failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
