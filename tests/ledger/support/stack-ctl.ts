// Controls the test cluster's service processes for the ledger tests, through scripts/lib/stack.ts (the profile
// follows NOSTRO_TEST_SLOT like the suite's global setup). The tests call stackControl in-process (stackCtl,
// tests/ledger/support/ledger.ts); the stack-ports test and people run it with tsx (`node --import tsx stack-ctl.ts …`):
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

/**
 * One operation on this process's test cluster, as the command line gives it: `kill` answers whether the service was
 * running ('true' or 'false'), `pid` its pid or '', `up` and `down` ''.
 */
export async function stackControl(command: string, name?: string, signal = 'SIGTERM'): Promise<string> {
  switch (command) {
    case 'kill':
      return String(await stopService(profile, service(name), signal as NodeJS.Signals));
    case 'up':
      await stackUp(profile, { skipBuild: true });
      return '';
    case 'down':
      await stackDown(profile);
      return '';
    case 'pid':
      return String(runningPid(profile, service(name)) ?? '');
    default:
      throw new Error(`usage: stack-ctl.ts kill <service> [signal] | up | down | pid <service> (not ${command})`);
  }
}

async function main([command, name, signal]: string[]): Promise<void> {
  process.stdout.write(await stackControl(command ?? '', name, signal));
}

// A failure exits 1 with its message, as the uncaught top-level await of the plain JavaScript version did.
if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
