// npm run chaos: while payments flow, injects one fault at a time (SIGKILL and restart of each part, a slow bank
// webhook endpoint, forged signatures, a flood of invalid requests), then audits from the databases and the chain
// alone that every payment answered 202 reached exactly one final state, postings match settlement one to one,
// balances keep every invariant, the chains verify, and the scenario's own checks hold (scripts/lib/chaos.ts).
import fs from 'node:fs';
import path from 'node:path';
import { ALL_SCENARIOS, chaosTimings, failed, formatTable, runChaos } from './lib/chaos';
import { REPO_ROOT } from './lib/repo';
import { stackProfile } from './lib/stack';

const args = process.argv.slice(2);
const long = chaosTimings(false);
const short = chaosTimings(true);
const s = (ms: number): string => `${ms / 1000} s`;
if (args.includes('--help')) {
  console.log(`usage: npm run chaos -- [--only a,b] [--short] [--rate N] [--profile dev|test] [--out FILE] [--skip-build]

Scenarios (default: all, in this order): ${ALL_SCENARIOS.join(', ')}
  <service>        SIGKILL that process while payments flow, restart it
  validator-down   stop validator v2 for ${s(long.validatorDownMs)} (${s(short.validatorDownMs)} with --short): finality must continue with 2 of 3
  kafka            SIGKILL the broker, restart it
  redis            shut Redis down without saving, restart it
  postgres         immediate stop (a crash from the database's view), restart (never SIGKILL of the postmaster)
  slow-webhook     both chaos banks' webhook URLs point at a local receiver that, for ${s(long.slowWebhookMs)} (${s(short.slowWebhookMs)}),
                   answers after 2-5 s, trickles its answer, or outlasts the gateway's 5 s timeout; then it
                   answers at once. Every webhook row of those payments must be delivered and received (by
                   event id), every signature and payment.received proof must verify with the SDK
  wrong-key        requests of the debtor signed with another key, an unknown key id and a revoked key, ${long.attackRate}/s
                   for ${s(long.attackMs)} (${short.attackRate}/s for ${s(short.attackMs)}): each must be 401 signature_invalid or key_unknown,
                   and create no payment, quote, idempotency record or quote use
  invalid-flood    ${long.floodRate} invalid requests/s, ${long.floodConcurrency} at a time, for ${s(long.floodMs)} (${s(short.floodMs)}): malformed JSON, wrong media
                   types, bodies over 1 MiB, unknown fields, bad amounts and currencies, unsigned and garbage
                   signatures. Each must be a 4xx application/problem+json; no service may restart, and all
                   must answer /health/ready 200 afterwards
The kafka, redis and postgres scenarios act on the machine's shared broker and databases, whatever the profile.

Options:
  --only a,b       run these scenarios only
  --short          brief faults and ${short.rate} payments/s: every scenario in a few minutes on 2 cores (CI)
  --rate N         honest payments per second (default ${long.rate}, ${short.rate} with --short)
  --profile P      dev (npm run stack:up, ports 3000+; default) or test (the Jest cluster, ports 4000 + 100 x NOSTRO_TEST_SLOT)
  --out FILE       where to write the results as JSON (default docs/bench/chaos.json)
  --skip-build     start missing services from the existing dist/ without compiling first

After each fault: wait for every accepted payment to be final, run the scenario's checks, then audit. Prints a
table; exits 1 if any payment was lost or any check or audit found a problem.`);
  process.exit(0);
}
function opt(name: string): string | undefined;
function opt(name: string, fallback: string): string;
function opt(name: string, fallback?: string): string | undefined {
  return args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback;
}

async function main(): Promise<void> {
  const result = await runChaos({
    profile: stackProfile(opt('profile', 'dev')),
    scenarios: opt('only', ALL_SCENARIOS.join(',')).split(','),
    short: args.includes('--short'),
    rate: opt('rate') === undefined ? undefined : Number(opt('rate')),
    skipBuild: args.includes('--skip-build'),
  });
  console.log(`\n${formatTable(result.rows)}\n(${result.seconds} s in all, ${result.rate} payments/s${result.short ? ', --short' : ''})`);
  const out = path.resolve(opt('out', path.join(REPO_ROOT, 'docs', 'bench', 'chaos.json')));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  if (failed(result.rows)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(`chaos failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
