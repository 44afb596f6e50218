// Starts the test cluster once for the whole suite: fresh databases, topics under a per-run prefix, the six
// services on test ports (4000+). Writes .nostro/test/env.json for the tests to read.
import fs from 'node:fs';
import path from 'node:path';
import { stackProfile, stackUp } from '../../scripts/lib/stack.mjs';

export default async function globalSetup() {
  if (process.env.NOSTRO_TEST_UNIT_ONLY === '1') return;
  fs.rmSync(stackProfile('test').runFile, { force: true });
  const profile = stackProfile('test');
  const started = Date.now();
  const { secrets, kafkaStartedByUs } = await stackUp(profile, { recreateDatabases: true });
  const env = {
    runId: profile.runId,
    gatewayUrl: `http://127.0.0.1:${profile.ports.gateway}`,
    ports: profile.ports,
    topicPrefix: profile.topicPrefix,
    redisPrefix: profile.redisPrefix,
    dbPrefix: profile.dbPrefix,
    adminToken: secrets.adminToken,
    keys: Object.fromEntries(Object.entries(secrets.keys).map(([name, k]) => [name, { file: k.file, publicKey: k.publicKey }])),
    kafkaStartedByUs,
  };
  fs.writeFileSync(path.join(profile.stateDir, 'env.json'), JSON.stringify(env, null, 2));
  process.stderr.write(`test cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
