// Local infrastructure: tsx scripts/infra.ts up | down | status   (npm run infra -- --help for details)
import { parseArgs } from 'node:util';
import { DEFAULT_TOPIC_PREFIX, ensureKafka, ensurePostgres, ensureRedis, ensureTopics, infraStatus, stopKafka } from './lib/infra';

const HELP = `Usage: tsx scripts/infra.ts <command> [--prefix <p>]   (npm run infra -- <command>, npm run infra:up, infra:down)

Local infrastructure for Nostro (everything on 127.0.0.1).

Commands:
  up      Make sure PostgreSQL (5432) and Redis (6379) run, starting them if they are stopped;
          start a single-node Kafka broker (9092) from its Maven Central jars unless one already
          answers (jars, data and logs under .cache/kafka); create the topics. Idempotent: a second
          run changes nothing.
  down    Stop the Kafka broker started by 'up'. PostgreSQL and Redis are shared machine services
          and are left running.
  status  One line per component (up/down, pid); exit code 1 if any is down.

Options:
  --prefix <p>  topic prefix for 'up' and 'status' (default ${JSON.stringify(DEFAULT_TOPIC_PREFIX)})
  -h, --help    show this help

Progress goes to stderr; 'status' prints to stdout.`;

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

async function up(prefix: string): Promise<void> {
  const t0 = Date.now();
  const pgRes = await ensurePostgres({ log });
  if (!pgRes.startedByUs) log('postgres: up (127.0.0.1:5432)');
  const redisRes = await ensureRedis({ log });
  if (!redisRes.startedByUs) log('redis: up (127.0.0.1:6379)');
  const kafka = await ensureKafka({ log });
  if (!kafka.startedByUs && !kafka.waited) {
    log(kafka.pid ? `kafka: already running (pid ${kafka.pid})` : 'kafka: a broker already answers on 127.0.0.1:9092 (not started by this script)');
  }
  const topics = await ensureTopics({ prefix, log });
  if (topics.created.length === 0 && topics.altered.length === 0) log(`kafka: ${topics.topics.length} topics present (prefix ${JSON.stringify(prefix)})`);
  log(`infra: up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function down(): Promise<void> {
  const res = await stopKafka({ log });
  if (!res.stopped) log(res.pid ? `kafka: pid ${res.pid} from the pid file is not running (stale pid file removed)` : 'kafka: not running (nothing to stop)');
  log('postgres, redis: shared machine services, left running');
}

async function status(prefix: string): Promise<boolean> {
  const s = await infraStatus({ prefix });
  const line = (name: string, isUp: boolean, pid: number | undefined, detail: string | undefined): string =>
    `${name.padEnd(9)}${(isUp ? 'up' : 'down').padEnd(6)}${pid ? `pid ${pid}` : '-'}${detail ? `  (${detail})` : ''}`;
  const lines = [
    line('postgres', s.postgres.up, s.postgres.pid, s.postgres.detail ?? '127.0.0.1:5432'),
    line('redis', s.redis.up, s.redis.pid, s.redis.detail ?? '127.0.0.1:6379'),
    line('kafka', s.kafka.up, s.kafka.pid, s.kafka.detail ?? '127.0.0.1:9092'),
    line(
      'topics',
      s.topics.up,
      undefined,
      s.topics.up ? `${s.topics.present.length} with prefix ${JSON.stringify(prefix)}` : `missing: ${s.topics.missing.join(', ')}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return s.postgres.up && s.redis.up && s.kafka.up && s.topics.up;
}

const OPTIONS = { help: { type: 'boolean', short: 'h' }, prefix: { type: 'string', default: DEFAULT_TOPIC_PREFIX } } as const;
const parse = () => parseArgs({ allowPositionals: true, options: OPTIONS });

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (err) {
    log(`infra: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    (values.help ? process.stdout : process.stderr).write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  if (positionals.length > 1) {
    log(`infra: one command expected, got ${positionals.join(' ')}\n\n${HELP}`);
    return 2;
  }
  switch (positionals[0]) {
    case 'up':
      await up(values.prefix);
      return 0;
    case 'down':
      await down();
      return 0;
    case 'status':
      return (await status(values.prefix)) ? 0 : 1;
    default:
      log(`infra: unknown command ${JSON.stringify(positionals[0])}\n\n${HELP}`);
      return 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    log(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  },
);
