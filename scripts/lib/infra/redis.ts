// The machine's Redis on 127.0.0.1:6379 (keeps nothing on disk): checked with PING, started if it is stopped.
// Speaks just enough RESP over a socket that this needs no client library.
import net from 'node:net';
import { lastLines, run, seconds, sleep, stderrLog } from './process';
import type { EnsureOptions, ServiceState } from './postgres';

export const REDIS = Object.freeze({ host: '127.0.0.1', port: 6379 });

const REDIS_START_TIMEOUT_MS = 30_000;
const COMMAND_TIMEOUT_MS = 2000;
const POLL_MS = 100;

/** One command; resolves with a simple reply line (`+PONG`, `-ERR …`), a bulk string, or null. */
function redisCommand(args: readonly string[], { timeoutMs = COMMAND_TIMEOUT_MS } = {}): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: REDIS.host, port: REDIS.port });
    let buf = '';
    const finish = (settle: () => void): void => {
      socket.destroy();
      settle();
    };
    socket.setTimeout(timeoutMs, () => finish(() => reject(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }))));
    socket.on('error', (err) => finish(() => reject(err)));
    socket.on('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf[0] === '$') {
        const nl = buf.indexOf('\r\n');
        const len = Number(buf.slice(1, nl));
        if (len < 0) finish(() => resolve(null));
        else if (Buffer.byteLength(buf) >= nl + 2 + len + 2) finish(() => resolve(buf.slice(nl + 2, nl + 2 + len)));
      } else if (buf.includes('\r\n')) {
        finish(() => resolve(buf.slice(0, buf.indexOf('\r\n'))));
      }
    });
  });
}

export interface RedisProbe {
  state: ServiceState;
  reply?: string | null;
  error?: unknown;
}

export async function probeRedis(): Promise<RedisProbe> {
  try {
    const reply = await redisCommand(['PING']);
    if (reply === '+PONG') return { state: 'up' };
    if (reply?.startsWith('-LOADING')) return { state: 'starting', reply };
    return { state: 'error', reply };
  } catch (error) {
    return { state: 'down', error };
  }
}

const probeError = (probe: RedisProbe): string | undefined => (probe.error instanceof Error ? probe.error.message : undefined);

/** Makes sure Redis answers PING on 127.0.0.1:6379; starts it (no persistence) if it is stopped. */
export async function ensureRedis({ log = stderrLog, timeoutMs = REDIS_START_TIMEOUT_MS }: EnsureOptions = {}): Promise<{ startedByUs: boolean }> {
  let probe = await probeRedis();
  if (probe.state === 'up') return { startedByUs: false };
  if (probe.state === 'error') throw new Error(`redis: ${REDIS.host}:${REDIS.port} answered PING with ${probe.reply}`);
  const t0 = Date.now();
  let startOutput = '';
  let startedByUs = false;
  if (probe.state === 'down') {
    log(`redis: not answering on ${REDIS.host}:${REDIS.port}, starting redis-server…`);
    // the machine's own start command (docs/INFRA.md); keeps nothing on disk
    const res = await run(
      'redis-server',
      [
        '--daemonize',
        'yes',
        '--bind',
        '127.0.0.1',
        '-::1',
        '--port',
        String(REDIS.port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        '/var/lib/redis',
        '--logfile',
        '/var/log/redis/ci.log',
      ],
      { timeoutMs },
    );
    startOutput = res.output.trim();
    startedByUs = res.code === 0;
    if (res.code !== 0) log(`redis: redis-server exited with ${res.code}: ${lastLines(startOutput, 5)} (waiting anyway)`);
  }
  const deadline = t0 + timeoutMs;
  while (Date.now() < deadline) {
    probe = await probeRedis();
    if (probe.state === 'up') {
      log(`redis: up in ${seconds(t0)} s`);
      return { startedByUs };
    }
    if (probe.state === 'error') break;
    await sleep(POLL_MS);
  }
  throw new Error(
    `redis: not answering PING on ${REDIS.host}:${REDIS.port} after ${seconds(t0)} s (last: ${probe.reply ?? probeError(probe) ?? probe.state})` +
      (startOutput ? `\nredis-server output:\n${lastLines(startOutput, 20)}` : '') +
      '\nsee /var/log/redis/ci.log',
  );
}

/** The server's pid from INFO, or undefined. */
export async function redisPid(): Promise<number | undefined> {
  try {
    const info = await redisCommand(['INFO', 'server']);
    return Number(/^process_id:(\d+)/m.exec(info ?? '')?.[1]) || undefined;
  } catch {
    return undefined;
  }
}
