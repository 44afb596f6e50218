// Stops, kills and (re)starts one service of the test cluster (NOSTRO_TEST_SLOT), with the environment
// scripts/lib/stack.ts gives it plus optional overrides. The settlement tests run it as its own process (through
// tsx), so that a service it starts outlives the test. The pid file is kept where stack.ts looks for it, so the
// global teardown stops a service this script started.
//
//   node --import tsx tests/settlement/support/service-control.ts <stop|kill|start|restart> <service> [NAME=value ...]
// <service> may be a replica (gateway-2, settlement-2: scripts/lib/stack.ts).
import {
  MAX_REPLICAS,
  ensureSecrets,
  runningPid,
  services,
  stackProfile,
  startService,
  stopService,
  type Service,
  type StackProfile,
} from '../../../scripts/lib/stack';

const usage = 'usage: service-control.ts <stop|kill|start|restart> <service> [NAME=value ...]';

function parse(): { command: string; profile: StackProfile; svc: Service; overrides: Record<string, string> } {
  const [command, name, ...assignments] = process.argv.slice(2);
  if (!['stop', 'kill', 'start', 'restart'].includes(command) || !name) {
    console.error(usage);
    process.exit(2);
  }
  const profile = stackProfile('test');
  // Replicas (gateway-2, settlement-2, …) too: a test may start one beside the cluster's own.
  const svc = services(profile, ensureSecrets(profile), MAX_REPLICAS).find((s) => s.name === name);
  if (!svc) {
    console.error(`no service ${name} in the test cluster`);
    process.exit(2);
  }
  const overrides = Object.fromEntries(assignments.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
  return { command, profile, svc, overrides };
}

async function main(): Promise<void> {
  const { command, profile, svc, overrides } = parse();
  let pid: number | null | undefined = null;
  if (command === 'stop' || command === 'restart') await stopService(profile, svc, 'SIGTERM');
  if (command === 'kill') await stopService(profile, svc, 'SIGKILL');
  if (command === 'start' || command === 'restart') pid = runningPid(profile, svc) ?? startService(profile, svc, overrides);
  process.stdout.write(`${JSON.stringify({ service: svc.name, port: svc.port, pid })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
