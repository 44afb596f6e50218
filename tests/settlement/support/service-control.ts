// Stops, kills and (re)starts one service of the test cluster (NOSTRO_TEST_SLOT), with the environment
// scripts/lib/stack.ts gives it plus optional overrides. The tests call controlService in-process (serviceControl,
// tests/settlement/support/settlement.ts); by hand, run it with tsx. The pid file is kept where stack.ts looks for
// it, so the global teardown stops a service started here.
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

export type ServiceCommand = 'stop' | 'kill' | 'start' | 'restart';

/**
 * Stops (SIGTERM), kills (SIGKILL), starts or restarts one service of this process's test cluster with optional
 * environment overrides; answers its port and the pid it runs with (null when stopped). A started service is
 * detached: it outlives the caller, and the global teardown stops it.
 */
export async function controlService(
  command: ServiceCommand,
  name: string,
  overrides: Record<string, string> = {},
): Promise<{ service: string; port: number; pid: number | null }> {
  const profile: StackProfile = stackProfile('test');
  // Replicas (gateway-2, settlement-2, …) too: a test may start one beside the cluster's own.
  const svc: Service | undefined = services(profile, ensureSecrets(profile), MAX_REPLICAS).find((s) => s.name === name);
  if (!svc) throw new Error(`no service ${name} in the test cluster`);
  let pid: number | null = null;
  if (command === 'stop' || command === 'restart') await stopService(profile, svc, 'SIGTERM');
  if (command === 'kill') await stopService(profile, svc, 'SIGKILL');
  if (command === 'start' || command === 'restart') pid = runningPid(profile, svc) ?? startService(profile, svc, overrides) ?? null;
  return { service: svc.name, port: svc.port, pid };
}

async function main(): Promise<void> {
  const [command, name, ...assignments] = process.argv.slice(2);
  if (!['stop', 'kill', 'start', 'restart'].includes(command) || !name) {
    console.error(usage);
    process.exit(2);
  }
  const overrides = Object.fromEntries(assignments.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
  process.stdout.write(`${JSON.stringify(await controlService(command as ServiceCommand, name, overrides))}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
