// Controls the test cluster's service processes for the ledger tests, through scripts/lib/stack.ts (the profile
// follows NOSTRO_TEST_SLOT like the suite's global setup). Run with tsx (`node --import tsx stack-ctl.ts …`):
//   stack-ctl.ts kill <service name> [SIGKILL|SIGTERM]   stop one service (e.g. ledger-node-v1)
//   stack-ctl.ts up                                      start whatever is not running, wait until ready
//   stack-ctl.ts pid <service name>                      print the pid of a running service
//   stack-ctl.ts down                                    stop every service of the test profile
import { ensureSecrets, runningPid, services, stackDown, stackProfile, stackUp, stopService, type Service } from '../../../scripts/lib/stack';

const profile = stackProfile('test');

function service(serviceName: string | undefined): Service {
  const svc = services(profile, ensureSecrets(profile)).find((s) => s.name === serviceName);
  if (!svc) throw new Error(`no service ${serviceName}`);
  return svc;
}

async function main([command, name, signal = 'SIGTERM']: string[]): Promise<void> {
  switch (command) {
    case 'kill':
      process.stdout.write(String(await stopService(profile, service(name), signal as NodeJS.Signals)));
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
      process.stderr.write('usage: stack-ctl.ts kill <service> [signal] | up | down | pid <service>\n');
      process.exit(2);
  }
}

// A failure exits 1 with its message, as the uncaught top-level await of the plain JavaScript version did.
main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
