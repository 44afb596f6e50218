// npm run stack:up | stack:down | stack:status | stack:reset   (tsx scripts/stack.ts <command>)
import { deleteTopics, ensureKafka, stopKafka } from './lib/infra';
import { ensureSecrets, runningPid, services, stackDown, stackProfile, stackUp, type StackProfile } from './lib/stack';

const HELP = `usage: tsx scripts/stack.ts <up|down|status|reset> [--with-kafka] [--yes]   (npm run stack:<command>)

  up       start Postgres/Redis (if stopped), the Kafka broker, topics, databases, keys, build, and every
           service that is not running; returns when all answer /health/ready. Idempotent. Refuses to
           start a service whose port another process holds (another checkout's stack, say).
  down     stop the six services (add --with-kafka to stop the broker too; Postgres and Redis are
           machine services and stay up).
  status   one line per service: running or not, and ready or not.
  reset    --yes: stop the services, delete the cluster's topics and databases, and start it again from scratch
           (every payment, participant and block of this cluster is lost; keys and the admin tokens stay).
           Benchmarks compare best this way: a database that grew over many runs is slower.

Environment: NOSTRO_PORT_OFFSET shifts every port; LOG_LEVEL sets the services' log level;
NOSTRO_GATEWAYS and NOSTRO_SETTLEMENTS (1-3, default 1) run more gateways (gateway-2 on :3024, gateway-3 on
:3025) and settlement instances (settlement-2 on :3034, settlement-3 on :3035) beside the first, sharing its
database and consumer group (docs/architecture.md, "Scaling out"); \`down\` stops them all.
DUAL_CONTROL=on starts the gateway with four eyes on deposits, withdrawals, limits, keys and operators
(docs/security.md) and adds a second admin, whose token is .nostro/admin2-token: it approves what the
first one (.nostro/admin-token) asks for. A gateway already running keeps its setting: stack:down first.
State (keys, admin tokens, logs, pids) lives in .nostro/ (git-ignored).`;

async function reset(profile: StackProfile): Promise<void> {
  await stackDown(profile);
  await ensureKafka();
  console.error(`stack: deleted topics ${(await deleteTopics({ prefix: profile.topicPrefix })).deleted.join(', ') || '(none)'}`);
  await stackUp(profile, { recreateDatabases: true });
}

async function status(profile: StackProfile): Promise<void> {
  for (const svc of services(profile, ensureSecrets(profile))) {
    const pid = runningPid(profile, svc);
    const ok = pid
      ? await fetch(`http://127.0.0.1:${svc.port}/health/ready`).then(
          (r) => r.status === 200,
          () => false,
        )
      : false;
    console.log(`${svc.name.padEnd(16)} ${pid ? `running (pid ${pid})` : 'stopped'}${pid ? (ok ? ', ready' : ', NOT ready') : ''}  :${svc.port}`);
  }
}

async function main(): Promise<void> {
  const [command = 'help', ...rest] = process.argv.slice(2);
  const profile = stackProfile(process.env.NOSTRO_PROFILE ?? 'dev');
  switch (command) {
    case 'up':
      await stackUp(profile);
      break;
    case 'down':
      await stackDown(profile);
      if (rest.includes('--with-kafka')) await stopKafka();
      break;
    case 'reset':
      if (!rest.includes('--yes')) {
        console.error('stack: reset deletes every payment, participant and block of this cluster; run it with --yes');
        process.exitCode = 2;
        break;
      }
      await reset(profile);
      break;
    case 'status':
      await status(profile);
      break;
    default:
      console.log(HELP);
      if (command !== 'help' && command !== '--help') process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  console.error(`stack: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
