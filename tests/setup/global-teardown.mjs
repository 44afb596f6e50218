// Stops the test services, deletes this run's topics, and stops the Kafka broker if this run started it.
import fs from 'node:fs';
import path from 'node:path';
import { deleteTopics, stopKafka } from '../../scripts/lib/infra.mjs';
import { stackDown, stackProfile } from '../../scripts/lib/stack.mjs';

export default async function globalTeardown() {
  if (process.env.NOSTRO_TEST_UNIT_ONLY === '1') return;
  const profile = stackProfile('test');
  const envFile = path.join(profile.stateDir, 'env.json');
  const env = fs.existsSync(envFile) ? JSON.parse(fs.readFileSync(envFile, 'utf8')) : {};
  await stackDown(profile);
  await deleteTopics({ prefix: profile.topicPrefix }).catch((error) => process.stderr.write(`teardown: ${error.message}\n`));
  // The broker is stopped when this run started it (or in CI), unless NOSTRO_KEEP_KAFKA=1 asks to keep it.
  if ((env.kafkaStartedByUs || process.env.CI === 'true') && process.env.NOSTRO_KEEP_KAFKA !== '1') await stopKafka();
  fs.rmSync(profile.runFile, { force: true });
}
