#!/usr/bin/env node
// Controls the test cluster's service processes for the ledger tests, through scripts/lib/stack.mjs (the profile
// follows NOSTRO_TEST_SLOT like the suite's global setup):
//   node stack-ctl.mjs kill <service name> [SIGKILL|SIGTERM]   stop one service (e.g. ledger-node-v1)
//   node stack-ctl.mjs up                                      start whatever is not running, wait until ready
//   node stack-ctl.mjs pid <service name>                      print the pid of a running service
//   node stack-ctl.mjs down                                    stop every service of the test profile
import { ensureSecrets, runningPid, services, stackDown, stackProfile, stackUp, stopService } from '../../../scripts/lib/stack.mjs';

const [command, name, signal = 'SIGTERM'] = process.argv.slice(2);
const profile = stackProfile('test');

function service(serviceName) {
  const svc = services(profile, ensureSecrets(profile)).find((s) => s.name === serviceName);
  if (!svc) throw new Error(`no service ${serviceName}`);
  return svc;
}

switch (command) {
  case 'kill':
    process.stdout.write(String(await stopService(profile, service(name), signal)));
    break;
  case 'up':
    await stackUp(profile, { skipBuild: true });
    break;
  case 'down':
    await stackDown(profile);
    break;
  case 'pid':
    process.stdout.write(String(runningPid(profile, service(name)) ?? ''));
    break;
  default:
    process.stderr.write('usage: stack-ctl.mjs kill <service> [signal] | up | down | pid <service>\n');
    process.exit(2);
}
