// Starts the test clusters once for the whole suite: one per Jest worker (slot 0, 1, …), each with fresh
// databases, topics under a per-run prefix, and the six services on its own ports (4000+, 4100+, …), so that test
// files run in parallel without sharing state. Writes .nostro/test[N]/env.json for the tests to read.
// Jest compiles this file and the scripts it imports with the projects' transform (@swc/jest, jest.preset.js).
import fs from 'node:fs';
import path from 'node:path';
import { ensureKafka, ensurePostgres, ensureRedis, ensureTopics } from '../../scripts/lib/infra';
import { buildInBackground, stackProfile, stackUp, type StackProfile } from '../../scripts/lib/stack';

/** How many clusters to start: one per worker Jest will run (its --maxWorkers, as jest.config.js sets it). */
export function clusterCount(globalConfig: { maxWorkers?: number } | undefined): number {
  return Math.max(1, Number(globalConfig?.maxWorkers ?? 1));
}

/**
 * Each service's Postgres pool on the test clusters (NOSTRO_TEST_POOL_MAX, read by scripts/lib/stack.ts): the clusters
 * share the server's 100 connections (its max_connections), six services and their listeners each, so three clusters
 * get 4 per service (with 6, the third cluster's run reached 100 and a chaos scenario was refused a connection), fewer
 * get 6. Set here, before Jest starts its workers, so a service a test restarts gets the same.
 */
export function testPoolMax(clusters: number): string {
  return clusters >= 3 ? '4' : '6';
}

/** A new run's profile of slot N (a new run id, so new topics and databases). */
function freshProfile(slot: number): StackProfile {
  const env = { ...process.env, NOSTRO_TEST_SLOT: String(slot) };
  fs.rmSync(stackProfile('test', env).runFile, { force: true });
  return stackProfile('test', env);
}

async function startCluster(slot: number, fresh: StackProfile, kafkaStartedByUs: boolean): Promise<void> {
  const { secrets } = await stackUp(fresh, { recreateDatabases: true, skipBuild: true });
  const file = {
    runId: fresh.runId,
    slot,
    gatewayUrl: `http://127.0.0.1:${fresh.ports.gateway}`,
    ports: fresh.ports,
    topicPrefix: fresh.topicPrefix,
    redisPrefix: fresh.redisPrefix,
    dbPrefix: fresh.dbPrefix,
    adminToken: secrets.adminToken,
    // DUAL_CONTROL=on: the second admin, which approves what the first asks for (tests/support/cluster.ts `approved`)
    secondAdminToken: secrets.secondAdminToken,
    keys: Object.fromEntries(Object.entries(secrets.keys).map(([name, k]) => [name, { file: k.file, publicKey: k.publicKey }])),
    piiKekFile: secrets.piiKekFile,
    kafkaStartedByUs,
  };
  fs.writeFileSync(path.join(fresh.stateDir, 'env.json'), JSON.stringify(file, null, 2));
}

export default async function globalSetup(globalConfig: { maxWorkers?: number }): Promise<void> {
  if (process.env.NOSTRO_TEST_UNIT_ONLY === '1') return;
  const started = Date.now();
  const count = clusterCount(globalConfig);
  process.env.NOSTRO_TEST_POOL_MAX ??= testPoolMax(count);
  process.stderr.write(`test: starting ${count} test cluster(s), one per Jest worker\n`);
  // What the clusters share first (the broker only once), while the build compiles beside it, then the clusters
  // beside each other. The build is awaited even when the rest fails, so that no compiler outlives the set-up.
  // Transpiled with swc, without type checking (0.3 s, against tsc's 10 s in a fresh clone, where it was most of the
  // set-up's time): `npm run typecheck` and CI check the types, and Jest's own transform does not either.
  const building = buildInBackground({ transpileOnly: true });
  building.catch(() => undefined); // its failure is thrown where it is awaited, not as an unhandled rejection
  let kafka: Awaited<ReturnType<typeof ensureKafka>>;
  let profiles: StackProfile[];
  try {
    await ensurePostgres();
    await ensureRedis();
    kafka = await ensureKafka();
    profiles = Array.from({ length: count }, (_, slot) => freshProfile(slot));
    // One cluster's topics after another: a broker that has just started refuses concurrent creations now and then.
    for (const p of profiles) await ensureTopics({ prefix: p.topicPrefix });
  } catch (error) {
    await building.catch(() => undefined);
    throw error;
  }
  await building;
  await Promise.all(profiles.map((p, slot) => startCluster(slot, p, slot === 0 && kafka.startedByUs)));
  process.stderr.write(`test clusters ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
