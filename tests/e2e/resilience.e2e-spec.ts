import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { cluster, eventually, repoRoot } from '../support/cluster';

const entry = (app: string) => path.join(repoRoot, 'dist', 'apps', app, 'src', 'main.js');

interface Run {
  code: number | null;
  output: string;
}

function runToExit(app: string, env: Record<string, string>, timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry(app)], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: repoRoot });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not exit: ${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('start-up with bad configuration', () => {
  it('stops with one clear line naming each bad variable and exit status 78', async () => {
    const run = await runToExit('gateway', { PORT: 'not-a-port', DATABASE_URL: 'mysql://nope' });
    expect(run.code).toBe(78);
    const lines = run.output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^invalid configuration: /);
    expect(lines[0]).toContain('PORT');
    expect(lines[0]).toContain('DATABASE_URL');
    expect(lines[0]).toContain('NETWORK_SIGNING_KEY_FILE');
  });

  it('refuses a validator whose key does not match its listed public key', async () => {
    const c = cluster();
    const run = await runToExit('ledger-node', {
      DATABASE_URL: `postgres://root@127.0.0.1:5432/${c.dbPrefix}_ledger_0`,
      VALIDATOR_ID: 'v0',
      VALIDATOR_SIGNING_KEY_FILE: c.keys.v1.file,
      VALIDATOR_PUBLIC_KEYS: ['v0', 'v1', 'v2'].map((v) => `${v}=${c.keys[v].publicKey}`).join(','),
    });
    expect(run.code).toBe(78);
    expect(run.output).toContain('VALIDATOR_SIGNING_KEY_FILE');
  });
});

describe('a Kafka broker that is down at start-up', () => {
  it('keeps the service up and not ready, logging a clear retry line, until stopped', async () => {
    const c = cluster();
    const port = c.ports['fx-quote'] + 90;
    const child = spawn(process.execPath, [entry('fx-quote')], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        DATABASE_URL: `postgres://root@127.0.0.1:5432/${c.dbPrefix}_fx`,
        KAFKA_BROKERS: '127.0.0.1:1',
        FX_SIGNING_KEY_FILE: c.keys.fx.file,
        REDIS_KEY_PREFIX: c.redisPrefix,
      },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const live = await eventually(
        () =>
          fetch(`http://127.0.0.1:${port}/health/live`).then(
            (r) => r.status,
            () => 0,
          ),
        (s) => s === 200,
        20_000,
      );
      expect(live).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: Record<string, string> }).checks['kafka-producer']).toBe('down');
      await eventually(
        async () => output,
        (o) => o.includes('kafka producer connect failed'),
        15_000,
      );
      expect(output).toMatch(/kafka producer connect failed \(.*\); retrying in \d+ s/);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(child.exitCode).toBe(0);
  });
});

describe('a malformed Kafka message', () => {
  it('goes to the dead-letter topic with its reason, and the consumer keeps working', async () => {
    const c = cluster();
    const kafka = new Kafka({ clientId: 'resilience-test', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `resilience-${randomUUID()}` });
    const marker = randomUUID();
    const seen: { reason: string; raw: string }[] = [];
    await producer.connect();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: `${c.topicPrefix}dlq`, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const body = JSON.parse(message.value?.toString() ?? '{}') as { reason: string; raw: string };
          if (body.raw?.includes(marker)) seen.push(body);
        },
      });
      await producer.send({
        topic: `${c.topicPrefix}settlement.requests`,
        // one key, so both land in the same partition, in this order
        messages: [
          { key: marker, value: `not json ${marker}` },
          { key: marker, value: JSON.stringify({ kind: 'payment.intent', id: marker }) },
        ],
      });
      await eventually(
        async () => seen.length,
        (n) => n >= 2,
        20_000,
      );
      expect(seen.map((s) => s.reason)).toEqual(['not JSON', expect.stringContaining('uetr')]);
      const ready = await fetch(`http://127.0.0.1:${c.ports.settlement}/health/ready`);
      expect(ready.status).toBe(200);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });
});
