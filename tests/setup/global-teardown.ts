// Stops every test cluster's services, deletes their topics, and stops the Kafka broker if this run started it.
import fs from 'node:fs';
import path from 'node:path';
import { deleteTopics, stopKafka } from '../../scripts/lib/infra';
import { stackDown, stackProfile } from '../../scripts/lib/stack';
import { clusterCount } from './global-setup';

async function stopCluster(slot: number): Promise<boolean> {
  const profile = stackProfile('test', { ...process.env, NOSTRO_TEST_SLOT: String(slot) });
  const envFile = path.join(profile.stateDir, 'env.json');
  const env = (fs.existsSync(envFile) ? JSON.parse(fs.readFileSync(envFile, 'utf8')) : {}) as { kafkaStartedByUs?: boolean };
  await stackDown(profile);
  await deleteTopics({ prefix: profile.topicPrefix }).catch((error: unknown) =>
    process.stderr.write(`teardown: ${error instanceof Error ? error.message : String(error)}\n`),
  );
  fs.rmSync(profile.runFile, { force: true });
  return Boolean(env.kafkaStartedByUs);
}

export default async function globalTeardown(globalConfig: { maxWorkers?: number }): Promise<void> {
  if (process.env.NOSTRO_TEST_UNIT_ONLY === '1') return;
  const started = await Promise.all(Array.from({ length: clusterCount(globalConfig) }, (_, slot) => stopCluster(slot)));
  // The broker is stopped when this run started it (or in CI), unless NOSTRO_KEEP_KAFKA=1 asks to keep it.
  if ((started[0] || process.env.CI === 'true') && process.env.NOSTRO_KEEP_KAFKA !== '1') await stopKafka();
}
